import { Body, Controller, Delete, Get, Headers, HttpCode, Post, Query, Req, Res, UseFilters, UseGuards, UsePipes, UseInterceptors } from '@nestjs/common';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { TokenIndex } from '../../../../infra/identity/token-index';
import { authorize, commandMetadata, CurrentToken, isAdmin, TokenGuard } from '../../../shared/src/auth';
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
export function tokenBody(t: TokenContext, catalog: CatalogEntry[] | null, credential?: { id: string; name: string; restricted: boolean }) {
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
    return c ? { id: c.id, name: c.name, restricted: !c.unrestricted } : undefined;
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

  @Get('tokens')
  @UseGuards(TokenGuard)
  async validate(
    @CurrentToken() caller: TokenContext,
    @Headers('x-subject-token') subject: string | undefined,
    @Query('nocatalog') nocatalog: string | undefined,
    @Query('allow_expired') allowExpired: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const token = this.subject(caller, subject, flag(allowExpired));
    reply.header('X-Subject-Token', subject!);
    return tokenBody(token, await this.catalog(token, flag(nocatalog)), this.credentialOf(token));
  }

  @Delete('tokens')
  @HttpCode(204)
  @UseGuards(TokenGuard)
  async revoke(@CurrentToken() caller: TokenContext, @Headers('x-subject-token') subject: string | undefined, @Req() request: FastifyRequest) {
    const token = this.subject(caller, subject, false);
    await this.issuer.revoke(token, commandMetadata(request, caller));
  }

  /** Keystone's `identity:validate_token`/`revoke_token`: an admin, or the token's own user. */
  private subject(caller: TokenContext, subject: string | undefined, allowExpired: boolean): TokenContext {
    if (!subject) throw new KeystoneError(404, 'No token in the request');
    const result = this.tokens.validate(subject, { allowExpired });
    if (!result.valid) {
      authorize('identity:validate_token', isAdmin(caller));
      throw new KeystoneError(404, result.reason === 'unknown' ? 'Could not recognize Fernet token' : 'Failed to validate token');
    }
    authorize('identity:validate_token', isAdmin(caller) || result.token.user.id === caller.user.id);
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
    const mine = rows.filter((p) => this.tokens.model.effectiveRoles(caller.user.id, { type: 'project', projectId: p.id }).length > 0);
    return { projects: mine.map((p) => projectView(base, p)), links: listLinks(request) };
  }

  @Get('domains')
  @UseGuards(TokenGuard)
  async domains(@CurrentToken() caller: TokenContext, @Req() request: FastifyRequest) {
    const base = identityBaseUrl(request);
    const rows = await this.reads.domains();
    const mine = rows.filter((d) => d.enabled && this.tokens.model.effectiveRoles(caller.user.id, { type: 'domain', domainId: d.id }).length > 0);
    return { domains: mine.map((d) => domainView(base, d)), links: listLinks(request) };
  }

  @Get('system')
  @UseGuards(TokenGuard)
  system(@CurrentToken() caller: TokenContext, @Req() request: FastifyRequest) {
    const onSystem = this.tokens.model.effectiveRoles(caller.user.id, { type: 'system', system: 'all' }).length > 0;
    return { system: onSystem ? [{ all: true }] : [], links: { self: `${identityBaseUrl(request)}/auth/system` } };
  }
}
