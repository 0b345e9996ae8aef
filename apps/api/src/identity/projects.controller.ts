import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Put, Query, Req, Res, UseFilters, UseGuards, UsePipes, UseInterceptors } from '@nestjs/common';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { TimeTravel } from '../../../../infra/audit/time-travel';
import { TIME_TRAVEL } from '../../../shared/src/runtime.tokens';
import { commandMetadata, CurrentToken, requireAdmin, requireProjectReader, TokenGuard } from '../../../shared/src/auth';
import { DEFAULT_DOMAIN_ID } from '../../../shared/src/identity-bootstrap';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { ProjectCreateBody, ProjectTagsBody, ProjectUpdateBody } from './dto/project.dto';
import { IdentityCascades } from './identity-cascades';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { domainAsProjectView, identityBaseUrl, listLinks, projectView } from './keystone-views';
import { booleanFilter, one } from './query';

/** The domain a token works in when a body names none (Keystone: the scope's domain). */
export function tokenDomainId(token: TokenContext): string {
  return token.scope.type === 'project' ? token.scope.project.domain.id : token.scope.type === 'domain' ? token.scope.domain.id : DEFAULT_DOMAIN_ID;
}

/** Keystone's project schemas allow additional properties: kept as `extra`, returned flat. */
const NAMED_PROJECT_ATTRIBUTES = new Set(['id', 'links', 'name', 'domain_id', 'description', 'enabled', 'is_domain', 'parent_id', 'tags', 'options']);

export function extraProjectAttributes(body: object): Record<string, unknown> | undefined {
  const extra = Object.fromEntries(Object.entries(body).filter(([k, v]) => !NAMED_PROJECT_ATTRIBUTES.has(k) && v !== undefined));
  return Object.keys(extra).length === 0 ? undefined : extra;
}

/**
 * Keystone's tag filters on GET /v3/projects (API-WG tags guideline), each a comma-separated list:
 * `tags` (all of), `tags-any` (any of), `not-tags` (not all of), `not-tags-any` (none of).
 */
export function tagFilter(query: Record<string, string | string[] | undefined>): (p: { tags: string[] }) => boolean {
  const list = (name: string) => {
    const v = one(query[name]);
    return v === undefined ? undefined : v.split(',').filter((t) => t.length > 0);
  };
  const all = list('tags');
  const any = list('tags-any');
  const notAll = list('not-tags');
  const notAny = list('not-tags-any');
  return (p) =>
    (all === undefined || all.every((t) => p.tags.includes(t))) &&
    (any === undefined || any.some((t) => p.tags.includes(t))) &&
    (notAll === undefined || !notAll.every((t) => p.tags.includes(t))) &&
    (notAny === undefined || !notAny.some((t) => p.tags.includes(t)));
}

