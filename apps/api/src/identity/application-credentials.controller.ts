import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AccessRule } from '../../../../domain/identity';
import { CommandMetadata } from '../../../../domain/kernel';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { hashApplicationCredentialSecret, newApplicationCredentialSecret } from '../../../../infra/identity/tokens';
import type { ApplicationCredentialRow, RoleRow } from '../../../../projections/identity';
import { microsecondInstant } from '../../../../projections/identity/application-credentials';
import { authorize, commandMetadata, CurrentToken, hasRole, isAdmin, TokenGuard } from '../../../shared/src/auth';
import { AccessRuleInput, ApplicationCredentialCreateBody } from './dto/application-credential.dto';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { identityBaseUrl, listLinks } from './keystone-views';
import { one } from './query';

/** Keystone returns expiry without a zone and with the microseconds it was given: `2030-01-01T00:00:00.123456`. */
const expiry = (recorded: string | null) => (recorded === null ? null : microsecondInstant(recorded).replace(/Z$/, ''));

const accessRuleView = (r: { id?: string; service: string; method: string; path: string }) => ({ id: r.id, service: r.service, method: r.method, path: r.path });

function credentialView(base: string, c: ApplicationCredentialRow, roles: RoleRow[], secret?: string) {
  const byId = new Map(roles.map((r) => [r.id, r]));
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    user_id: c.user_id,
    project_id: c.project_id,
    system: null,
    expires_at: expiry(c.expires_at),
    unrestricted: c.unrestricted,
    roles: c.roles.map(({ id }) => {
      const r = byId.get(id);
      return { id, name: r?.name ?? '', domain_id: r?.domain_id ?? null, description: r?.description ?? null, options: r?.options ?? {} };
    }),
    // Keystone's backend adds the key only when the credential has rules.
    ...(c.access_rules.length > 0 ? { access_rules: c.access_rules.map(accessRuleView) } : {}),
    ...(secret !== undefined ? { secret } : {}),
    links: { self: `${base}/application_credentials/${c.id}` },
  };
}

