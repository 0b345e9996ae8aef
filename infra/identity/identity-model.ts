import { comparePositions, Position, RecordedEvent } from '../../domain/kernel';
import {
  AccessRule,
  ApplicationCredentialEvent,
  AssignmentEvent,
  GroupEvent,
  IdentityDomainEvent,
  nameKey,
  ProjectEvent,
  RoleAssignment,
  RoleEvent,
  SYSTEM_TARGET_ID,
  TokenEvent,
  TokenIssued,
  TokenScope,
  TrustEvent,
  UserEvent,
} from '../../domain/identity';

/** The identity events the model folds; any other event is ignored. */
export type IdentityModelEvent =
  | IdentityDomainEvent
  | ProjectEvent
  | UserEvent
  | GroupEvent
  | RoleEvent
  | AssignmentEvent
  | ApplicationCredentialEvent
  | TokenEvent
  | TrustEvent;

/** Stream prefixes of every event the model folds (the token index reads `$all` filtered by them). */
export const IDENTITY_MODEL_STREAM_PREFIXES: readonly string[] = Object.freeze([
  'user-',
  'group-',
  'project-',
  'domain-',
  'role-',
  'assignment-',
  'token-',
  'appcred-',
  'trust-',
]);

/** Keystone's `[token] allow_expired_window` default: how long after expiry `allow_expired` still validates. */
export const DEFAULT_ALLOW_EXPIRED_WINDOW_SECONDS = 172_800;

export interface RoleRef {
  id: string;
  name: string;
}

export interface DomainRef {
  id: string;
  name: string;
}

export interface DomainView extends DomainRef {
  enabled: boolean;
  /** Position of the last disablement: tokens issued before it stay revoked after a re-enable (Keystone revocation event). */
  disabledAt: Position | null;
}

export interface ProjectView {
  id: string;
  name: string;
  domainId: string;
  /** The domain id for a top-level project, as Keystone reports it. */
  parentId: string;
  enabled: boolean;
  disabledAt: Position | null;
}

export interface UserView {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  disabledAt: Position | null;
  defaultProjectId: string | null;
  passwordHash: string | null;
  /** Position of the last UserPasswordChanged: tokens issued before it are no longer valid. */
  passwordChangedAt: Position | null;
}

export interface ApplicationCredentialView {
  id: string;
  userId: string;
  projectId: string;
  name: string;
  secretHash: string;
  roleIds: string[];
  expiresAt: string | null;
  unrestricted: boolean;
  /** The only calls a token from this credential may make (empty: any); services enforce them. */
  accessRules: AccessRule[];
}

/** A trust as token validation and trust-scoped authentication need it (Keystone trust row + roles). */
export interface TrustView {
  id: string;
  trustorUserId: string;
  trusteeUserId: string;
  projectId: string | null;
  impersonation: boolean;
  roleIds: string[];
  expiresAt: string | null;
  remainingUses: number | null;
  redelegationCount: number;
  redelegatedTrustId: string | null;
}

/** The `OS-TRUST:trust` part of a token. */
export interface TokenTrust {
  id: string;
  impersonation: boolean;
  trustorUserId: string;
  trusteeUserId: string;
}

export type ScopeContext =
  | { type: 'project'; project: { id: string; name: string; domain: DomainRef } }
  | { type: 'domain'; domain: DomainRef }
  | { type: 'system'; system: 'all' }
  | { type: 'unscoped' };

/** What the token guard hands to every API: who, on what, with which roles. */
export interface TokenContext {
  tokenId: string;
  user: { id: string; name: string; domain: DomainRef };
  scope: ScopeContext;
  roles: RoleRef[];
  methods: string[];
  issuedAt: string;
  expiresAt: string;
  auditIds: string[];
  applicationCredentialId?: string;
  /** OS-TRUST: set on a token issued through a trust; `user` is the trustor when it impersonates. */
  trust?: TokenTrust;
}

export type TokenInvalidReason =
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'user-deleted'
  | 'user-disabled'
  | 'user-domain-disabled'
  | 'password-changed'
  | 'project-deleted'
  | 'project-disabled'
  | 'domain-deleted'
  | 'domain-disabled'
  | 'no-role-on-scope'
  | 'application-credential-deleted'
  | 'application-credential-expired'
  | 'trust-not-found'
  | 'trustor-invalid'
  | 'not-trustee';

export type TokenValidation = { valid: true; token: TokenContext } | { valid: false; reason: TokenInvalidReason };

export interface ValidateOptions {
  /** Keystone's `allow_expired=true`: an expired token still validates within the window. Revocation still applies. */
  allowExpired?: boolean;
  allowExpiredWindowSeconds?: number;
}

interface TokenRecord {
  data: TokenIssued['data'];
  position: Position;
  expiresAtMs: number;
  revoked: boolean;
}

