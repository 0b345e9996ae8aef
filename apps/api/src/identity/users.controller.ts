import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, UseFilters, UseGuards, UsePipes, UseInterceptors } from '@nestjs/common';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import type { FastifyRequest } from 'fastify';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { authorize, commandMetadata, CurrentToken, isAdmin, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { TokenIndex } from '../../../../infra/identity/token-index';
import { Inject } from '@nestjs/common';
import { TIME_TRAVEL, TOKEN_INDEX } from '../../../shared/src/runtime.tokens';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { PasswordChangeBody, UserCreateBody, UserUpdateBody } from './dto/user.dto';
import { IdentityCascades } from './identity-cascades';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { TimeTravel } from '../../../../infra/audit/time-travel';
import { groupView, identityBaseUrl, listLinks, projectView, userView } from './keystone-views';
import { tokenDomainId } from './projects.controller';
import { booleanFilter, one } from './query';

/** Keystone's user schemas allow additional properties: it keeps them as `extra` and returns them flat. */
const NAMED_ATTRIBUTES = new Set(['id', 'links', 'name', 'domain_id', 'password', 'enabled', 'default_project_id', 'description', 'email', 'options', 'password_expires_at']);

export function extraAttributes(body: object): Record<string, unknown> | undefined {
  const extra = Object.fromEntries(Object.entries(body).filter(([k, v]) => !NAMED_ATTRIBUTES.has(k) && v !== undefined));
  return Object.keys(extra).length === 0 ? undefined : extra;
}

@Controller('identity/v3/users')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class UsersController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
    private readonly cascades: IdentityCascades,
    @Inject(TOKEN_INDEX) private readonly tokens: TokenIndex,
    @Inject(TIME_TRAVEL) private readonly timeTravel: TimeTravel,
  ) {}

  /** `?as_of=`: the same reads over the users read model at that instant. */
  private readsAt<T>(query: Record<string, string | string[] | undefined>, work: (reads: IdentityReads) => Promise<T>): Promise<T> {
    return this.timeTravel.readsAt(query.as_of, ['identity_users'], this.reads, work, { invalid: (m) => new KeystoneError(400, m) });
  }

  private async show(request: FastifyRequest, userId: string, reads = this.reads) {
    const row = await reads.user(userId);
    if (!row) throw notFound('user', userId);
    return { user: userView(identityBaseUrl(request), row) };
  }

  @Post()
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Body() body: UserCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_user');
    const u = body.user;
    const { userId, position } = await this.writes.createUser(
      {
        name: u.name,
        domainId: u.domain_id ?? tokenDomainId(token),
        password: u.password,
        enabled: u.enabled,
        defaultProjectId: u.default_project_id,
        description: u.description,
        email: u.email,
        extra: extraAttributes(u),
      },
      commandMetadata(request, token),
    );
    await this.reads.waitFor(position, ['identity_users']);
    return this.show(request, userId);
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() query: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_users');
    const base = identityBaseUrl(request);
    const rows = await this.readsAt(query, (reads) => reads.users({ name: one(query.name), domain_id: one(query.domain_id), enabled: booleanFilter('enabled', one(query.enabled)) }));
    return { users: rows.map((u) => userView(base, u)), links: listLinks(request) };
  }

  @Get(':userId')
  async get(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Query() query: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    authorize('identity:get_user', isAdmin(token) || token.user.id === userId);
    return this.readsAt(query, (reads) => this.show(request, userId, reads));
  }

  @Patch(':userId')
  @UsePipes(keystoneValidationPipe)
  async update(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Body() body: UserUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_user');
    const u = body.user;
    const position = await this.writes.updateUser(
      userId,
      {
        name: u.name,
        password: u.password,
        enabled: u.enabled,
        defaultProjectId: u.default_project_id,
        description: u.description,
        email: u.email,
        extra: extraAttributes(u),
      },
      commandMetadata(request, token),
    );
    await this.reads.waitFor(position, ['identity_users']);
    return this.show(request, userId);
  }

  @Delete(':userId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_user');
    await this.cascades.deleteUser(userId, commandMetadata(request, token));
  }

  @Get(':userId/groups')
  async groups(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Req() request: FastifyRequest) {
    authorize('identity:list_groups_for_user', isAdmin(token) || token.user.id === userId);
    if (!(await this.reads.user(userId))) throw notFound('user', userId);
    const base = identityBaseUrl(request);
    const rows = await this.reads.groups({ memberId: userId });
    return { groups: rows.map((g) => ({ ...groupView(base, g), membership_expires_at: null })), links: listLinks(request) };
  }

  @Get(':userId/projects')
  async projects(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Req() request: FastifyRequest) {
    authorize('identity:list_user_projects', isAdmin(token) || token.user.id === userId);
    if (!(await this.reads.user(userId))) throw notFound('user', userId);
    const base = identityBaseUrl(request);
    const rows = await this.reads.projects({});
    const mine = rows.filter((p) => this.tokens.model.effectiveRoles(userId, { type: 'project', projectId: p.id }).length > 0);
    return { projects: mine.map((p) => projectView(base, p)), links: listLinks(request) };
  }
}

/**
 * POST /v3/users/{id}/password is `unenforced_api` in Keystone (keystone/api/users.py): no token and
 * no policy, the original password is the credential (401 when wrong). Every earlier token of the
 * user stops validating once the index applies UserPasswordChanged.
 */
@Controller('identity/v3/users')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
export class UserPasswordController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
  ) {}

  @Post(':userId/password')
  @HttpCode(204)
  @UsePipes(keystoneValidationPipe)
  async changePassword(@Param('userId') userId: string, @Body() body: PasswordChangeBody, @Req() request: FastifyRequest) {
    // The actor is the user whose original password authenticated the change.
    const meta = { ...commandMetadata(request, null), actor: { userId, projectId: null, domainId: null, roles: [] } };
    const position = await this.writes.changePassword(userId, body.user.original_password, body.user.password, meta);
    await this.reads.waitFor(position, ['identity_users']);
  }
}
