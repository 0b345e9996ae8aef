import { comparePositions, Position, RecordedEvent } from '../../domain/kernel';
import {
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
  | TokenEvent;

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
  | 'application-credential-expired';

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

/** Role ids granted to one actor on one target, split by OS-INHERIT. */
interface Grants {
  direct: Set<string>;
  inherited: Set<string>;
}

const actorKey = (type: RoleAssignment['actorType'], id: string) => `${type}:${id}`;
const targetKey = (type: RoleAssignment['targetType'], id: string) => `${type}:${id}`;
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
        });
        return;
      }
      case 'ApplicationCredentialDeleted':
        this.applicationCredentials.delete(e.data.id);
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
    // Keystone refuses a scoped token whose user holds no role on the scope any more (token model `mint`).
    if (t.scope.type !== 'unscoped' && roles.length === 0) return invalid('no-role-on-scope');

    return {
      valid: true,
      token: {
        tokenId: t.tokenId,
        user: { id: user.id, name: user.name, domain: { id: userDomain.id, name: userDomain.name } },
        scope,
        roles,
        methods: t.methods,
        issuedAt: t.issuedAt,
        expiresAt: t.expiresAt,
        auditIds: t.auditIds,
        ...(t.applicationCredentialId !== undefined ? { applicationCredentialId: t.applicationCredentialId } : {}),
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