interface Group {
  id: string;
  domainId: string;
  name: string;
  members: Set<string>;
}

interface Role extends RoleRef {
  domainId: string | null;
}

/**
 * Filters of GET /v3/role_assignments, as Keystone's assignment core `list_role_assignments`
 * takes them. `inherited` undefined means both direct and OS-INHERIT grants.
 */
export interface AssignmentQuery {
  userId?: string;
  groupId?: string;
  roleId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
  includeSubtree?: boolean;
  inherited?: boolean;
  effective?: boolean;
}

/**
 * One role assignment as Keystone's assignment core returns it: the actor, the target, the role,
 * whether it is an OS-INHERIT grant, and in effective mode where it came from (`indirect`: the
 * group of a member, the domain or ancestor project of an inherited grant, the prior role of an
 * implied one).
 */
export interface AssignmentRef {
  actorType: RoleAssignment['actorType'];
  actorId: string;
  targetType: RoleAssignment['targetType'];
  targetId: string;
  roleId: string;
  inherited: boolean;
  indirect?: { groupId?: string; projectId?: string; domainId?: string; roleId?: string };
}

/** A group as grants and role_assignments?include_names need it. */
export interface GroupRef {
  id: string;
  name: string;
  domainId: string;
}

/** Role ids granted to one actor on one target, split by OS-INHERIT. */
interface Grants {
  direct: Set<string>;
  inherited: Set<string>;
}

const actorKey = (type: RoleAssignment['actorType'], id: string) => `${type}:${id}`;
const targetKey = (type: RoleAssignment['targetType'], id: string) => `${type}:${id}`;
const splitKey = (key: string): [string, string] => {
  const i = key.indexOf(':');
  return [key.slice(0, i), key.slice(i + 1)];
};
const byName = (domainId: string, name: string) => `${domainId}\u0000${nameKey(name)}`;

/**
 * Everything token validation needs, folded in memory from the identity events: no I/O, no
 * clock (callers pass `now`). Keystone semantics: roles are recomputed at validation time from
 * the current assignments (direct, through groups, and OS-INHERIT from the project's domain and
 * ancestors), implied roles expanded transitively, domain-specific roles stripped after expansion.
 */
export class IdentityModel {
  private readonly domains = new Map<string, DomainView>();
  private readonly domainsByName = new Map<string, string>();
  private readonly projects = new Map<string, ProjectView>();
  private readonly projectsByName = new Map<string, string>();
  private readonly users = new Map<string, UserView>();
  private readonly usersByName = new Map<string, string>();
  private readonly groups = new Map<string, Group>();
  private readonly groupsOfUser = new Map<string, Set<string>>();
  private readonly roles = new Map<string, Role>();
  private readonly implications = new Map<string, Set<string>>();
  /** actor key → target key → grants. */
  private readonly grants = new Map<string, Map<string, Grants>>();
  private readonly applicationCredentials = new Map<string, ApplicationCredentialView>();
  private readonly trusts = new Map<string, TrustView>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly tokenHashById = new Map<string, string>();
  private lastPosition: Position | null = null;

  /** Position of the last event applied, or null before the first. */
  get position(): Position | null {
    return this.lastPosition;
  }

  get tokenCount(): number {
    return this.tokens.size;
  }

