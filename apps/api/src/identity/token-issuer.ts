import { Inject, Injectable } from '@nestjs/common';
import { TokenScope, tokenDecider, tokenStream, trustDecider, trustStream } from '../../../../domain/identity';
import { CommandMetadata, EventStore, NotFound, Position } from '../../../../domain/kernel';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { verifyPassword } from '../../../../infra/identity/passwords';
import { TokenIndex } from '../../../../infra/identity/token-index';
import { mintToken, verifyApplicationCredentialSecret } from '../../../../infra/identity/tokens';
import { actorOf } from '../../../shared/src/auth';
import { runCommand } from '../../../shared/src/identity-commands';
import { EVENT_STORE, TOKEN_INDEX } from '../../../shared/src/runtime.tokens';
import { AuthRequest, NameOrIdRef } from './dto/auth.dto';
import { IdentityReads } from './identity-reads';
import { TrustReads } from './trust-reads';
import { KeystoneError, unauthorized } from './keystone-errors';

/** Keystone's `[token] expiration` default. */
export const TOKEN_LIFETIME_SECONDS = 3600;
/** Keystone auth/plugins/token.py: a trust-scoped token cannot be exchanged for another token. */
const trustTokenRescope = () =>
  new KeystoneError(403, 'You are not authorized to perform the requested action: Using trust-scoped token to create another token. Create a new trust-scoped token instead.');
const WAIT_MS = 5_000;

export interface IssuedToken {
  value: string;
  token: TokenContext;
}

/** Fernet has second precision: Keystone's instants always end in `.000000Z`. */
const wholeSeconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

/**
 * POST /v3/auth/tokens: authenticate (password or token) against the in-memory identity model,
 * resolve the scope, append TokenIssued (hash only) and answer once the index holds it, so the
 * token validates in this process from the first request on.
 */
