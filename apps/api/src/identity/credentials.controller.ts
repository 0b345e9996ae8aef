import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TokenContext } from '../../../../infra/identity/identity-model';
import type { CredentialRow } from '../../../../projections/identity';
import { authorize, commandMetadata, CurrentToken, isAdmin, TokenGuard } from '../../../shared/src/auth';
import { ExtensionReads } from './extension-reads';
import { ec2CredentialId, entityOf, ExtensionWrites, JsonObject, requireMatchingId, requireProperties, stringField } from './extension-writes';
import { IdentityReads } from './identity-reads';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { identityBaseUrl, listLinks } from './keystone-views';
import { one } from './query';

const EC2 = 'ec2';
// Keystone ValidationError(attribute, target) (keystone/exception.py).
const expecting = (attribute: string) =>
  new KeystoneError(400, `Expecting to find ${attribute} in credential. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);

/** Keystone `_validate_blob_json`: an ec2 blob is a JSON object with an access key. */
function ec2Blob(blob: string): JsonObject & { access: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(blob);
  } catch {
    throw new KeystoneError(400, 'Invalid blob in credential');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) throw expecting('blob');
  const b = parsed as JsonObject;
  if (b.access === undefined || b.access === null) throw expecting('access');
  return b as JsonObject & { access: string };
}

/**
 * Keystone's credential API (admin, or the credential's owner: keystone/common/policies/credential.py).
 * Blobs are sealed with the credential key before any event is written and opened only to answer.
 */
@Controller('identity/v3/credentials')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class CredentialsController {
  constructor(
    private readonly reads: ExtensionReads,
    private readonly writes: ExtensionWrites,
  ) {}

  private view(base: string, c: CredentialRow) {
    const blob = this.writes.openCredentialBlob(c.id, { ciphertext: c.blob_ciphertext, keyId: c.key_id });
    return { id: c.id, user_id: c.user_id, project_id: c.project_id, type: c.type, blob, links: { self: `${base}/credentials/${c.id}` } };
  }

  @Post()
  @HttpCode(201)
  async create(@CurrentToken() token: TokenContext, @Body() body: unknown, @Req() request: FastifyRequest) {
    const c = entityOf(body, 'credential');
    requireProperties(c, ['blob', 'type', 'user_id']);
    const blob = stringField(c, 'blob')!;
    const type = stringField(c, 'type')!;
    const userId = stringField(c, 'user_id')!;
    const projectId = stringField(c, 'project_id', { nullable: true }) ?? null;
    if (type === EC2 && !('project_id' in c)) throw new KeystoneError(400, "'project_id' is a required property");
    authorize('identity:create_credential', isAdmin(token) || token.user.id === userId);
    const id = type.toLowerCase() === EC2 ? ec2CredentialId(String(ec2Blob(blob).access)) : undefined;
    const { credentialId, position } = await this.writes.createCredential({ id, userId, projectId, type, blob }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_credentials']);
    return { credential: this.view(identityBaseUrl(request), (await this.reads.credential(credentialId))!) };
  }

  /** Others' credentials are left out of a non-admin's list, as Keystone filters by `identity:get_credential`. */
  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    const base = identityBaseUrl(request);
    const rows = await this.reads.credentials({ user_id: one(q.user_id), type: one(q.type) });
    const visible = rows.filter((c) => isAdmin(token) || c.user_id === token.user.id);
    return { credentials: visible.map((c) => this.view(base, c)), links: listLinks(request) };
  }

  @Get(':credentialId')
  async show(@CurrentToken() token: TokenContext, @Param('credentialId') credentialId: string, @Req() request: FastifyRequest) {
    const row = await this.reads.credential(credentialId);
    authorize('identity:get_credential', isAdmin(token) || row?.user_id === token.user.id);
    if (!row) throw notFound('credential', credentialId);
    return { credential: this.view(identityBaseUrl(request), row) };
  }

  @Patch(':credentialId')
  async update(@CurrentToken() token: TokenContext, @Param('credentialId') credentialId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const current = await this.reads.credential(credentialId);
    authorize('identity:update_credential', isAdmin(token) || current?.user_id === token.user.id);
    if (!current) throw notFound('credential', credentialId);
    const c = entityOf(body, 'credential', { minProperties: 1 });
    const patch = { blob: stringField(c, 'blob') ?? undefined, type: stringField(c, 'type') ?? undefined, userId: stringField(c, 'user_id') ?? undefined, projectId: stringField(c, 'project_id', { nullable: true }) };
    if (current.type.toLowerCase() === EC2 && patch.blob !== undefined) {
      // Keystone `_validate_blob_update_keys`: the delegation an ec2 credential was created under cannot change.
      const before = ec2Blob(this.writes.openCredentialBlob(current.id, { ciphertext: current.blob_ciphertext, keyId: current.key_id }));
      const after = ec2Blob(patch.blob);
      for (const key of ['trust_id', 'app_cred_id', 'access_token_id', 'access_id']) {
        if ((before[key] ?? null) !== (after[key] ?? null)) throw new KeystoneError(400, `${key} can not be updated for credential`);
      }
    }
    requireMatchingId(c, credentialId);
    // A non-admin may not hand the credential to someone else.
    authorize('identity:update_credential', isAdmin(token) || (patch.userId ?? current.user_id) === token.user.id);
    const position = await this.writes.updateCredential(credentialId, patch, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_credentials']);
    return { credential: this.view(identityBaseUrl(request), (await this.reads.credential(credentialId))!) };
  }

  @Delete(':credentialId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('credentialId') credentialId: string, @Req() request: FastifyRequest) {
    const row = await this.reads.credential(credentialId);
    authorize('identity:delete_credential', isAdmin(token) || row?.user_id === token.user.id);
    if (!row) throw notFound('credential', credentialId);
    const position = await this.writes.deleteCredential(credentialId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_credentials']);
  }
}

/**
 * Keystone's OS-EC2 view of a user's credentials of type ec2 (keystone/api/users.py): blob
 * `{access, secret, trust_id}`, id sha256(access). A user manages their own; an admin anyone's.
 */
@Controller('identity/v3/users/:userId/credentials/OS-EC2')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class Ec2CredentialsController {
  constructor(
    private readonly identity: IdentityReads,
    private readonly reads: ExtensionReads,
    private readonly writes: ExtensionWrites,
  ) {}

  private view(base: string, c: CredentialRow) {
    const blob = JSON.parse(this.writes.openCredentialBlob(c.id, { ciphertext: c.blob_ciphertext, keyId: c.key_id })) as JsonObject;
    return {
      user_id: c.user_id,
      tenant_id: c.project_id,
      access: blob.access ?? null,
      secret: blob.secret ?? null,
      trust_id: blob.trust_id ?? null,
      links: { self: `${base}/users/${c.user_id}/credentials/OS-EC2/${String(blob.access)}` },
    };
  }

  private async requireUser(userId: string): Promise<void> {
    if (!(await this.identity.user(userId))) throw notFound('user', userId);
  }

  /** Keystone looks the credential up by the hash of the access key; another type is "not found" as 401. */
  private async ec2Credential(userId: string, access: string): Promise<CredentialRow> {
    const id = ec2CredentialId(access);
    const row = await this.reads.credential(id);
    if (!row || row.user_id !== userId) throw notFound('credential', id);
    if (row.type !== EC2) throw new KeystoneError(401, 'EC2 access key not found.');
    return row;
  }

  @Post()
  @HttpCode(201)
  async create(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    authorize('identity:ec2_create_credential', isAdmin(token) || token.user.id === userId);
    await this.requireUser(userId);
    const tenantId = body !== null && typeof body === 'object' ? (body as JsonObject).tenant_id : undefined;
    if (typeof tenantId !== 'string' || !(await this.identity.project(tenantId))) throw notFound('project', String(tenantId ?? 'None'));
    const access = randomUUID().replace(/-/g, '');
    const blob = JSON.stringify({ access, secret: randomUUID().replace(/-/g, ''), trust_id: null });
    const { credentialId, position } = await this.writes.createCredential({ id: ec2CredentialId(access), userId, projectId: tenantId, type: EC2, blob }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_credentials']);
    return { credential: this.view(identityBaseUrl(request), (await this.reads.credential(credentialId))!) };
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Req() request: FastifyRequest) {
    authorize('identity:ec2_list_credentials', isAdmin(token) || token.user.id === userId);
    await this.requireUser(userId);
    const base = identityBaseUrl(request);
    return { credentials: (await this.reads.credentials({ user_id: userId, type: EC2 })).map((c) => this.view(base, c)), links: listLinks(request) };
  }

  @Get(':access')
  async show(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Param('access') access: string, @Req() request: FastifyRequest) {
    authorize('identity:ec2_get_credential', isAdmin(token) || token.user.id === userId);
    await this.requireUser(userId);
    return { credential: this.view(identityBaseUrl(request), await this.ec2Credential(userId, access)) };
  }

  @Delete(':access')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('userId') userId: string, @Param('access') access: string, @Req() request: FastifyRequest) {
    authorize('identity:ec2_delete_credential', isAdmin(token) || token.user.id === userId);
    await this.requireUser(userId);
    const row = await this.ec2Credential(userId, access);
    const position = await this.writes.deleteCredential(row.id, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_credentials']);
  }
}