  apply(event: RecordedEvent): void {
    if (this.lastPosition === null || comparePositions(event.position, this.lastPosition) > 0) this.lastPosition = event.position;
    const e = event as unknown as IdentityModelEvent;
    switch (e.type) {
      case 'DomainCreated': {
        const d = e.data;
        this.domains.set(d.domainId, { id: d.domainId, name: d.name, enabled: d.enabled, disabledAt: null });
        this.domainsByName.set(nameKey(d.name), d.domainId);
        return;
      }
      case 'DomainUpdated': {
        const domain = this.domains.get(e.data.domainId);
        if (!domain) return;
        if (e.data.name !== undefined) {
          this.domainsByName.delete(nameKey(domain.name));
          domain.name = e.data.name;
          this.domainsByName.set(nameKey(domain.name), domain.id);
        }
        if (e.data.enabled !== undefined) {
          if (domain.enabled && !e.data.enabled) domain.disabledAt = event.position;
          domain.enabled = e.data.enabled;
        }
        return;
      }
      case 'DomainDeleted': {
        const domain = this.domains.get(e.data.domainId);
        if (domain) this.domainsByName.delete(nameKey(domain.name));
        this.domains.delete(e.data.domainId);
        this.dropTarget(targetKey('domain', e.data.domainId));
        return;
      }
      case 'ProjectCreated': {
        const d = e.data;
        this.projects.set(d.projectId, { id: d.projectId, name: d.name, domainId: d.domainId, parentId: d.parentId, enabled: d.enabled, disabledAt: null });
        this.projectsByName.set(byName(d.domainId, d.name), d.projectId);
        return;
      }
      case 'ProjectUpdated': {
        const project = this.projects.get(e.data.projectId);
        if (!project) return;
        if (e.data.name !== undefined) {
          this.projectsByName.delete(byName(project.domainId, project.name));
          project.name = e.data.name;
          this.projectsByName.set(byName(project.domainId, project.name), project.id);
        }
        if (e.data.enabled !== undefined) {
          if (project.enabled && !e.data.enabled) project.disabledAt = event.position;
          project.enabled = e.data.enabled;
        }
        return;
      }
      case 'ProjectDeleted': {
        const project = this.projects.get(e.data.projectId);
        if (project) this.projectsByName.delete(byName(project.domainId, project.name));
        this.projects.delete(e.data.projectId);
        this.dropTarget(targetKey('project', e.data.projectId));
        return;
      }
      case 'ProjectTagsReplaced':
      case 'ProjectTagAdded':
      case 'ProjectTagRemoved':
        return;
      case 'UserCreated': {
        const d = e.data;
        this.users.set(d.userId, {
          id: d.userId,
          name: d.name,
          domainId: d.domainId,
          enabled: d.enabled,
          disabledAt: null,
          defaultProjectId: d.defaultProjectId,
          passwordHash: d.passwordHash,
          passwordChangedAt: null,
        });
        this.usersByName.set(byName(d.domainId, d.name), d.userId);
        return;
      }
      case 'UserUpdated': {
        const user = this.users.get(e.data.userId);
        if (!user) return;
        if (e.data.name !== undefined) {
          this.usersByName.delete(byName(user.domainId, user.name));
          user.name = e.data.name;
          this.usersByName.set(byName(user.domainId, user.name), user.id);
        }
        if (e.data.defaultProjectId !== undefined) user.defaultProjectId = e.data.defaultProjectId;
        return;
      }
      case 'UserEnabled':
      case 'UserDisabled': {
        const user = this.users.get(e.data.userId);
        if (!user) return;
        if (user.enabled && e.type === 'UserDisabled') user.disabledAt = event.position;
        user.enabled = e.type === 'UserEnabled';
        return;
      }
      case 'UserPasswordChanged': {
        const user = this.users.get(e.data.userId);
        if (!user) return;
        user.passwordHash = e.data.passwordHash;
        user.passwordChangedAt = event.position;
        return;
      }
      case 'UserDeleted': {
        const user = this.users.get(e.data.userId);
        if (user) this.usersByName.delete(byName(user.domainId, user.name));
        this.users.delete(e.data.userId);
        this.grants.delete(actorKey('user', e.data.userId));
        for (const groupId of this.groupsOfUser.get(e.data.userId) ?? []) this.groups.get(groupId)?.members.delete(e.data.userId);
        this.groupsOfUser.delete(e.data.userId);
        return;
      }
      case 'GroupCreated':
        this.groups.set(e.data.groupId, { id: e.data.groupId, domainId: e.data.domainId, name: e.data.name, members: new Set() });
        return;
      case 'GroupUpdated': {
        const group = this.groups.get(e.data.groupId);
        if (group && e.data.name !== undefined) group.name = e.data.name;
        return;
      }
      case 'GroupDeleted': {
        const group = this.groups.get(e.data.groupId);
        for (const userId of new Set([...(group?.members ?? []), ...e.data.memberIds])) this.groupsOfUser.get(userId)?.delete(e.data.groupId);
        this.groups.delete(e.data.groupId);
        this.grants.delete(actorKey('group', e.data.groupId));
        return;
      }
      case 'UserAddedToGroup': {
        const group = this.groups.get(e.data.groupId);
        if (!group) return;
        group.members.add(e.data.userId);
        const memberOf = this.groupsOfUser.get(e.data.userId) ?? new Set<string>();
        memberOf.add(e.data.groupId);
        this.groupsOfUser.set(e.data.userId, memberOf);
        return;
      }
      case 'UserRemovedFromGroup':
        this.groups.get(e.data.groupId)?.members.delete(e.data.userId);
        this.groupsOfUser.get(e.data.userId)?.delete(e.data.groupId);
        return;
      case 'RoleCreated':
        this.roles.set(e.data.roleId, { id: e.data.roleId, name: e.data.name, domainId: e.data.domainId });
        return;
      case 'RoleUpdated': {
        const role = this.roles.get(e.data.roleId);
        if (role && e.data.name !== undefined) role.name = e.data.name;
        return;
      }
      case 'RoleDeleted': {
        const roleId = e.data.roleId;
        this.roles.delete(roleId);
        // Keystone deletes the role's assignments and implications with it.
        this.implications.delete(roleId);
        for (const implied of this.implications.values()) implied.delete(roleId);
        for (const targets of this.grants.values()) {
          for (const g of targets.values()) {
            g.direct.delete(roleId);
            g.inherited.delete(roleId);
          }
        }
        return;
      }
      case 'RoleImplicationAdded': {
        const implied = this.implications.get(e.data.priorRoleId) ?? new Set<string>();
        implied.add(e.data.impliedRoleId);
        this.implications.set(e.data.priorRoleId, implied);
        return;
      }
      case 'RoleImplicationRemoved':
        this.implications.get(e.data.priorRoleId)?.delete(e.data.impliedRoleId);
        return;
      case 'RoleAssigned':
      case 'RoleUnassigned': {
        const a = e.data;
        const actor = actorKey(a.actorType, a.actorId);
        const target = targetKey(a.targetType, a.targetId);
        const targets = this.grants.get(actor) ?? new Map<string, Grants>();
        const g = targets.get(target) ?? { direct: new Set<string>(), inherited: new Set<string>() };
        const set = a.inherited ? g.inherited : g.direct;
        if (e.type === 'RoleAssigned') set.add(a.roleId);
        else set.delete(a.roleId);
        if (g.direct.size + g.inherited.size === 0) targets.delete(target);
        else targets.set(target, g);
        if (targets.size === 0) this.grants.delete(actor);
        else this.grants.set(actor, targets);
        return;
      }
      case 'ApplicationCredentialCreated': {
        const d = e.data;
        this.applicationCredentials.set(d.id, {
          id: d.id,
          userId: d.userId,
          projectId: d.projectId,
          name: d.name,
          secretHash: d.secretHash,
          roleIds: [...d.roleIds],
          expiresAt: d.expiresAt,
          unrestricted: d.unrestricted,
          accessRules: (d.accessRules ?? []).map((r) => ({ ...r })),
        });
        return;
      }
      case 'ApplicationCredentialDeleted':
        this.applicationCredentials.delete(e.data.id);
        return;
      case 'TrustCreated':
      case 'TrustUseConsumed':
      case 'TrustDeleted':
        this.applyTrust(e);
        return;
      case 'TokenIssued':
        this.tokens.set(e.data.tokenHash, { data: e.data, position: event.position, expiresAtMs: Date.parse(e.data.expiresAt), revoked: false });
        this.tokenHashById.set(e.data.tokenId, e.data.tokenHash);
        return;
      case 'TokenRevoked': {
        const hash = this.tokenHashById.get(e.data.tokenId);
        const token = hash === undefined ? undefined : this.tokens.get(hash);
        if (token) token.revoked = true;
        return;
      }
      default:
        return;
    }
  }

