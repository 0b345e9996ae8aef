import { Body, Controller, Delete, Get, Headers, HttpCode, Post, Query, Req, Res, UseFilters, UseGuards, UsePipes, UseInterceptors } from '@nestjs/common';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { TokenIndex } from '../../../../infra/identity/token-index';
import { authorize, commandMetadata, CurrentToken, mayUseSubjectToken, TokenGuard, TokenRule } from '../../../shared/src/auth';
import { Inject } from '@nestjs/common';
import { TOKEN_INDEX } from '../../../shared/src/runtime.tokens';
import { AuthRequest } from './dto/auth.dto';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { IdentityReads } from './identity-reads';
import { KeystoneError, KeystoneExceptionFilter } from './keystone-errors';
import { CatalogEntry, catalogView, domainView, identityBaseUrl, keystoneInstant, listLinks, projectView } from './keystone-views';
import { TokenIssuer } from './token-issuer';

/** `?nocatalog` and `?allow_expired` count by presence or a true-ish value, as Keystone's flask query parsing does. */
export const flag = (value: string | undefined) => value !== undefined && !/^(0|false|no|off)$/i.test(value);

/** The token document in Keystone's key order (test/fixtures/keystone/README.md §4). */
export function tokenBody(t: TokenContext, catalog: CatalogEntry[] | null, credential?: { id: string; name: string; restricted: boolean; access_rules?: unknown[] }) {
  const body: Record<string, unknown> = {
    methods: t.methods,
    user: { domain: t.user.domain, id: t.user.id, name: t.user.name, password_expires_at: null },
    audit_ids: t.auditIds,
    expires_at: keystoneInstant(t.expiresAt),
    issued_at: keystoneInstant(t.issuedAt),
  };
  switch (t.scope.type) {
    case 'project':
      body.project = { domain: t.scope.project.domain, id: t.scope.project.id, name: t.scope.project.name };
      body.is_domain = false;
      break;
    case 'domain':
      body.domain = t.scope.domain;
      break;
    case 'system':
      body.system = { all: true };
      break;
    case 'unscoped':
      return { token: body };
  }
  // OS-TRUST (render_token.py): the trust in place of `is_domain`; `user` is already the trustor when it impersonates.
  if (t.trust) {
    delete body.is_domain;
    body['OS-TRUST:trust'] = { id: t.trust.id, trustor_user: { id: t.trust.trustorUserId }, trustee_user: { id: t.trust.trusteeUserId }, impersonation: t.trust.impersonation };
  }
  body.roles = t.roles.map((r) => ({ id: r.id, name: r.name }));
  if (catalog) body.catalog = catalog;
  if (credential) body.application_credential = credential;
  return { token: body };
}

@Controller('identity/v3/auth')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
export class AuthController {
  constructor(
    private readonly issuer: TokenIssuer,
    private readonly reads: IdentityReads,
    @Inject(TOKEN_INDEX) private readonly tokens: TokenIndex,
  ) {}

  private async catalog(token: TokenContext, nocatalog: boolean): Promise<CatalogEntry[] | null> {
    if (nocatalog || token.scope.type === 'unscoped') return null;
    const { services, endpoints } = await this.reads.catalog();
    return catalogView(services, endpoints);
  }

  private credentialOf(token: TokenContext) {
    const c = token.applicationCredentialId === undefined ? undefined : this.tokens.model.applicationCredential(token.applicationCredentialId);
    if (!c) return undefined;
    // Keystone's token carries the credential's access rules, for the services that enforce them.
    const accessRules = c.accessRules.map((r) => ({ id: r.id, service: r.service, method: r.method, path: r.path }));
    return { id: c.id, name: c.name, restricted: !c.unrestricted, ...(accessRules.length > 0 ? { access_rules: accessRules } : {}) };
  }

  @Post('tokens')
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async issue(@Body() body: AuthRequest, @Query('nocatalog') nocatalog: string | undefined, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { requestId, correlationId, causationId } = commandMetadata(request, null);
    const issued = await this.issuer.issue(body.auth, { requestId, correlationId, causationId });
    reply.header('X-Subject-Token', issued.value);
    return tokenBody(issued.token, await this.catalog(issued.token, flag(nocatalog)), this.credentialOf(issued.token));
  }

