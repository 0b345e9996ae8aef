import { Controller, Delete, Get, Head, HttpCode, Inject, Param, Put, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ActorType, RoleAssignment, SYSTEM_TARGET_ID, TargetType } from '../../../../domain/identity';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { TokenIndex } from '../../../../infra/identity/token-index';
import { commandMetadata, CurrentToken, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { TOKEN_INDEX } from '../../../shared/src/runtime.tokens';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { identityBaseUrl, listLinks, roleView } from './keystone-views';

type Actors = 'users' | 'groups';
type Targets = 'projects' | 'domains';

const ACTOR: Record<Actors, ActorType> = { users: 'user', groups: 'group' };
const TARGET: Record<Targets, TargetType> = { projects: 'project', domains: 'domain' };

/** Every route of one grant resource, for users and groups (and projects and domains). */
const onTargets = (targets: string[], suffix: string) => targets.flatMap((t) => ['users', 'groups'].map((a) => `${t}/:targetId/${a}/:actorId/roles${suffix}`));
const GRANTS = onTargets(['projects', 'domains'], '');
const GRANT = onTargets(['projects', 'domains'], '/:roleId');
const INHERITED_GRANTS = onTargets(['OS-INHERIT/domains'], '/inherited_to_projects');
const INHERITED_GRANT = onTargets(['OS-INHERIT/projects', 'OS-INHERIT/domains'], '/:roleId/inherited_to_projects');
const SYSTEM_GRANTS = ['system/users/:actorId/roles', 'system/groups/:actorId/roles'];
const SYSTEM_GRANT = SYSTEM_GRANTS.map((path) => `${path}/:roleId`);

/** Keystone's policy names: one set for project and domain grants, one per actor type on the system. */
const rule = (action: 'create' | 'check' | 'list' | 'revoke', target: TargetType, actor: ActorType) => {
  if (target !== 'system') return `identity:${action}_grant${action === 'list' ? 's' : ''}`;
  return `identity:${action === 'list' ? 'list_system_grants' : `${action}_system_grant`}_for_${actor}`;
};

/**
 * Role grants (Keystone's assignment API): PUT/HEAD/GET/DELETE and list on
 * /projects|domains/{id}/users|groups/{id}/roles[/{role}], /system/users|groups/{id}/roles[/{role}]
 * and the OS-INHERIT variants ending in /inherited_to_projects. Admin only (Keystone's defaults
 * for create_grant, check_grant, list_grants, revoke_grant and their system counterparts).
 */
@Controller('identity/v3')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class GrantsController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
    @Inject(TOKEN_INDEX) private readonly tokens: TokenIndex,
  ) {}

  // Projects and domains.

  @Get(GRANTS)
  list(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    return this.listGrants(token, grantOf(request, p), request);
  }

  @Put(GRANT)
  @HttpCode(204)
  assign(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    return this.assignGrant(token, grantOf(request, p), request);
  }

  @Head(GRANT)
  @HttpCode(204)
  checkHead(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    this.checkGrant(token, grantOf(request, p));
  }

  @Get(GRANT)
  @HttpCode(204)
  check(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    this.checkGrant(token, grantOf(request, p));
  }

  @Delete(GRANT)
  @HttpCode(204)
  revoke(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    return this.revokeGrant(token, grantOf(request, p), request);
  }

  // OS-INHERIT: grants on a domain or project that apply to the projects below it.

  @Get(INHERITED_GRANTS)
  listInherited(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    return this.listGrants(token, grantOf(request, p), request);
  }

  @Put(INHERITED_GRANT)
  @HttpCode(204)
  assignInherited(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    return this.assignGrant(token, grantOf(request, p), request);
  }

  @Head(INHERITED_GRANT)
  @HttpCode(204)
  checkInheritedHead(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    this.checkGrant(token, grantOf(request, p));
  }

  @Get(INHERITED_GRANT)
  @HttpCode(204)
  checkInherited(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    this.checkGrant(token, grantOf(request, p));
  }

  @Delete(INHERITED_GRANT)
  @HttpCode(204)
  revokeInherited(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    return this.revokeGrant(token, grantOf(request, p), request);
  }

  // The system (Keystone's one system scope, `all`).

  @Get(SYSTEM_GRANTS)
  listSystem(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    return this.listGrants(token, grantOf(request, p), request);
  }

  @Put(SYSTEM_GRANT)
  @HttpCode(204)
  assignSystem(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    return this.assignGrant(token, grantOf(request, p), request);
  }

  @Head(SYSTEM_GRANT)
  @HttpCode(204)
  checkSystemHead(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    this.checkGrant(token, grantOf(request, p));
  }

  @Get(SYSTEM_GRANT)
  @HttpCode(204)
  checkSystem(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    this.checkGrant(token, grantOf(request, p));
  }

  @Delete(SYSTEM_GRANT)
  @HttpCode(204)
  revokeSystem(@CurrentToken() token: TokenContext, @Param() p: GrantParams, @Req() request: FastifyRequest) {
    return this.revokeGrant(token, grantOf(request, p), request);
  }

  private async listGrants(token: TokenContext, g: RoleAssignment, request: FastifyRequest) {
    requireAdmin(token, rule('list', g.targetType, g.actorType));
    this.requireTarget(g);
    this.requireActor(g);
    const base = identityBaseUrl(request);
    return { roles: (await this.reads.grantedRoles(g)).map((r) => roleView(base, r)), links: listLinks(request) };
  }

  private async assignGrant(token: TokenContext, g: RoleAssignment, request: FastifyRequest): Promise<void> {
    requireAdmin(token, rule('create', g.targetType, g.actorType));
    this.requireRole(g);
    this.requireActor(g);
    this.requireTarget(g);
    const position = await this.writes.assignRole(g, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
  }

  private checkGrant(token: TokenContext, g: RoleAssignment): void {
    requireAdmin(token, rule('check', g.targetType, g.actorType));
    this.requireRole(g);
    this.requireActor(g);
    this.requireTarget(g);
    if (!this.tokens.model.hasGrant(g)) throw assignmentNotFound(g);
  }

  /** Keystone lets a grant of a user or group that is gone be revoked; the role and target must exist. */
  private async revokeGrant(token: TokenContext, g: RoleAssignment, request: FastifyRequest): Promise<void> {
    requireAdmin(token, rule('revoke', g.targetType, g.actorType));
    this.requireRole(g);
    this.requireTarget(g);
    const position = await this.writes.unassignRole(g, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
  }

  private requireRole(g: RoleAssignment): void {
    if (!this.tokens.model.role(g.roleId)) throw notFound('role', g.roleId);
  }

  private requireActor(g: RoleAssignment): void {
    const model = this.tokens.model;
    const exists = g.actorType === 'user' ? model.user(g.actorId) : model.group(g.actorId);
    if (!exists) throw notFound(g.actorType, g.actorId);
  }

  private requireTarget(g: RoleAssignment): void {
    const model = this.tokens.model;
    if (g.targetType === 'project' && !model.project(g.targetId)) throw notFound('project', g.targetId);
    if (g.targetType === 'domain' && !model.domain(g.targetId)) throw notFound('domain', g.targetId);
  }
}

interface GrantParams {
  targetId?: string;
  actorId: string;
  roleId?: string;
}

/** The grant a path names: `[OS-INHERIT/](projects|domains)/{id}|system` `/(users|groups)/{id}/roles[/{role}][/inherited_to_projects]`. */
function grantOf(request: FastifyRequest, p: GrantParams): RoleAssignment {
  const segments = request.url.split('?')[0].replace(/^\/identity\/v3\//, '').split('/');
  const inherited = segments[0] === 'OS-INHERIT';
  if (inherited) segments.shift();
  const [targets, , actors] = segments[0] === 'system' ? ['system', '', segments[1]] : segments;
  return {
    actorType: ACTOR[actors as Actors],
    actorId: p.actorId,
    targetType: targets === 'system' ? 'system' : TARGET[targets as Targets],
    targetId: targets === 'system' ? SYSTEM_TARGET_ID : p.targetId!,
    roleId: p.roleId ?? '',
    inherited,
  };
}

/** Keystone's RoleAssignmentNotFound. */
function assignmentNotFound(g: RoleAssignment): KeystoneError {
  return new KeystoneError(404, `Could not find role assignment with role: ${g.roleId}, user or group: ${g.actorId}, project, domain, or system: ${g.targetId}.`);
}