  /**
   * Roles a user holds on a scope now, implied roles included. OS-INHERIT grants on the project's
   * domain and ancestor projects count for a project scope (never for the grant's own target).
   */
  effectiveRoles(userId: string, scope: TokenScope): RoleRef[] {
    if (scope.type === 'unscoped' || !this.users.has(userId)) return [];
    const actors = [actorKey('user', userId), ...[...(this.groupsOfUser.get(userId) ?? [])].filter((g) => this.groups.has(g)).map((g) => actorKey('group', g))];
    const direct = new Set<string>();
    const collect = (target: string, inherited: boolean) => {
      for (const actor of actors) {
        const g = this.grants.get(actor)?.get(target);
        for (const roleId of (inherited ? g?.inherited : g?.direct) ?? []) direct.add(roleId);
      }
    };
    switch (scope.type) {
      case 'project': {
        const project = this.projects.get(scope.projectId);
        if (!project) return [];
        collect(targetKey('project', project.id), false);
        collect(targetKey('domain', project.domainId), true);
        const seen = new Set<string>([project.id]);
        for (let parent = this.projects.get(project.parentId); parent && !seen.has(parent.id); parent = this.projects.get(parent.parentId)) {
          seen.add(parent.id);
          collect(targetKey('project', parent.id), true);
        }
        break;
      }
      case 'domain':
        collect(targetKey('domain', scope.domainId), false);
        break;
      case 'system':
        collect(targetKey('system', SYSTEM_TARGET_ID), false);
        break;
    }
    return this.expand(direct);
  }