  /** Fastify answers HEAD from this route without the body: Keystone's check_token. */
  @Get('tokens')
  @UseGuards(TokenGuard)
  async validate(
    @CurrentToken() caller: TokenContext,
    @Req() request: FastifyRequest,
    @Headers('x-subject-token') subject: string | undefined,
    @Query('nocatalog') nocatalog: string | undefined,
    @Query('allow_expired') allowExpired: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const token = this.subject(caller, subject, flag(allowExpired), request.method === 'HEAD' ? 'identity:check_token' : 'identity:validate_token');
    reply.header('X-Subject-Token', subject!);
    return tokenBody(token, await this.catalog(token, flag(nocatalog)), this.credentialOf(token));
  }

  @Delete('tokens')
  @HttpCode(204)
  @UseGuards(TokenGuard)
  async revoke(@CurrentToken() caller: TokenContext, @Headers('x-subject-token') subject: string | undefined, @Req() request: FastifyRequest) {
    const token = this.subject(caller, subject, false, 'identity:revoke_token');
    await this.issuer.revoke(token, commandMetadata(request, caller));
  }

  /**
   * Keystone validates X-Subject-Token before any policy check (rbac_enforcer's subject-token
   * target): a revoked or unknown subject is 404 for everyone. Then `rule` (check_token,
   * validate_token, revoke_token) admits an admin, a system reader (not revoke) or the
   * `token_subject`: the subject token belongs to the caller's own user.
   */
  private subject(caller: TokenContext, subject: string | undefined, allowExpired: boolean, rule: TokenRule): TokenContext {
    if (!subject) throw new KeystoneError(404, 'No token in the request');
    const result = this.tokens.validate(subject, { allowExpired });
    if (!result.valid) throw new KeystoneError(404, result.reason === 'unknown' ? 'Could not recognize Fernet token' : 'Failed to validate token');
    authorize(rule, mayUseSubjectToken(caller, result.token, rule));
    return result.token;
  }

  @Get('catalog')
  @UseGuards(TokenGuard)
  async catalogOfToken(@CurrentToken() caller: TokenContext, @Req() request: FastifyRequest) {
    // Keystone: an unscoped token has no catalog to show (403 Forbidden "A project-scoped token is required...").
    if (caller.scope.type === 'unscoped') throw new KeystoneError(403, 'A project-scoped token is required to produce a service catalog.');
    return { catalog: (await this.catalog(caller, false)) ?? [], links: { self: `${identityBaseUrl(request)}/auth/catalog` } };
  }

  @Get('projects')
  @UseGuards(TokenGuard)
  async projects(@CurrentToken() caller: TokenContext, @Req() request: FastifyRequest) {
    const base = identityBaseUrl(request);
    const rows = await this.reads.projects({ enabled: true });
    // Keystone `list_projects_for_user`: the projects of the user's effective role assignments.
    const ids = new Set(this.tokens.model.roleAssignments({ userId: caller.user.id, effective: true }).filter((a) => a.targetType === 'project').map((a) => a.targetId));
    const mine = rows.filter((p) => ids.has(p.id));
    return { projects: mine.map((p) => projectView(base, p)), links: listLinks(request) };
  }

  @Get('domains')
  @UseGuards(TokenGuard)
  async domains(@CurrentToken() caller: TokenContext, @Req() request: FastifyRequest) {
    const base = identityBaseUrl(request);
    const rows = await this.reads.domains();
    // Keystone `list_domains_for_user`: the domains of the user's effective role assignments, own or through groups.
    const ids = new Set(this.tokens.model.roleAssignments({ userId: caller.user.id, effective: true }).filter((a) => a.targetType === 'domain').map((a) => a.targetId));
    const mine = rows.filter((d) => d.enabled && ids.has(d.id));
    return { domains: mine.map((d) => domainView(base, d)), links: listLinks(request) };
  }

  @Get('system')
  @UseGuards(TokenGuard)
  system(@CurrentToken() caller: TokenContext, @Req() request: FastifyRequest) {
    const onSystem = this.tokens.model.effectiveRoles(caller.user.id, { type: 'system', system: 'all' }).length > 0;
    return { system: onSystem ? [{ all: true }] : [], links: { self: `${identityBaseUrl(request)}/auth/system` } };
  }
}
