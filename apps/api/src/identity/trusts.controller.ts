import { Body, Controller, Delete, Get, Head, HttpCode, Param, Post, Query, Req, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Inject } from '@nestjs/common';
import { RedelegatedTrust } from '../../../../domain/identity';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { TokenIndex } from '../../../../infra/identity/token-index';
import type { RoleRow, TrustRow } from '../../../../projections/identity';
import { authorize, commandMetadata, CurrentToken, isAdmin, TokenGuard } from '../../../shared/src/auth';
import { TOKEN_INDEX } from '../../../shared/src/runtime.tokens';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { TrustCreateBody } from './dto/trust.dto';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { identityBaseUrl, listLinks, roleView } from './keystone-views';
import { one } from './query';
import { TrustReads } from './trust-reads';
import { TrustWrites } from './trust-writes';

const CLIENT_ERROR = 'The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

// ISO 8601 as oslo's parse_isotime (iso8601) reads it; Keystone appends `Z` when no zone is given.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** Keystone utils.parse_expiration_date: `Timestamp not in expected format` (400) for what does not parse. */
export function parseExpiry(value: string): string {
  const zoned = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(value) && /T/.test(value) ? value : `${value}Z`;
  const ms = ISO_INSTANT.test(zoned) ? Date.parse(zoned.replace(/(\.\d{3})\d+/, '$1')) : NaN;
  if (Number.isNaN(ms)) throw new KeystoneError(400, `Timestamp not in expected format. ${CLIENT_ERROR}`);
  return new Date(ms).toISOString();
}

/** Keystone utils.isotime(subsecond=True): `2026-01-01T00:00:00.000000Z`. */
const isotime = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'));

function trustSummary(base: string, t: TrustRow) {
  return {
    id: t.id,
    trustor_user_id: t.trustor_user_id,
    trustee_user_id: t.trustee_user_id,
    project_id: t.project_id,
    impersonation: t.impersonation,
    expires_at: isotime(t.expires_at),
    remaining_uses: t.remaining_uses,
    redelegated_trust_id: t.redelegated_trust_id,
    redelegation_count: t.redelegation_count,
    links: { self: `${base}/OS-TRUST/trusts/${t.id}` },
  };
}

/** Roles that no longer exist drop out, as Keystone's `_normalize_trust_roles` skips RoleNotFound. */
function trustRoles(base: string, t: TrustRow, roles: RoleRow[]) {
  const byId = new Map(roles.map((r) => [r.id, r]));
  return t.roles.flatMap(({ id }) => (byId.has(id) ? [roleView(base, byId.get(id)!)] : []));
}

const rolesLinks = (base: string, id: string) => ({ self: `${base}/OS-TRUST/trusts/${id}/roles`, next: null, previous: null });

/**
 * Keystone OS-TRUST (keystone/api/trusts.py, default policies of common/policies/trust.py). Reads
 * come from the `identity_trusts` read model; whether a trust is still usable (not expired, uses
 * left) is judged against the clock here, as Keystone's `get_trust` does.
 */