  validateToken(tokenHash: string, now: Date, options: ValidateOptions = {}): TokenValidation {
    const invalid = (reason: TokenInvalidReason): TokenValidation => ({ valid: false, reason });
    const token = this.tokens.get(tokenHash);
    if (!token) return invalid('unknown');
    if (token.revoked) return invalid('revoked');
    const t = token.data;
    const window = options.allowExpired ? (options.allowExpiredWindowSeconds ?? DEFAULT_ALLOW_EXPIRED_WINDOW_SECONDS) * 1000 : 0;
    if (!(now.getTime() < token.expiresAtMs + window)) return invalid('expired');

    // Keystone turns a disablement or password change into a revocation event ("issued before"):
    // here the log's order, not a clock, decides which tokens predate it.
    const before = (cutoff: Position | null) => cutoff !== null && comparePositions(token.position, cutoff) < 0;
    const user = this.users.get(t.userId);
    if (!user) return invalid('user-deleted');
    if (!user.enabled || before(user.disabledAt)) return invalid('user-disabled');
    if (before(user.passwordChangedAt)) return invalid('password-changed');
    const userDomain = this.domains.get(user.domainId);
    if (!userDomain?.enabled || before(userDomain.disabledAt)) return invalid('user-domain-disabled');

    let scope: ScopeContext;
    switch (t.scope.type) {
      case 'project': {
        const project = this.projects.get(t.scope.projectId);
        if (!project) return invalid('project-deleted');
        if (!project.enabled || before(project.disabledAt)) return invalid('project-disabled');
        const domain = this.domains.get(project.domainId);
        if (!domain) return invalid('domain-deleted');
        if (!domain.enabled || before(domain.disabledAt)) return invalid('domain-disabled');
        scope = { type: 'project', project: { id: project.id, name: project.name, domain: { id: domain.id, name: domain.name } } };
        break;
      }
      case 'domain': {
        const domain = this.domains.get(t.scope.domainId);
        if (!domain) return invalid('domain-deleted');
        if (!domain.enabled || before(domain.disabledAt)) return invalid('domain-disabled');
        scope = { type: 'domain', domain: { id: domain.id, name: domain.name } };
        break;
      }
      case 'system':
        scope = { type: 'system', system: 'all' };
        break;
      case 'unscoped':
        scope = { type: 'unscoped' };
        break;
    }

    let roles = this.effectiveRoles(t.userId, t.scope);
    if (t.applicationCredentialId !== undefined) {
      const credential = this.applicationCredentials.get(t.applicationCredentialId);
      if (!credential) return invalid('application-credential-deleted');
      if (credential.expiresAt !== null && !(now.getTime() < Date.parse(credential.expiresAt))) return invalid('application-credential-expired');
      // Keystone: the credential's roles that the user still holds on the project.
      const allowed = new Set(credential.roleIds);
      roles = roles.filter((r) => allowed.has(r.id));
    }
    let shown = { id: user.id, name: user.name, domain: { id: userDomain.id, name: userDomain.name } };
    let trust: TokenTrust | undefined;
    if (t.trustId !== undefined) {
      const delegated = this.delegation(t.trustId, t.userId, now);
      if (!delegated.valid) return invalid(delegated.reason);
      ({ roles, trust } = delegated);
      if (delegated.user) shown = delegated.user;
    }
    // Keystone refuses a scoped token whose user holds no role on the scope any more (token model `mint`).
    if (t.scope.type !== 'unscoped' && roles.length === 0) return invalid('no-role-on-scope');

    return {
      valid: true,
      token: {
        tokenId: t.tokenId,
        user: shown,
        scope,
        roles,
        methods: t.methods,
        issuedAt: t.issuedAt,
        expiresAt: t.expiresAt,
        auditIds: t.auditIds,
        ...(t.applicationCredentialId !== undefined ? { applicationCredentialId: t.applicationCredentialId } : {}),
        ...(trust ? { trust } : {}),
      },
    };
  }

  /** Forgets tokens past expiry plus the allow_expired window: they can never validate again. */
  pruneExpiredTokens(now: Date, allowExpiredWindowSeconds = DEFAULT_ALLOW_EXPIRED_WINDOW_SECONDS): number {
    const horizon = now.getTime() - allowExpiredWindowSeconds * 1000;
    let pruned = 0;
    for (const [hash, token] of this.tokens) {
      if (token.expiresAtMs <= horizon) {
        this.tokens.delete(hash);
        this.tokenHashById.delete(token.data.tokenId);
        pruned++;
      }
    }
    return pruned;
  }

  // Lookups for authentication (password and application credential methods) without the store.

  user(userId: string): Readonly<UserView> | undefined {
    return this.users.get(userId);
  }

  userByName(domainId: string, name: string): Readonly<UserView> | undefined {
    const id = this.usersByName.get(byName(domainId, name));
    return id === undefined ? undefined : this.users.get(id);
  }

  domain(domainId: string): Readonly<DomainView> | undefined {
    return this.domains.get(domainId);
  }

  domainByName(name: string): Readonly<DomainView> | undefined {
    const id = this.domainsByName.get(nameKey(name));
    return id === undefined ? undefined : this.domains.get(id);
  }

