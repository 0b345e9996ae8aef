import { Body, Controller, Delete, Get, Head, HttpCode, Inject, Param, Patch, Post, Put, Query, Req, UseFilters, UseGuards, UsePipes, UseInterceptors } from '@nestjs/common';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import type { FastifyRequest } from 'fastify';
import { AssignmentQuery, AssignmentRef, IdentityModel, TokenContext } from '../../../../infra/identity/identity-model';
import { TokenIndex } from '../../../../infra/identity/token-index';
import { TOKEN_INDEX } from '../../../shared/src/runtime.tokens';
import { commandMetadata, CurrentToken, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { RoleCreateBody, RoleUpdateBody } from './dto/role.dto';
import { IdentityWrites } from './identity-writes';
import { IdentityReads } from './identity-reads';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { identityBaseUrl, listLinks, roleView } from './keystone-views';
import { one } from './query';

@Controller('identity/v3')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class RolesController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
    @Inject(TOKEN_INDEX) private readonly tokens: TokenIndex,
  ) {}

  @Post('roles')
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Body() body: RoleCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, body.role?.domain_id ? 'identity:create_domain_role' : 'identity:create_role');
    const { roleId, position } = await this.writes.createRole({ ...body.role, domainId: body.role.domain_id }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
    return this.get(token, roleId, request);
  }

  @Patch('roles/:roleId')
  @UsePipes(keystoneValidationPipe)
  async update(@CurrentToken() token: TokenContext, @Param('roleId') roleId: string, @Body() body: RoleUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_role');
    const r = body.role;
    const position = await this.writes.updateRole(roleId, { name: r.name, description: r.description, options: r.options }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
    return this.get(token, roleId, request);
  }

  /** Its implications and assignments go with it, as events (IdentityWrites.deleteRole). */
  @Delete('roles/:roleId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('roleId') roleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_role');
    const position = await this.writes.deleteRole(roleId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
  }

  /** Without `domain_id` Keystone lists the global roles only; with it, that domain's roles. */
  @Get('roles')
  async list(@CurrentToken() token: TokenContext, @Query('name') name: string | undefined, @Query('domain_id') domainId: string | undefined, @Req() request: FastifyRequest) {
    requireAdmin(token, domainId ? 'identity:list_domain_roles' : 'identity:list_roles');
    const base = identityBaseUrl(request);
    return { roles: (await this.reads.roles(name, domainId || null)).map((r) => roleView(base, r)), links: listLinks(request) };
  }

  @Get('roles/:roleId')
  async get(@CurrentToken() token: TokenContext, @Param('roleId') roleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:get_role');
    const row = await this.reads.role(roleId);
    if (!row) throw notFound('role', roleId);
    return { role: roleView(identityBaseUrl(request), row) };
  }

  /** 201 with a body, unlike every other PUT of Keystone (test/fixtures/keystone/implied-role-create.md). */
  @Put('roles/:priorRoleId/implies/:impliedRoleId')
  @HttpCode(201)
  async imply(@CurrentToken() token: TokenContext, @Param('priorRoleId') priorRoleId: string, @Param('impliedRoleId') impliedRoleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_implied_role');
    const position = await this.writes.implyRole(priorRoleId, impliedRoleId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
    return this.inference(priorRoleId, impliedRoleId, request);
  }

  /** 204, not 200: Keystone keeps this for API compatibility. */
  @Head('roles/:priorRoleId/implies/:impliedRoleId')
  @HttpCode(204)
  async checkImplied(@CurrentToken() token: TokenContext, @Param('priorRoleId') priorRoleId: string, @Param('impliedRoleId') impliedRoleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:check_implied_role');
    await this.inference(priorRoleId, impliedRoleId, request);
  }

  @Get('roles/:priorRoleId/implies/:impliedRoleId')
  async showImplied(@CurrentToken() token: TokenContext, @Param('priorRoleId') priorRoleId: string, @Param('impliedRoleId') impliedRoleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:get_implied_role');
    return this.inference(priorRoleId, impliedRoleId, request);
  }

  /** The roles `priorRoleId` implies directly (test/fixtures/keystone/implied-roles-raw.md). */
  @Get('roles/:priorRoleId/implies')
  async listImplied(@CurrentToken() token: TokenContext, @Param('priorRoleId') priorRoleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_implied_roles');
    const base = identityBaseUrl(request);
    const prior = await this.reads.role(priorRoleId);
    if (!prior) throw notFound('role', priorRoleId);
    const names = new Map((await this.reads.roles()).map((r) => [r.id, r.name]));
    const implied = (await this.reads.implications()).filter((i) => i.prior_role_id === priorRoleId).map((i) => inferenceRef(base, i.implied_role_id, names));
    return { role_inference: { prior_role: inferenceRef(base, priorRoleId, names), implies: implied }, links: { self: `${base}/roles/${priorRoleId}/implies` } };
  }

  @Delete('roles/:priorRoleId/implies/:impliedRoleId')
  @HttpCode(204)
  async unimply(@CurrentToken() token: TokenContext, @Param('priorRoleId') priorRoleId: string, @Param('impliedRoleId') impliedRoleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_implied_role');
    if (!this.tokens.model.role(impliedRoleId)) throw notFound('role', impliedRoleId);
    const position = await this.writes.unimplyRole(priorRoleId, impliedRoleId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
  }

  @Get('role_inferences')
  async inferences(@CurrentToken() token: TokenContext, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_role_inference_rules');
    const base = identityBaseUrl(request);
    const names = new Map((await this.reads.roles()).map((r) => [r.id, r.name]));
    const byPrior = new Map<string, string[]>();
    for (const i of await this.reads.implications()) byPrior.set(i.prior_role_id, [...(byPrior.get(i.prior_role_id) ?? []), i.implied_role_id]);
    return {
      role_inferences: [...byPrior].map(([prior, implied]) => ({ prior_role: inferenceRef(base, prior, names), implies: implied.map((id) => inferenceRef(base, id, names)) })),
      links: { self: `${base}/role_inferences` },
    };
  }

  /**
   * Keystone's GET /v3/role_assignments (keystone/api/role_assignments.py): direct or `effective`
   * assignments from the token index, with its filters, its 400s for useless combinations, and its
   * entity format (links.assignment to the grant, OS-INHERIT scope marks, include_names).
   */
  @Get('role_assignments')
  async assignments(@CurrentToken() token: TokenContext, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    const includeSubtree = isTrue(q, 'include_subtree');
    requireAdmin(token, includeSubtree ? 'identity:list_role_assignments_for_tree' : 'identity:list_role_assignments');
    const query = assignmentQuery(q, includeSubtree);
    const model = this.tokens.model;
    const refs = model.roleAssignments(query);
    const base = identityBaseUrl(request);
    const names = isTrue(q, 'include_names') ? namesFrom(model) : null;
    return { role_assignments: refs.map((ref) => assignmentView(base, ref, names)), links: listLinks(request) };
  }

  /** Keystone's role_inference document for one implication; 404 when either role or the implication is missing. */
  private async inference(priorRoleId: string, impliedRoleId: string, request: FastifyRequest) {
    const base = identityBaseUrl(request);
    const [prior, implied] = await Promise.all([this.reads.role(priorRoleId), this.reads.role(impliedRoleId)]);
    if (!prior) throw notFound('role', priorRoleId);
    if (!implied) throw notFound('role', impliedRoleId);
    if (!(await this.reads.implications()).some((i) => i.prior_role_id === priorRoleId && i.implied_role_id === impliedRoleId)) {
      throw new KeystoneError(404, `${priorRoleId} does not imply ${impliedRoleId}.`);
    }
    const names = new Map([
      [prior.id, prior.name],
      [implied.id, implied.name],
    ]);
    return {
      role_inference: { prior_role: inferenceRef(base, priorRoleId, names), implies: inferenceRef(base, impliedRoleId, names) },
      links: { self: `${base}/roles/${priorRoleId}/implies/${impliedRoleId}` },
    };
  }
}

const inferenceRef = (base: string, id: string, names: Map<string, string>) => ({ id, links: { self: `${base}/roles/${id}` }, name: names.get(id) ?? '' });

/** Keystone's `query_filter_is_true`: present and not `0`. */
function isTrue(q: Record<string, string | string[] | undefined>, name: string): boolean {
  return q[name] !== undefined && one(q[name]) !== '0';
}

/** The filters of GET /v3/role_assignments, with Keystone's 400s for combinations it refuses. */
export function assignmentQuery(q: Record<string, string | string[] | undefined>, includeSubtree: boolean): AssignmentQuery {
  const value = (name: string) => one(q[name]) || undefined;
  const [userId, groupId, roleId, projectId, domainId] = ['user.id', 'group.id', 'role.id', 'scope.project.id', 'scope.domain.id'].map(value);
  // Keystone takes `scope.system=all` only; a bare `scope.system` counts too (the CLI's `--system all` sends the value).
  const system = q['scope.system'] !== undefined && ['', 'all'].includes(one(q['scope.system']) ?? '');
  const systemAsked = !!value('scope.system');
  const effective = isTrue(q, 'effective');
  const inheritedTo = q['scope.OS-INHERIT:inherited_to'];
  const inherited = inheritedTo === undefined ? undefined : one(inheritedTo) === 'projects';
  const bad = (message: string) => new KeystoneError(400, message);
  if (includeSubtree && !projectId) throw bad('scope.project.id must be specified if include_subtree is also specified');
  if (domainId && projectId) throw bad('Specify a domain or project, not both');
  if (domainId && systemAsked) throw bad('Specify system or domain, not both');
  if (projectId && systemAsked) throw bad('Specify system or project, not both');
  if (userId && groupId) throw bad('Specify a user or group, not both');
  if (effective && groupId) throw bad('Combining effective and group filter will always result in an empty list.');
  if (effective && inherited && domainId) throw bad('Combining effective, domain and inherited filters will always result in an empty list.');
  return { userId, groupId, roleId, projectId, domainId, system, includeSubtree, inherited, effective };
}

type Names = ReturnType<typeof namesFrom>;

/** include_names: what Keystone's `_get_names_from_role_assignments` adds; '' for an entity that is gone. */
function namesFrom(model: IdentityModel) {
  const domain = (id: string) => ({ id, name: model.domain(id)?.name ?? '' });
  return {
    user: (id: string) => {
      const u = model.user(id);
      return u ? { name: u.name, domain: domain(u.domainId) } : { name: '', domain: { id: '', name: '' } };
    },
    group: (id: string) => {
      const g = model.group(id);
      return g ? { name: g.name, domain: domain(g.domainId) } : { name: '', domain: { id: '', name: '' } };
    },
    project: (id: string) => {
      const p = model.project(id);
      return p ? { name: p.name, domain: domain(p.domainId) } : {};
    },
    domain: (id: string) => ({ name: model.domain(id)?.name ?? '' }),
    role: (id: string) => {
      const r = model.role(id);
      return { name: r?.name ?? '', ...(r?.domainId ? { domain: domain(r.domainId) } : {}) };
    },
  };
}

/** Keystone's `_format_entity`: the scope, the actor, the role, and the link to the grant that made the assignment. */
export function assignmentView(base: string, a: AssignmentRef, names: Names | null) {
  const links: Record<string, string> = {};
  const entity: Record<string, unknown> = { links };
  const indirect = a.indirect ?? {};
  let link: string;
  let inherited = a.inherited;
  let scope: Record<string, unknown>;
  if (a.targetType === 'project') {
    scope = { project: { id: a.targetId, ...(names ? names.project(a.targetId) : {}) } };
    if (indirect.domainId !== undefined) {
      inherited = true;
      link = `/domains/${indirect.domainId}`;
    } else if (indirect.projectId !== undefined) {
      inherited = true;
      link = `/projects/${indirect.projectId}`;
    } else {
      link = `/projects/${a.targetId}`;
    }
  } else if (a.targetType === 'domain') {
    scope = { domain: { id: a.targetId, ...(names ? names.domain(a.targetId) : {}) } };
    link = `/domains/${a.targetId}`;
  } else {
    scope = { system: { all: true } };
    link = '/system';
  }
  entity.scope = scope;
  if (a.actorType === 'user') {
    entity.user = { id: a.actorId, ...(names ? names.user(a.actorId) : {}) };
    if (indirect.groupId !== undefined) {
      links.membership = `${base}/groups/${indirect.groupId}/users/${a.actorId}`;
      link += `/groups/${indirect.groupId}`;
    } else {
      link += `/users/${a.actorId}`;
    }
  } else {
    entity.group = { id: a.actorId, ...(names ? names.group(a.actorId) : {}) };
    link += `/groups/${a.actorId}`;
  }
  entity.role = { id: a.roleId, ...(names ? names.role(a.roleId) : {}) };
  let priorRoleLink: string | null = null;
  if (indirect.roleId !== undefined) {
    link += `/roles/${indirect.roleId}`;
    // Keystone's own order: the implied role first (keystone/api/role_assignments.py).
    priorRoleLink = `/prior_role/${a.roleId}/implies/${indirect.roleId}`;
  } else {
    link += `/roles/${a.roleId}`;
  }
  if (inherited) {
    scope['OS-INHERIT:inherited_to'] = 'projects';
    link = `/OS-INHERIT${link}/inherited_to_projects`;
  }
  links.assignment = `${base}${link}`;
  if (priorRoleLink) links.prior_role = `${base}${priorRoleLink}`;
  return entity;
}