@Controller('identity/v3/users/:userId/application_credentials')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class ApplicationCredentialsController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
  ) {}

  /**
   * A user manages their own credentials, with a project-scoped token; a restricted credential
   * cannot make more. Stricter than Keystone's owner-only default: a reader only reads, so making
   * or deleting one needs at least the member role (the policy: member ⊃ reader).
   */
  @Post()
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Body() body: ApplicationCredentialCreateBody, @Req() request: FastifyRequest) {
    authorize('identity:create_application_credential', token.user.id === userId && hasRole(token, 'member'));
    if (token.applicationCredentialId !== undefined && !(await this.reads.applicationCredential(token.applicationCredentialId))?.unrestricted) {
      throw new KeystoneError(403, "You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials..");
    }
    if (token.scope.type !== 'project') throw new KeystoneError(400, 'Invalid application credential: a project-scoped token is required.');
    const a = body.application_credential;
    const held = new Map(token.roles.map((r) => [r.id, r]));
    const heldByName = new Map(token.roles.map((r) => [r.name, r]));
    const roleIds = a.roles === undefined ? token.roles.map((r) => r.id) : a.roles.map((r) => (r.id !== undefined ? held.get(r.id) : heldByName.get(r.name ?? ''))?.id);
    if (roleIds.some((id) => id === undefined)) throw new KeystoneError(400, 'Invalid application credential: Cannot create an application credential with unassigned role');
    const meta = commandMetadata(request, token);
    const accessRules = a.access_rules === undefined ? undefined : await this.accessRules(userId, a.access_rules, meta);
    const secret = a.secret ?? newApplicationCredentialSecret();
    const { id, position } = await this.writes.createApplicationCredential(
      {
        userId,
        projectId: token.scope.project.id,
        name: a.name,
        description: a.description,
        secretHash: await hashApplicationCredentialSecret(secret),
        roleIds: roleIds as string[],
        expiresAt: a.expires_at == null ? null : expiresAt(a.expires_at),
        unrestricted: a.unrestricted ?? false,
        accessRules,
      },
      meta,
    );
    await this.reads.waitFor(position, ['identity_application_credentials']);
    const row = await this.reads.applicationCredential(id);
    return { application_credential: credentialView(identityBaseUrl(request), row!, await this.reads.roles(), secret) };
  }

  /** Each rule by id (one of the user's) or by its triple, which finds or creates the user's rule for it. */
  private async accessRules(userId: string, requested: AccessRuleInput[], meta: CommandMetadata): Promise<AccessRule[]> {
    const existing = new Map((await this.reads.accessRules(userId)).map((r) => [r.id, r]));
    const rules: AccessRule[] = [];
    for (const r of requested) {
      const known = r.id !== undefined ? existing.get(r.id) : undefined;
      if (known) {
        rules.push({ id: known.id, service: known.service, method: known.method as AccessRule['method'], path: known.path });
        continue;
      }
      if (r.service === undefined || r.method === undefined || r.path === undefined) {
        if (r.id !== undefined) throw notFound('access rule', r.id);
        throw new KeystoneError(400, "Invalid input for field 'access_rules': a rule names its service, method and path.");
      }
      const rule = { service: r.service, method: r.method as AccessRule['method'], path: r.path };
      if (!rule.path.startsWith('/')) throw new KeystoneError(400, `Invalid input for field 'access_rules/path': ${JSON.stringify(rule.path)} does not match '^/.*'`);
      const { id } = await this.writes.ensureAccessRule(userId, rule, meta);
      rules.push({ id, ...rule });
    }
    return rules;
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Query('name') name: string | undefined, @Req() request: FastifyRequest) {
    authorize('identity:list_application_credentials', isAdmin(token) || token.user.id === userId);
    const base = identityBaseUrl(request);
    const roles = await this.reads.roles();
    return { application_credentials: (await this.reads.applicationCredentials(userId, one(name))).map((c) => credentialView(base, c, roles)), links: listLinks(request) };
  }

  @Get(':id')
  async get(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Param('id') id: string, @Req() request: FastifyRequest) {
    authorize('identity:get_application_credential', isAdmin(token) || token.user.id === userId);
    const row = await this.reads.applicationCredential(id);
    if (!row || row.user_id !== userId) throw notFound('Application Credential', id);
    return { application_credential: credentialView(identityBaseUrl(request), row, await this.reads.roles()) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Param('id') id: string, @Req() request: FastifyRequest) {
    authorize('identity:delete_application_credential', isAdmin(token) || (token.user.id === userId && hasRole(token, 'member')));
    if (token.applicationCredentialId !== undefined && !(await this.reads.applicationCredential(token.applicationCredentialId))?.unrestricted) {
      throw new KeystoneError(403, "You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials..");
    }
    const row = await this.reads.applicationCredential(id);
    if (!row || row.user_id !== userId) throw notFound('Application Credential', id);
    const position = await this.writes.deleteApplicationCredential(id, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_application_credentials']);
  }
}

/** Keystone `utils.parse_expiration_date`: an instant without a zone is UTC; kept to the microsecond. */
function expiresAt(value: string): string {
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`);
  if (Number.isNaN(ms)) throw new KeystoneError(400, `Invalid input for field 'expires_at': ${JSON.stringify(value)} is not a 'date-time'`);
  return microsecondInstant(/(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`);
}

/** Keystone's `system_reader_or_owner` (get/list) and `system_admin_or_owner` (delete) for access rules. */
function mayReadAccessRules(token: TokenContext, userId: string): boolean {
  return token.user.id === userId || isAdmin(token) || (token.scope.type === 'system' && hasRole(token, 'reader'));
}

@Controller('identity/v3/users/:userId/access_rules')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class AccessRulesController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
  ) {}

  private view(base: string, userId: string, r: { id: string; service: string; method: string; path: string }) {
    return { ...accessRuleView(r), links: { self: `${base}/users/${userId}/access_rules/${r.id}` } };
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    authorize('identity:list_access_rules', mayReadAccessRules(token, userId));
    const base = identityBaseUrl(request);
    const filters = { service: one(q.service), path: one(q.path), method: one(q.method) };
    const rows = (await this.reads.accessRules(userId)).filter(
      (r) => (filters.service === undefined || r.service === filters.service) && (filters.path === undefined || r.path === filters.path) && (filters.method === undefined || r.method === filters.method),
    );
    return { access_rules: rows.map((r) => this.view(base, userId, r)), links: listLinks(request) };
  }

  @Get(':accessRuleId')
  async get(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Param('accessRuleId') id: string, @Req() request: FastifyRequest) {
    authorize('identity:get_access_rule', mayReadAccessRules(token, userId));
    const row = (await this.reads.accessRules(userId)).find((r) => r.id === id);
    if (!row) throw notFound('access rule', id);
    return { access_rule: this.view(identityBaseUrl(request), userId, row) };
  }

  /** 403 while an application credential still uses the rule. */
  @Delete(':accessRuleId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Param('accessRuleId') id: string, @Req() request: FastifyRequest) {
    authorize('identity:delete_access_rule', token.user.id === userId || isAdmin(token));
    const position = await this.writes.deleteAccessRule(id, userId, await this.reads.accessRuleUsers(userId, id), commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_application_credentials']);
  }
}