  project(projectId: string): Readonly<ProjectView> | undefined {
    return this.projects.get(projectId);
  }

  projectByName(domainId: string, name: string): Readonly<ProjectView> | undefined {
    const id = this.projectsByName.get(byName(domainId, name));
    return id === undefined ? undefined : this.projects.get(id);
  }

  role(roleId: string): Readonly<RoleRef & { domainId: string | null }> | undefined {
    return this.roles.get(roleId);
  }

  applicationCredential(id: string): Readonly<ApplicationCredentialView> | undefined {
    return this.applicationCredentials.get(id);
  }

  // ── OS-TRUST ─────────────────────────────────────────────────────────────────────────────

  trust(trustId: string): Readonly<TrustView> | undefined {
    return this.trusts.get(trustId);
  }

  /** Keystone `get_trust`: present, not past its expiry, uses left. */
  usableTrust(trustId: string, now: Date): Readonly<TrustView> | undefined {
    const trust = this.trusts.get(trustId);
    if (!trust || (trust.expiresAt !== null && !(now.getTime() < Date.parse(trust.expiresAt)))) return undefined;
    return trust.remainingUses === null || trust.remainingUses > 0 ? trust : undefined;
  }

  /**
   * Roles a token issued through the trust carries now (Keystone token model `_get_trust_roles`):
   * the trust's roles and the roles they imply, that the original trustor still holds on the project.
   */
  trustRoles(trust: Readonly<TrustView>): RoleRef[] {
    if (trust.projectId === null) return [];
    let trustor = trust;
    for (let i = 0; trustor.redelegatedTrustId !== null && i <= 16; i++) trustor = this.trusts.get(trustor.redelegatedTrustId) ?? trustor;
    const held = new Set(this.effectiveRoles(trustor.trustorUserId, { type: 'project', projectId: trust.projectId }).map((r) => r.id));
    return this.expand(trust.roleIds).filter((r) => held.has(r.id));
  }

  private applyTrust(e: TrustEvent): void {
    switch (e.type) {
      case 'TrustCreated':
        this.trusts.set(e.data.id, { ...e.data, roleIds: [...e.data.roleIds] });
        return;
      case 'TrustUseConsumed': {
        const trust = this.trusts.get(e.data.id);
        if (trust) trust.remainingUses = e.data.remainingUses;
        return;
      }
      case 'TrustDeleted':
        this.trusts.delete(e.data.id);
        return;
    }
  }

  /**
   * A token issued through a trust lives as long as the trust exists and has not expired; its user is
   * the trustee, shown as the trustor when the trust impersonates (Keystone token model
   * `_validate_token_user`, render_token). A trust whose uses are spent keeps its issued tokens valid.
   */
  private delegation(
    trustId: string,
    tokenUserId: string,
    now: Date,
  ): { valid: true; roles: RoleRef[]; trust: TokenTrust; user: TokenContext['user'] | null } | { valid: false; reason: TokenInvalidReason } {
    const trust = this.trusts.get(trustId);
    if (!trust || (trust.expiresAt !== null && !(now.getTime() < Date.parse(trust.expiresAt)))) return { valid: false, reason: 'trust-not-found' };
    if (trust.trusteeUserId !== tokenUserId) return { valid: false, reason: 'not-trustee' };
    const trustor = this.users.get(trust.trustorUserId);
    const trustorDomain = trustor ? this.domains.get(trustor.domainId) : undefined;
    if (!trustor?.enabled || !trustorDomain?.enabled) return { valid: false, reason: 'trustor-invalid' };
    return {
      valid: true,
      roles: this.trustRoles(trust),
      trust: { id: trust.id, impersonation: trust.impersonation, trustorUserId: trust.trustorUserId, trusteeUserId: trust.trusteeUserId },
      user: trust.impersonation ? { id: trustor.id, name: trustor.name, domain: { id: trustorDomain.id, name: trustorDomain.name } } : null,
    };
  }

  group(groupId: string): Readonly<GroupRef> | undefined {
    const g = this.groups.get(groupId);
    return g ? { id: g.id, name: g.name, domainId: g.domainId } : undefined;
  }

  /** Whether exactly this grant exists (HEAD/GET of a grant). */
  hasGrant(a: RoleAssignment): boolean {
    const g = this.grants.get(actorKey(a.actorType, a.actorId))?.get(targetKey(a.targetType, a.targetId));
    return (a.inherited ? g?.inherited : g?.direct)?.has(a.roleId) ?? false;
  }

  /** Ids of the roles that imply `roleId` directly (the implications recorded on other roles' streams). */
  priorRolesOf(roleId: string): string[] {
    return [...this.implications].filter(([prior, implied]) => prior !== roleId && implied.has(roleId)).map(([prior]) => prior);
  }