@Injectable()
export class TokenIssuer {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TOKEN_INDEX) private readonly tokens: TokenIndex,
    private readonly reads: IdentityReads,
    private readonly trustReads: TrustReads,
  ) {}

  async issue(auth: AuthRequest['auth'], meta: Omit<CommandMetadata, 'actor' | 'now'>, now: Date = new Date()): Promise<IssuedToken> {
    const model = this.tokens.model;
    const methods = auth.identity.methods;
    let userId: string;
    let inherited: { methods: string[]; expiresAt: string; auditId: string } | null = null;
    let credential: { id: string; projectId: string; roleIds: string[] } | null = null;
    if (methods.includes('application_credential')) {
      const ac = auth.identity.application_credential;
      if (!ac) throw unauthorized();
      // Keystone answers this one 401 with its own words (test/fixtures/keystone/error-appcred-scope-in-auth.md).
      if (auth.scope) throw new KeystoneError(401, 'Error authenticating with application credential: Application credentials cannot request a scope.');
      let found = ac.id !== undefined ? model.applicationCredential(ac.id) : undefined;
      if (!found && ac.id === undefined && ac.name !== undefined && ac.user) {
        const owner = ac.user.id !== undefined ? model.user(ac.user.id) : ac.user.name !== undefined ? this.userByName(ac.user.name, ac.user.domain) : undefined;
        const row = owner ? (await this.reads.applicationCredentials(owner.id, ac.name))[0] : undefined;
        found = row ? model.applicationCredential(row.id) : undefined;
      }
      const ok = await verifyApplicationCredentialSecret(ac.secret, found?.secretHash ?? null);
      const owner = found ? model.user(found.userId) : undefined;
      const expired = found?.expiresAt != null && !(now.getTime() < Date.parse(found.expiresAt));
      if (!found || !ok || expired || !owner?.enabled) throw unauthorized();
      userId = owner.id;
      credential = { id: found.id, projectId: found.projectId, roleIds: found.roleIds };
    } else if (methods.includes('password')) {
      const u = auth.identity.password?.user;
      if (!u || typeof u.password !== 'string') throw new KeystoneError(400, "Invalid input for field 'identity/password/user': 'password' is a required property");
      const user = u.id !== undefined ? model.user(u.id) : u.name !== undefined ? this.userByName(u.name, u.domain) : undefined;
      // A missing user costs one hash too: response time does not reveal which names exist.
      const ok = await verifyPassword(u.password, user?.passwordHash ?? null);
      if (!user || !ok || !user.enabled || !model.domain(user.domainId)?.enabled) throw unauthorized();
      userId = user.id;
    } else if (methods.includes('token')) {
      const id = auth.identity.token?.id;
      const result = typeof id === 'string' ? this.tokens.validate(id, { now }) : { valid: false as const };
      if (!result.valid) throw unauthorized();
      userId = result.token.user.id;
      inherited = { methods: result.token.methods, expiresAt: result.token.expiresAt, auditId: result.token.auditIds[0] };
    } else {
      throw unauthorized();
    }

    // OS-TRUST: a trust-scoped token never makes another token; a trust scope is issued on its own path.
    if (methods.includes('token') && this.isTrustScoped(auth.identity.token?.id, now)) throw trustTokenRescope();
    const trustScope = auth.scope?.['OS-TRUST:trust'];
    if (trustScope) return this.issueThroughTrust(trustScope.id, userId, inherited, meta, now);

    const scope: TokenScope = credential ? { type: 'project', projectId: credential.projectId } : this.scope(auth.scope, userId);
    const allowed = credential ? new Set(credential.roleIds) : null;
    const roleIds = scope.type === 'unscoped' ? [] : model.effectiveRoles(userId, scope).map((r) => r.id).filter((id) => !allowed || allowed.has(id));
    if (scope.type !== 'unscoped' && roleIds.length === 0) throw unauthorized();

    const issuedAt = wholeSeconds(now);
    const user = model.user(userId)!;
    return this.record(
      {
        userId,
        methods: credential ? ['application_credential'] : inherited ? [...new Set([...inherited.methods, 'token'])] : ['password'],
        scope,
        roleIds,
        ...(credential ? { applicationCredentialId: credential.id } : {}),
      },
      inherited,
      { ...meta, now: issuedAt.toISOString(), actor: { ...actorOf(null), userId, domainId: user.domainId, roles: [] } },
      now,
    );
  }

  async revoke(token: TokenContext, meta: CommandMetadata): Promise<void> {
    try {
      const result = await runCommand(this.store, tokenDecider, tokenStream(token.tokenId), 'RevokeToken', { tokenId: token.tokenId, reason: 'revoked' }, meta);
      if (result.position !== null) await this.tokens.waitFor(result.position, WAIT_MS);
    } catch (e) {
      if (e instanceof NotFound) throw new KeystoneError(404, 'Failed to validate token');
      throw e;
    }
  }

  // ── OS-TRUST ─────────────────────────────────────────────────────────────────────────────

  private isTrustScoped(tokenValue: string | undefined, now: Date): boolean {
    const result = typeof tokenValue === 'string' ? this.tokens.validate(tokenValue, { now }) : null;
    return result?.valid === true && result.token.trust !== undefined;
  }

  /**
   * POST /v3/auth/tokens with `scope: {"OS-TRUST:trust": {"id": ...}}` by the trustee (Keystone
   * auth/core.py `_lookup_trust`, token_model `_validate_token_user`, `_get_trust_roles`): the token
   * carries the trust's roles that the trustor still holds on the trust's project. A limited trust
   * gives up one use (TrustUseConsumed, on its stream with its expected version, so two concurrent
   * issues never spend the same use) before TokenIssued is appended.
   */
  private async issueThroughTrust(
    trustId: string,
    userId: string,
    inherited: { methods: string[]; expiresAt: string; auditId: string } | null,
    meta: Omit<CommandMetadata, 'actor' | 'now'>,
    now: Date,
  ): Promise<IssuedToken> {
    const model = this.tokens.model;
    // Keystone turns TrustNotFound during authentication into a 401 with the lookup's words.
    const trustMissing = () => new KeystoneError(401, `Could not find trust: ${trustId}.`);
    const trust = model.usableTrust(trustId, now);
    if (!trust) throw trustMissing();
    if (trust.trusteeUserId !== userId) throw new KeystoneError(403, 'User is not a trustee.');
    const trustor = model.user(trust.trustorUserId);
    if (!trustor?.enabled || !model.domain(trustor.domainId)?.enabled) throw new KeystoneError(403, 'Trustor is disabled.');
    let scope: TokenScope = { type: 'unscoped' };
    if (trust.projectId !== null) {
      const project = model.project(trust.projectId);
      if (!project?.enabled || !model.domain(project.domainId)?.enabled) throw unauthorized();
      scope = { type: 'project', projectId: project.id, domainId: project.domainId };
    }
    const roleIds = model.trustRoles(trust).map((r) => r.id);
    if (scope.type !== 'unscoped' && roleIds.length === 0) throw new KeystoneError(403, 'Trustee has no delegated roles.');

    const issuedAt = wholeSeconds(now);
    const user = model.user(userId)!;
    const commandMeta = { ...meta, now: issuedAt.toISOString(), actor: { ...actorOf(null), userId, domainId: user.domainId, roles: [] } };
    let consumed: Position | null;
    try {
      consumed = (await runCommand(this.store, trustDecider, trustStream(trustId), 'ConsumeTrustUse', { id: trustId }, commandMeta)).position;
    } catch (e) {
      if (e instanceof NotFound) throw trustMissing();
      throw e;
    }

    const issued = await this.record(
      { userId, methods: inherited ? [...new Set([...inherited.methods, 'token'])] : ['password'], scope, roleIds, trustId },
      inherited,
      commandMeta,
      now,
    );
    // Read your writes: the trust's remaining_uses shown next must already count this use.
    await this.trustReads.waitFor(consumed);
    return issued;
  }

  /**
   * Mint a token value, record only its hash (TokenIssued), and answer once this process's token
   * index holds it, validated as every later request will see it.
   */
  private async record(
    token: { userId: string; methods: string[]; scope: TokenScope; roleIds: string[]; applicationCredentialId?: string; trustId?: string },
    inherited: { methods: string[]; expiresAt: string; auditId: string } | null,
    meta: CommandMetadata,
    now: Date,
  ): Promise<IssuedToken> {
    const minted = mintToken();
    const expiresAt = inherited?.expiresAt ?? new Date(Date.parse(meta.now) + TOKEN_LIFETIME_SECONDS * 1000).toISOString();
    const result = await runCommand(
      this.store,
      tokenDecider,
      tokenStream(minted.tokenId),
      'IssueToken',
      {
        ...token,
        tokenId: minted.tokenId,
        tokenHash: minted.hash,
        expiresAt,
        auditIds: inherited ? [minted.auditId, inherited.auditId] : [minted.auditId],
        ...(inherited ? { parentAuditId: inherited.auditId } : {}),
      },
      meta,
    );
    if (result.position !== null && !(await this.tokens.waitFor(result.position, WAIT_MS))) {
      throw new KeystoneError(500, 'An unexpected error prevented the server from fulfilling your request.');
    }
    const validated = this.tokens.validate(minted.value, { now });
    if (!validated.valid) throw unauthorized();
    return { value: minted.value, token: validated.token };
  }

  private userByName(name: string, domain: NameOrIdRef | undefined) {
    const domainId = this.domainId(domain);
    return domainId === undefined ? undefined : this.tokens.model.userByName(domainId, name);
  }

  private domainId(ref: NameOrIdRef | undefined): string | undefined {
    if (!ref) return undefined;
    if (ref.id !== undefined) return this.tokens.model.domain(ref.id)?.id;
    return ref.name !== undefined ? this.tokens.model.domainByName(ref.name)?.id : undefined;
  }

  private scope(requested: AuthRequest['auth']['scope'], userId: string): TokenScope {
    const model = this.tokens.model;
    if (requested === undefined || requested === null) {
      // Keystone scopes a token without a scope to the user's default project when it can.
      const defaultProject = model.user(userId)?.defaultProjectId;
      const project = defaultProject ? model.project(defaultProject) : undefined;
      if (project?.enabled && model.effectiveRoles(userId, { type: 'project', projectId: project.id }).length > 0) {
        return { type: 'project', projectId: project.id, domainId: project.domainId };
      }
      return { type: 'unscoped' };
    }
    if (requested.project) {
      const p = requested.project;
      const project = p.id !== undefined ? model.project(p.id) : p.name !== undefined ? this.projectByName(p.name, p.domain) : undefined;
      if (!project || !project.enabled || !model.domain(project.domainId)?.enabled) throw unauthorized();
      return { type: 'project', projectId: project.id, domainId: project.domainId };
    }
    if (requested.domain) {
      const domainId = this.domainId(requested.domain);
      if (domainId === undefined || !model.domain(domainId)?.enabled) throw unauthorized();
      return { type: 'domain', domainId };
    }
    if (requested.system) {
      if (requested.system.all !== true) throw unauthorized();
      return { type: 'system', system: 'all' };
    }
    throw new KeystoneError(400, 'Invalid input for field \'scope\': a scope names a project, a domain or the system.');
  }

  private projectByName(name: string, domain: NameOrIdRef | undefined) {
    const domainId = this.domainId(domain);
    return domainId === undefined ? undefined : this.tokens.model.projectByName(domainId, name);
  }
}
