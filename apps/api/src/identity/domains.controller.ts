import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CommandMetadata, Position } from '../../../../domain/kernel';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { authorize, commandMetadata, CurrentToken, hasRole, isAdmin, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { DomainCreateBody, DomainUpdateBody } from './dto/domain.dto';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { domainView, identityBaseUrl, listLinks } from './keystone-views';
import { booleanFilter, one } from './query';

/**
 * Keystone resource core `delete_domain`: refused (403) while the domain is enabled; otherwise its
 * projects (leaves first), users, groups and domain-specific roles go first, each with its role
 * assignments, then the grants on the domain and the domain itself. Every deletion is its own
 * event on its own stream, all under the request's correlation id; the token index drops the
 * tokens of every deleted user and project as it applies them, before this returns.
 */
export async function deleteDomainWithContents(reads: IdentityReads, writes: IdentityWrites, domainId: string, meta: CommandMetadata): Promise<void> {
  const domain = await reads.domain(domainId);
  if (!domain) throw notFound('domain', domainId);
  if (domain.enabled) throw new KeystoneError(403, 'Cannot delete a domain that is enabled, please disable it first.');
  let last: Position | null = null;
  const step = (position: Position | null) => (last = position ?? last);

  const remaining = new Map((await reads.projects({ domain_id: domainId })).map((p) => [p.id, p]));
  while (remaining.size > 0) {
    const parents = new Set([...remaining.values()].map((p) => p.parent_id));
    for (const project of [...remaining.values()].filter((p) => !parents.has(p.id))) {
      step(await writes.deleteProject(project.id, false, meta));
      step(await writes.unassignAll(await reads.grantsOn('target_id', project.id), meta));
      remaining.delete(project.id);
    }
  }
  for (const user of await reads.users({ domain_id: domainId })) {
    step(await writes.deleteUser(user.id, meta));
    step(await writes.unassignAll(await reads.grantsOn('actor_id', user.id), meta));
  }
  for (const group of await reads.groups({ domain_id: domainId })) {
    step(await writes.unassignAll(await reads.grantsOn('actor_id', group.id), meta));
    step(await writes.deleteGroup(group.id, meta));
  }
  for (const role of await reads.roles(undefined, domainId)) step(await writes.deleteRole(role.id, meta));
  step(await writes.unassignAll(await reads.grantsOn('target_id', domainId), meta));
  step(await writes.deleteDomain(domainId, meta));
  await reads.waitFor(last, ['identity_resources', 'identity_users', 'identity_assignments']);
}

@Controller('identity/v3/domains')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class DomainsController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
  ) {}

  private async show(request: FastifyRequest, domainId: string) {
    const row = await this.reads.domain(domainId);
    if (!row) throw notFound('domain', domainId);
    return { domain: domainView(identityBaseUrl(request), row) };
  }

  @Post()
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Body() body: DomainCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_domain');
    const { domainId, position } = await this.writes.createDomain(body.domain, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_resources']);
    return this.show(request, domainId);
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_domains');
    const base = identityBaseUrl(request);
    const rows = await this.reads.domains({ name: one(q.name), enabled: booleanFilter('enabled', one(q.enabled)) });
    return { domains: rows.map((d) => domainView(base, d)), links: listLinks(request) };
  }

  /** Keystone: an admin, or a reader of a project or domain in that domain. */
  @Get(':domainId')
  async get(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Req() request: FastifyRequest) {
    const own = token.scope.type === 'project' ? token.scope.project.domain.id : token.scope.type === 'domain' ? token.scope.domain.id : null;
    authorize('identity:get_domain', isAdmin(token) || (own === domainId && hasRole(token, 'reader')));
    return this.show(request, domainId);
  }

  @Patch(':domainId')
  @UsePipes(keystoneValidationPipe)
  async update(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Body() body: DomainUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_domain');
    const position = await this.writes.updateDomain(domainId, body.domain, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_resources']);
    return this.show(request, domainId);
  }

  // Grants (PUT/HEAD/GET/DELETE .../users|groups/{id}/roles[/{role}]) live in grants.controller.ts.
  @Delete(':domainId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_domain');
    await deleteDomainWithContents(this.reads, this.writes, domainId, commandMetadata(request, token));
  }
}