  /** Every grant of the role, whatever its actor, target or inheritance. */
  grantsOfRole(roleId: string): RoleAssignment[] {
    return [...this.grantRows()].filter((g) => g.roleId === roleId);
  }

  /**
   * Keystone's `list_role_assignments` (keystone/assignment/core.py), direct or effective. Direct:
   * the grants matching the filters, system grants included when no project or domain is asked.
   * Effective: what would end up in tokens — group grants expanded to their members, OS-INHERIT
   * grants to the projects below their target, implied roles added, domain-specific roles
   * stripped, and the role filter applied last. System grants are not part of effective mode.
   */
  roleAssignments(q: AssignmentQuery): AssignmentRef[] {
    const subtree = q.projectId !== undefined && q.includeSubtree ? this.subtreeOf(q.projectId) : undefined;
    const projectsOfInterest = q.projectId === undefined ? undefined : new Set([q.projectId, ...(subtree ?? [])]);
    return q.effective ? this.effectiveAssignments(q, subtree, projectsOfInterest) : this.directAssignments(q, projectsOfInterest);
  }

  private directAssignments(q: AssignmentQuery, projectsOfInterest: Set<string> | undefined): AssignmentRef[] {
    const out: AssignmentRef[] = [];
    const actorMatches = (g: RoleAssignment) =>
      (q.userId === undefined || (g.actorType === 'user' && g.actorId === q.userId)) && (q.groupId === undefined || (g.actorType === 'group' && g.actorId === q.groupId));
    const withSystem = q.system === true || (q.projectId === undefined && q.domainId === undefined);
    for (const g of this.grantRows()) {
      if (!actorMatches(g) || (q.roleId !== undefined && g.roleId !== q.roleId)) continue;
      if (g.targetType === 'system') {
        if (withSystem) out.push({ ...g });
        continue;
      }
      if (q.system) continue;
      if (q.inherited !== undefined && g.inherited !== q.inherited) continue;
      if (q.domainId !== undefined && !(g.targetType === 'domain' && g.targetId === q.domainId)) continue;
      if (projectsOfInterest !== undefined && !(g.targetType === 'project' && projectsOfInterest.has(g.targetId))) continue;
      out.push({ ...g });
    }
    return out;
  }

  private effectiveAssignments(q: AssignmentQuery, subtree: string[] | undefined, projectsOfInterest: Set<string> | undefined): AssignmentRef[] {
    // Keystone: no group assignment survives expansion, and domains inherit nothing.
    if (q.groupId !== undefined || (q.domainId !== undefined && q.inherited === true)) return [];
    const inherited = q.domainId !== undefined ? false : q.inherited;
    const project = q.projectId === undefined ? undefined : this.projects.get(q.projectId);
    // The sources of inherited grants that can reach the projects of interest.
    const inheritedSources =
      q.projectId === undefined
        ? undefined
        : new Set<string>([
            ...(project ? [targetKey('domain', project.domainId)] : []),
            ...this.ancestorsOf(q.projectId).map((id) => targetKey('project', id)),
            ...(subtree ? [...projectsOfInterest!].map((id) => targetKey('project', id)) : []),
          ]);
    const userGroups = q.userId === undefined ? [] : [...(this.groupsOfUser.get(q.userId) ?? [])].filter((g) => this.groups.has(g));
    const actorMatches = (g: RoleAssignment) =>
      q.userId === undefined || (g.actorType === 'user' && g.actorId === q.userId) || (g.actorType === 'group' && userGroups.includes(g.actorId));

    const refs: AssignmentRef[] = [];
    for (const g of this.grantRows()) {
      if (g.targetType === 'system' || !actorMatches(g)) continue;
      if (!g.inherited) {
        if (inherited === true) continue;
        if (q.domainId !== undefined && !(g.targetType === 'domain' && g.targetId === q.domainId)) continue;
        if (projectsOfInterest !== undefined && !(g.targetType === 'project' && projectsOfInterest.has(g.targetId))) continue;
        refs.push(...this.expandGroup({ ...g }, q.userId));
      } else {
        if (inherited === false) continue;
        if (inheritedSources !== undefined && !inheritedSources.has(targetKey(g.targetType, g.targetId))) continue;
        for (const member of this.expandGroup({ ...g }, q.userId)) {
          for (const projectId of this.inheritedTargets(g, q.projectId, subtree)) {
            const { inherited: _i, targetType: _t, targetId: _id, indirect, ...rest } = member;
            const from = g.targetType === 'project' ? { projectId: g.targetId } : { domainId: g.targetId };
            refs.push({ ...rest, targetType: 'project', targetId: projectId, inherited: false, indirect: { ...indirect, ...from } });
          }
        }
      }
    }
    const withImplied = this.addImpliedRoles(refs);
    return withImplied.filter((r) => this.roles.get(r.roleId)?.domainId === null && (q.roleId === undefined || r.roleId === q.roleId));
  }