@Controller('identity/v3/projects')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class ProjectsController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
    private readonly cascades: IdentityCascades,
    @Inject(TIME_TRAVEL) private readonly timeTravel: TimeTravel,
  ) {}

  /** `?as_of=`: the same reads over the projects read model at that instant. */
  private readsAt<T>(query: Record<string, string | string[] | undefined>, work: (reads: IdentityReads) => Promise<T>): Promise<T> {
    return this.timeTravel.readsAt(query.as_of, ['identity_projects'], this.reads, work, { invalid: (m) => new KeystoneError(400, m) });
  }

  /** A project, or a domain seen through the projects API (Keystone keeps domains as is_domain projects). */
  private async show(request: FastifyRequest, projectId: string, reads = this.reads) {
    const row = await reads.project(projectId);
    if (row) return { project: projectView(identityBaseUrl(request), row) };
    const domain = await reads.domain(projectId);
    if (!domain) throw notFound('project', projectId);
    return { project: domainAsProjectView(identityBaseUrl(request), domain) };
  }

  @Post()
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Body() body: ProjectCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_project');
    const p = body.project;
    if (p.is_domain === true) {
      // Keystone: a project acting as a domain has no domain and no parent of its own.
      if (p.parent_id != null) throw new KeystoneError(400, 'Invalid input for field \'parent_id\': a project acting as a domain cannot have a parent.');
      if (p.domain_id != null) throw new KeystoneError(400, 'Invalid input for field \'domain_id\': a project acting as a domain cannot be in a domain.');
      const created = await this.writes.createDomain({ name: p.name, description: p.description, enabled: p.enabled }, commandMetadata(request, token));
      await this.reads.waitFor(created.position, ['identity_resources']);
      return this.show(request, created.domainId);
    }
    const { projectId, position } = await this.writes.createProject(
      {
        name: p.name,
        domainId: p.domain_id ?? tokenDomainId(token),
        description: p.description,
        enabled: p.enabled,
        parentId: p.parent_id,
        tags: p.tags,
        options: p.options,
        extra: extraProjectAttributes(p),
      },
      commandMetadata(request, token),
    );
    await this.reads.waitFor(position, ['identity_resources']);
    return this.show(request, projectId);
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() query: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_projects');
    return this.readsAt(query, (reads) => this.listWith(reads, query, request));
  }

  private async listWith(reads: IdentityReads, query: Record<string, string | string[] | undefined>, request: FastifyRequest) {
    const base = identityBaseUrl(request);
    // Keystone lists is_domain=false unless asked: domains appear only with ?is_domain=true.
    if (booleanFilter('is_domain', one(query.is_domain)) === true) {
      const domains = await reads.domains({ name: one(query.name), enabled: booleanFilter('enabled', one(query.enabled)) });
      return { projects: domains.map((d) => domainAsProjectView(base, d)).filter(tagFilter(query)), links: listLinks(request) };
    }
    const rows = await reads.projects({
      name: one(query.name),
      domain_id: one(query.domain_id),
      enabled: booleanFilter('enabled', one(query.enabled)),
      parent_id: one(query.parent_id),
    });
    const tagged = rows.filter(tagFilter(query));
    return { projects: tagged.map((p) => projectView(base, p)), links: listLinks(request) };
  }

  @Get(':projectId')
  async get(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Query() query: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireProjectReader(token, projectId, 'identity:get_project');
    return this.readsAt(query, (reads) => this.show(request, projectId, reads));
  }

  @Patch(':projectId')
  @UsePipes(keystoneValidationPipe)
  async update(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Body() body: ProjectUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_project');
    const p = body.project;
    if (!(await this.reads.project(projectId)) && (await this.reads.domain(projectId))) {
      const updated = await this.writes.updateDomain(projectId, { name: p.name, description: p.description, enabled: p.enabled }, commandMetadata(request, token));
      await this.reads.waitFor(updated, ['identity_resources']);
      return this.show(request, projectId);
    }
    const position = await this.writes.updateProject(projectId, { name: p.name, description: p.description, enabled: p.enabled, tags: p.tags, extra: extraProjectAttributes(p) }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_resources']);
    return this.show(request, projectId);
  }

  @Delete(':projectId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_project');
    if (!(await this.reads.project(projectId)) && (await this.reads.domain(projectId))) {
      return this.cascades.deleteDomain(projectId, commandMetadata(request, token));
    }
    const children = await this.reads.projects({ parent_id: projectId });
    await this.cascades.deleteProject(projectId, children.length > 0, commandMetadata(request, token));
  }

  // Grants (PUT/HEAD/GET/DELETE .../users|groups/{id}/roles[/{role}]) live in grants.controller.ts.

  /** Keystone `_ProjectTagResourceBase.wrap_member`: the list under `tags` and the request URL as `self`. */
  private async tags(request: FastifyRequest, projectId: string) {
    const row = await this.reads.project(projectId);
    if (!row) throw notFound('project', projectId);
    return { links: { self: `${identityBaseUrl(request)}${request.url.replace(/^\/identity\/v3/, '')}` }, tags: row.tags };
  }

  @Get(':projectId/tags')
  async listTags(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Req() request: FastifyRequest) {
    requireProjectReader(token, projectId, 'identity:list_project_tags');
    return this.tags(request, projectId);
  }

  @Put(':projectId/tags')
  @UsePipes(keystoneValidationPipe)
  async replaceTags(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Body() body: ProjectTagsBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_project_tags');
    const position = await this.writes.projectTags({ type: 'ReplaceProjectTags', tags: body.tags }, projectId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_resources']);
    return this.tags(request, projectId);
  }

  @Delete(':projectId/tags')
  @HttpCode(204)
  async clearTags(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_project_tags');
    const position = await this.writes.projectTags({ type: 'ReplaceProjectTags', tags: [] }, projectId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_resources']);
  }

  /** GET (and HEAD) answer 204 when the project has the tag, 404 otherwise. */
  @Get(':projectId/tags/:tag')
  @HttpCode(204)
  async checkTag(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Param('tag') tag: string) {
    requireProjectReader(token, projectId, 'identity:get_project_tag');
    const row = await this.reads.project(projectId);
    if (!row) throw notFound('project', projectId);
    if (!row.tags.includes(tag)) throw notFound('project tag', tag);
  }

  /** 201 with an empty body and the tag's URL in Location, also when the project already had it. */
  @Put(':projectId/tags/:tag')
  @HttpCode(201)
  async addTag(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Param('tag') tag: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    requireAdmin(token, 'identity:create_project_tag');
    const position = await this.writes.projectTags({ type: 'AddProjectTag', tag }, projectId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_resources']);
    reply.header('Location', `${identityBaseUrl(request)}/projects/${projectId}/tags/${encodeURIComponent(tag)}`);
  }

  @Delete(':projectId/tags/:tag')
  @HttpCode(204)
  async removeTag(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Param('tag') tag: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_project_tag');
    const position = await this.writes.projectTags({ type: 'RemoveProjectTag', tag }, projectId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_resources']);
  }
}
