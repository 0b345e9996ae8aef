import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { hashApplicationCredentialSecret, newApplicationCredentialSecret } from '../../../../infra/identity/tokens';
import type { ApplicationCredentialRow, RoleRow } from '../../../../projections/identity';
import { authorize, commandMetadata, CurrentToken, isAdmin, TokenGuard } from '../../../shared/src/auth';
import { ApplicationCredentialCreateBody } from './dto/application-credential.dto';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { identityBaseUrl, listLinks } from './keystone-views';
import { one } from './query';

/** Keystone returns expiry without a zone here: `2030-01-01T00:00:00.000000`. */
const expiry = (iso: string | null) => (iso === null ? null : new Date(iso).toISOString().replace(/\.\d{3}Z$/, '.000000'));

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

  /** A user manages their own credentials, with a project-scoped token; a restricted credential cannot make more. */
  @Post()
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Body() body: ApplicationCredentialCreateBody, @Req() request: FastifyRequest) {
    authorize('identity:create_application_credential', token.user.id === userId);
    if (token.applicationCredentialId !== undefined && !(await this.reads.applicationCredential(token.applicationCredentialId))?.unrestricted) {
      throw new KeystoneError(403, "You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials..");
    }
    if (token.scope.type !== 'project') throw new KeystoneError(400, 'Invalid application credential: a project-scoped token is required.');
    const a = body.application_credential;
    const held = new Map(token.roles.map((r) => [r.id, r]));
    const heldByName = new Map(token.roles.map((r) => [r.name, r]));
    const roleIds = a.roles === undefined ? token.roles.map((r) => r.id) : a.roles.map((r) => (r.id !== undefined ? held.get(r.id) : heldByName.get(r.name ?? ''))?.id);
    if (roleIds.some((id) => id === undefined)) throw new KeystoneError(400, 'Invalid application credential: Cannot create an application credential with unassigned role');
    const secret = a.secret ?? newApplicationCredentialSecret();
    const { id, position } = await this.writes.createApplicationCredential(
      {
        userId,
        projectId: token.scope.project.id,
        name: a.name,
        description: a.description,
        secretHash: await hashApplicationCredentialSecret(secret),
        roleIds: roleIds as string[],
        expiresAt: a.expires_at ?? null,
        unrestricted: a.unrestricted ?? false,
      },
      commandMetadata(request, token),
    );
    await this.reads.waitFor(position, ['identity_application_credentials']);
    const row = await this.reads.applicationCredential(id);
    return { application_credential: credentialView(identityBaseUrl(request), row!, await this.reads.roles(), secret) };
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
    authorize('identity:delete_application_credential', isAdmin(token) || token.user.id === userId);
    if (token.applicationCredentialId !== undefined && !(await this.reads.applicationCredential(token.applicationCredentialId))?.unrestricted) {
      throw new KeystoneError(403, "You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials..");
    }
    const row = await this.reads.applicationCredential(id);
    if (!row || row.user_id !== userId) throw notFound('Application Credential', id);
    const position = await this.writes.deleteApplicationCredential(id, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_application_credentials']);
  }
}