  /** A group grant becomes one per member (or only the asked user, who is known to be a member); a user grant stays. */
  private expandGroup(g: AssignmentRef, userId: string | undefined): AssignmentRef[] {
    if (g.actorType !== 'group') return [g];
    const members = userId !== undefined ? [userId] : [...(this.groups.get(g.actorId)?.members ?? [])];
    return members.map((m) => ({ ...g, actorType: 'user' as const, actorId: m, indirect: { ...g.indirect, groupId: g.actorId } }));
  }

  /** Keystone's `expand_inherited_assignment`: the projects an OS-INHERIT grant applies to, within the asked ones. */
  private inheritedTargets(g: RoleAssignment, projectId: string | undefined, subtree: string[] | undefined): string[] {
    if (projectId !== undefined) {
      const asked = [projectId, ...(subtree ?? [])];
      // A grant inside the asked subtree reaches only the part of it below the grant.
      if (subtree && g.targetType === 'project' && asked.includes(g.targetId)) return this.subtreeOf(g.targetId);
      return asked;
    }
    if (g.targetType === 'domain') return [...this.projects.values()].filter((p) => p.domainId === g.targetId).map((p) => p.id);
    return this.subtreeOf(g.targetId);
  }

  /** Keystone's `add_implied_roles`: a copy of the assignment for every implied role, transitively, cycle-safe. */
  private addImpliedRoles(refs: AssignmentRef[]): AssignmentRef[] {
    const results = [...refs];
    const toCheck = [...refs];
    const checked = new Set<string>();
    const keyOf = (r: AssignmentRef) => JSON.stringify([r.actorId, r.targetType, r.targetId, r.roleId, r.indirect ?? {}]);
    while (toCheck.length > 0) {
      const next = toCheck.pop()!;
      checked.add(keyOf(next));
      for (const impliedId of this.implications.get(next.roleId) ?? []) {
        if (!this.roles.has(impliedId)) continue;
        const implied: AssignmentRef = { ...next, roleId: impliedId, indirect: { ...next.indirect, roleId: next.roleId } };
        if (checked.has(keyOf(implied))) continue;
        results.push(implied);
        toCheck.push(implied);
      }
    }
    return results;
  }

  /** Every project below `projectId` (not itself), breadth first. */
  private subtreeOf(projectId: string): string[] {
    const out: string[] = [];
    const queue = [projectId];
    const seen = new Set(queue);
    while (queue.length > 0) {
      const parent = queue.shift()!;
      for (const p of this.projects.values()) {
        if (p.parentId === parent && !seen.has(p.id)) {
          seen.add(p.id);
          out.push(p.id);
          queue.push(p.id);
        }
      }
    }
    return out;
  }

  /** The projects above `projectId`, nearest first (a top-level project's parent is its domain: not a project). */
  private ancestorsOf(projectId: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>([projectId]);
    for (let parent = this.projects.get(this.projects.get(projectId)?.parentId ?? ''); parent && !seen.has(parent.id); parent = this.projects.get(parent.parentId)) {
      seen.add(parent.id);
      out.push(parent.id);
    }
    return out;
  }

  /** The grants as rows, in the order they were first made per actor and target. */
  private *grantRows(): Generator<RoleAssignment> {
    for (const [actor, targets] of this.grants) {
      const [actorType, actorId] = splitKey(actor) as [RoleAssignment['actorType'], string];
      for (const [target, g] of targets) {
        const [targetType, targetId] = splitKey(target) as [RoleAssignment['targetType'], string];
        for (const roleId of g.direct) yield { actorType, actorId, targetType, targetId, roleId, inherited: false };
        for (const roleId of g.inherited) yield { actorType, actorId, targetType, targetId, roleId, inherited: true };
      }
    }
  }

  /** Transitive closure over implications (cycle-safe), then Keystone's strip of domain-specific roles. */
  private expand(roleIds: Iterable<string>): RoleRef[] {
    const seen = new Set<string>();
    const queue = [...roleIds];
    while (queue.length > 0) {
      const id = queue.pop()!;
      if (seen.has(id) || !this.roles.has(id)) continue;
      seen.add(id);
      for (const implied of this.implications.get(id) ?? []) if (!seen.has(implied)) queue.push(implied);
    }
    const out: RoleRef[] = [];
    for (const id of seen) {
      const role = this.roles.get(id)!;
      if (role.domainId === null) out.push({ id: role.id, name: role.name });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private dropTarget(target: string): void {
    for (const [actor, targets] of this.grants) {
      targets.delete(target);
      if (targets.size === 0) this.grants.delete(actor);
    }
  }
}