@Controller('identity/v3/OS-TRUST/trusts')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class TrustsController {
  constructor(
    private readonly reads: TrustReads,
    private readonly writes: TrustWrites,
    @Inject(TOKEN_INDEX) private readonly tokens: TokenIndex,
  ) {}

  @Post()
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Body() body: TrustCreateBody, @Req() request: FastifyRequest) {
    const t = body.trust;
    authorize('identity:create_trust', actingUser(token) === t.trustor_user_id);
    refuseApplicationCredential(token);
    const projectId = t.project_id ?? null;
    if (projectId !== null && (t.roles ?? []).length === 0) throw new KeystoneError(403, 'You are not authorized to perform the requested action: At least one role should be specified.');
    const model = this.tokens.model;
    if (!model.user(t.trustee_user_id)) throw notFound('user', t.trustee_user_id);

    const redelegatedFrom = this.redelegatedFrom(token);
    // Keystone `_get_trustor_roles`: the original trustor's roles on the original trust's project.
    const original = redelegatedFrom ? this.originalTrust(redelegatedFrom.id) : null;
    if (projectId !== null && !model.project(projectId)) throw notFound('project', projectId);
    const held = new Set(
      projectId === null ? [] : model.effectiveRoles(original?.trustorUserId ?? t.trustor_user_id, { type: 'project', projectId: original?.projectId ?? projectId }).map((r) => r.id),
    );
    const roleIds = await Promise.all((t.roles ?? []).map((ref) => this.roleId(ref)));
    const missing = roleIds.find((id) => !held.has(id));
    if (missing !== undefined) throw notFound('role', missing);

    const { id, position } = await this.writes.create(
      {
        trustorUserId: t.trustor_user_id,
        trusteeUserId: t.trustee_user_id,
        projectId,
        impersonation: t.impersonation,
        roleIds,
        expiresAt: typeof t.expires_at === 'string' ? parseExpiry(t.expires_at) : null,
        remainingUses: t.remaining_uses ?? null,
        allowRedelegation: t.allow_redelegation ?? false,
        redelegationCount: t.redelegation_count ?? null,
        redelegatedFrom,
      },
      commandMetadata(request, token),
    );
    await this.reads.waitFor(position);
    const row = await this.reads.trust(id);
    if (!row) throw notFound('trust', id);
    return { trust: await this.fullView(identityBaseUrl(request), row) };
  }

  /** Admin lists every trust; a trustor or trustee lists theirs with the matching filter. */
  @Get()
  async list(
    @CurrentToken() token: TokenContext,
    @Query() query: Record<string, string | string[]>,
    @Query('trustor_user_id') trustor: string | string[] | undefined,
    @Query('trustee_user_id') trustee: string | string[] | undefined,
    @Req() request: FastifyRequest,
  ) {
    const trustorUserId = one(trustor);
    const trusteeUserId = one(trustee);
    let rows: TrustRow[];
    if (trustorUserId) {
      authorize('identity:list_trusts_for_trustor', isAdmin(token) || actingUser(token) === trustorUserId);
      refuseApplicationCredential(token);
      rows = await this.reads.trusts({ trustorUserId });
    } else if (trusteeUserId) {
      authorize('identity:list_trusts_for_trustee', isAdmin(token) || actingUser(token) === trusteeUserId);
      refuseApplicationCredential(token);
      rows = await this.reads.trusts({ trusteeUserId });
    } else {
      authorize('identity:list_trusts', isAdmin(token));
      refuseApplicationCredential(token);
      // Keystone lists everything only when the query is empty; any other parameter alone finds nothing.
      rows = Object.keys(query).length === 0 ? await this.reads.trusts() : [];
    }
    const base = identityBaseUrl(request);
    return { trusts: rows.map((t) => trustSummary(base, t)), links: listLinks(request) };
  }

  @Get(':trustId')
  async show(@CurrentToken() token: TokenContext, @Param('trustId') trustId: string, @Req() request: FastifyRequest) {
    const row = await this.usable(trustId);
    authorize('identity:get_trust', isAdmin(token) || isParty(token, row));
    refuseApplicationCredential(token);
    return { trust: await this.fullView(identityBaseUrl(request), row) };
  }

  @Delete(':trustId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('trustId') trustId: string, @Req() request: FastifyRequest) {
    const row = await this.usable(trustId);
    authorize('identity:delete_trust', isAdmin(token) || actingUser(token) === row.trustor_user_id);
    refuseApplicationCredential(token);
    await this.reads.waitFor(await this.writes.delete(trustId, commandMetadata(request, token)));
  }

  @Get(':trustId/roles')
  async listRoles(@CurrentToken() token: TokenContext, @Param('trustId') trustId: string, @Req() request: FastifyRequest) {
    const row = await this.usable(trustId);
    authorize('identity:list_roles_for_trust', isAdmin(token) || isParty(token, row));
    refuseApplicationCredential(token);
    const base = identityBaseUrl(request);
    return { roles: trustRoles(base, row, await this.reads.roles(row.roles.map((r) => r.id))), links: rolesLinks(base, row.id) };
  }

  // Fastify adds a HEAD to every GET unless the HEAD is declared first.
  @Head(':trustId/roles/:roleId')
  @HttpCode(200)
  async checkRole(@CurrentToken() token: TokenContext, @Param('trustId') trustId: string, @Param('roleId') roleId: string, @Req() request: FastifyRequest): Promise<void> {
    await this.delegatedRole(token, trustId, roleId, identityBaseUrl(request));
  }

  @Get(':trustId/roles/:roleId')
  async showRole(@CurrentToken() token: TokenContext, @Param('trustId') trustId: string, @Param('roleId') roleId: string, @Req() request: FastifyRequest) {
    return { role: await this.delegatedRole(token, trustId, roleId, identityBaseUrl(request)) };
  }

  private async delegatedRole(token: TokenContext, trustId: string, roleId: string, base: string) {
    const row = await this.usable(trustId);
    authorize('identity:get_role_for_trust', isAdmin(token) || isParty(token, row));
    refuseApplicationCredential(token);
    const [role] = row.roles.some((r) => r.id === roleId) ? await this.reads.roles([roleId]) : [];
    if (!role) throw notFound('role', roleId);
    return roleView(base, role);
  }

  /** Keystone looks the trust up before any policy check: missing, expired or spent is 404 (lp#1840288). */
  private async usable(trustId: string): Promise<TrustRow> {
    const row = await this.reads.trust(trustId);
    const now = Date.now();
    const usable = row && (row.expires_at === null || now < new Date(row.expires_at).getTime()) && (row.remaining_uses === null || row.remaining_uses > 0);
    if (!usable) throw notFound('trust', trustId);
    return row;
  }

  private async fullView(base: string, row: TrustRow) {
    const roles = await this.reads.roles(row.roles.map((r) => r.id));
    return { ...trustSummary(base, row), roles: trustRoles(base, row, roles), roles_links: rolesLinks(base, row.id) };
  }

  /** A role given by id is kept as is; by name it is the global role of that name (Keystone `get_unique_role_by_name`). */
  private async roleId(ref: { id?: string; name?: string }): Promise<string> {
    if (ref.id !== undefined) return ref.id;
    const name = ref.name ?? '';
    const role = await this.reads.globalRoleByName(name);
    if (!role) throw notFound('role', name);
    return role.id;
  }

  /** Keystone `_find_redelegated_trust`: a trust-scoped caller redelegates the trust of its token. */
  private redelegatedFrom(token: TokenContext): RedelegatedTrust | null {
    if (!token.trust) return null;
    const trust = this.tokens.model.usableTrust(token.trust.id, new Date());
    if (!trust) throw notFound('trust', token.trust.id);
    const { id, trusteeUserId, impersonation, roleIds, expiresAt, redelegationCount } = trust;
    return { id, trusteeUserId, impersonation, roleIds: [...roleIds], expiresAt, redelegationCount };
  }

  private originalTrust(trustId: string) {
    let trust = this.tokens.model.trust(trustId);
    for (let i = 0; trust?.redelegatedTrustId && i <= 8; i++) trust = this.tokens.model.trust(trust.redelegatedTrustId) ?? trust;
    if (!trust) throw notFound('trust', trustId);
    return trust;
  }
}

/** The user a trust-scoped token acts for in Keystone's policy is its trustee, even when it impersonates. */
const actingUser = (token: TokenContext) => token.trust?.trusteeUserId ?? token.user.id;

const isParty = (token: TokenContext, row: TrustRow) => [row.trustor_user_id, row.trustee_user_id].includes(actingUser(token));

function refuseApplicationCredential(token: TokenContext): void {
  if (token.methods.includes('application_credential')) {
    throw new KeystoneError(403, "You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing trusts..");
  }
}
