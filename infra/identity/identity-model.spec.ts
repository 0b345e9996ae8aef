import { RecordedEvent } from '../../domain/kernel';
import {
  applicationCredentialStream,
  assignmentStream,
  domainStream,
  groupStream,
  IdentityDomainEvent,
  projectStream,
  RoleAssignment,
  roleStream,
  TokenIssued,
  tokenStream,
  userStream,
} from '../../domain/identity';
import { AssignmentRef, IdentityModel, IdentityModelEvent, TokenContext, TokenValidation } from './identity-model';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const ISSUED_AT = '2026-01-01T00:00:00.000Z';
const EXPIRES_AT = '2026-01-01T01:00:00.000Z';
const at = (iso: string) => new Date(iso);

/** Builds recorded events as the store would deliver them: full metadata, increasing positions. */
class Log {
  private seq = 0;
  private readonly versions = new Map<string, bigint>();
  constructor(readonly model = new IdentityModel()) {}

  append(stream: string, event: IdentityModelEvent | IdentityDomainEvent): RecordedEvent {
    this.seq++;
    const version = (this.versions.get(stream) ?? -1n) + 1n;
    this.versions.set(stream, version);
    const recorded: RecordedEvent = {
      id: `00000000-0000-4000-8000-${String(this.seq).padStart(12, '0')}`,
      stream,
      version,
      position: String(this.seq).padStart(20, '0'),
      type: event.type,
      data: event.data,
      metadata: {
        correlationId: `corr-${this.seq}`,
        causationId: `corr-${this.seq}`,
        requestId: `req-00000000-0000-4000-8000-${String(this.seq).padStart(12, '0')}`,
        actor: { userId: 'admin', projectId: 'admin-project', domainId: 'default', roles: ['admin'] },
        occurredAt: ISSUED_AT,
        schemaVersion: 1,
      },
      recordedAt: NOW,
    };
    this.model.apply(recorded);
    return recorded;
  }

  domain(domainId: string, name = domainId, enabled = true) {
    this.append(domainStream(domainId), { type: 'DomainCreated', data: { domainId, name, description: '', enabled, options: {} } });
  }
  project(projectId: string, domainId = 'default', parentId = domainId) {
    this.append(projectStream(projectId), {
      type: 'ProjectCreated',
      data: { projectId, domainId, name: projectId, description: '', enabled: true, parentId, isDomain: false, tags: [], options: {} },
    });
  }
  user(userId: string, domainId = 'default') {
    this.append(userStream(userId), {
      type: 'UserCreated',
      data: { userId, domainId, name: userId, enabled: true, defaultProjectId: null, description: null, options: {}, passwordHash: '$scrypt$x', passwordCreatedAt: ISSUED_AT },
    });
  }
  role(roleId: string, name = roleId, domainId: string | null = null) {
    this.append(roleStream(roleId), { type: 'RoleCreated', data: { roleId, name, domainId, description: null, options: {} } });
  }
  implies(priorRoleId: string, impliedRoleId: string) {
    this.append(roleStream(priorRoleId), { type: 'RoleImplicationAdded', data: { priorRoleId, impliedRoleId } });
  }
  grant(a: Partial<RoleAssignment> & Pick<RoleAssignment, 'actorId' | 'targetId' | 'roleId'>, type: 'RoleAssigned' | 'RoleUnassigned' = 'RoleAssigned') {
    const assignment: RoleAssignment = { actorType: 'user', targetType: 'project', inherited: false, ...a };
    this.append(assignmentStream(`${assignment.actorId}-${assignment.targetId}-${assignment.roleId}`), { type, data: assignment });
  }
  group(groupId: string, memberIds: string[]) {
    this.append(groupStream(groupId), { type: 'GroupCreated', data: { groupId, domainId: 'default', name: groupId, description: '' } });
    for (const userId of memberIds) this.append(groupStream(groupId), { type: 'UserAddedToGroup', data: { groupId, userId } });
  }
  token(tokenHash: string, data: Partial<TokenIssued['data']> = {}) {
    const full: TokenIssued['data'] = {
      tokenId: `id-${tokenHash}`,
      tokenHash,
      userId: 'alice',
      methods: ['password'],
      scope: { type: 'project', projectId: 'p1', domainId: 'default' },
      roleIds: ['r-member'],
      issuedAt: ISSUED_AT,
      expiresAt: EXPIRES_AT,
      auditIds: [`audit-${tokenHash}`],
      ...data,
    };
    this.append(tokenStream(full.tokenId), { type: 'TokenIssued', data: full });
  }
}

/** Default domain, project p1, alice with member on p1; admin ⊃ member ⊃ reader. */
function keystone(): Log {
  const log = new Log();
  log.domain('default', 'Default');
  log.project('p1');
  log.user('alice');
  log.role('r-admin', 'admin');
  log.role('r-member', 'member');
  log.role('r-reader', 'reader');
  log.implies('r-admin', 'r-member');
  log.implies('r-member', 'r-reader');
  log.grant({ actorId: 'alice', targetId: 'p1', roleId: 'r-member' });
  return log;
}

const H = (n: number) => String(n).repeat(64).slice(0, 64);
const reasonOf = (v: TokenValidation) => (v.valid ? 'valid' : v.reason);
const context = (v: TokenValidation): TokenContext => {
  if (!v.valid) throw new Error(`token invalid: ${v.reason}`);
  return v.token;
};
const names = (v: TokenValidation) => context(v).roles.map((r) => r.name);

describe('IdentityModel', () => {
  describe('a valid project-scoped token', () => {
    it('yields who, on what, with which roles (implied roles expanded)', () => {
      const log = keystone();
      log.token(H(1));
      expect(log.model.validateToken(H(1), NOW)).toEqual({
        valid: true,
        token: {
          tokenId: `id-${H(1)}`,
          user: { id: 'alice', name: 'alice', domain: { id: 'default', name: 'Default' } },
          scope: { type: 'project', project: { id: 'p1', name: 'p1', domain: { id: 'default', name: 'Default' } } },
          roles: [
            { id: 'r-member', name: 'member' },
            { id: 'r-reader', name: 'reader' },
          ],
          methods: ['password'],
          issuedAt: ISSUED_AT,
          expiresAt: EXPIRES_AT,
          auditIds: [`audit-${H(1)}`],
        },
      });
    });

    it('reflects roles granted after issue, as Keystone recomputes them at validation', () => {
      const log = keystone();
      log.token(H(1));
      log.grant({ actorId: 'alice', targetId: 'p1', roleId: 'r-admin' });
      expect(names(log.model.validateToken(H(1), NOW))).toEqual(['admin', 'member', 'reader']);
    });
  });

  describe('invalid tokens', () => {
    it('an unknown hash', () => {
      expect(reasonOf(keystone().model.validateToken(H(9), NOW))).toBe('unknown');
    });

    it('an expired token, unless allow_expired and within its window', () => {
      const log = keystone();
      log.token(H(1));
      expect(reasonOf(log.model.validateToken(H(1), at(EXPIRES_AT)))).toBe('expired');
      expect(reasonOf(log.model.validateToken(H(1), at(EXPIRES_AT), { allowExpired: true }))).toBe('valid');
      expect(reasonOf(log.model.validateToken(H(1), at('2026-01-03T02:00:00.000Z'), { allowExpired: true }))).toBe('expired');
    });

    it('a revoked token, even with allow_expired', () => {
      const log = keystone();
      log.token(H(1));
      log.token(H(2));
      log.append(tokenStream(`id-${H(1)}`), { type: 'TokenRevoked', data: { tokenId: `id-${H(1)}`, userId: 'alice', auditIds: [`audit-${H(1)}`], reason: 'logout' } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('revoked');
      expect(reasonOf(log.model.validateToken(H(1), NOW, { allowExpired: true }))).toBe('revoked');
      expect(reasonOf(log.model.validateToken(H(2), NOW))).toBe('valid');
    });

    it('a disabled user, and tokens issued before the disablement stay revoked after re-enable', () => {
      const log = keystone();
      log.token(H(1));
      log.append(userStream('alice'), { type: 'UserDisabled', data: { userId: 'alice' } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('user-disabled');
      log.append(userStream('alice'), { type: 'UserEnabled', data: { userId: 'alice' } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('user-disabled');
      log.token(H(2));
      expect(reasonOf(log.model.validateToken(H(2), NOW))).toBe('valid');
    });

    it('a deleted user', () => {
      const log = keystone();
      log.token(H(1));
      log.append(userStream('alice'), { type: 'UserDeleted', data: { userId: 'alice', domainId: 'default', name: 'alice' } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('user-deleted');
    });

    it("a token issued before the user's password changed, not one issued after", () => {
      const log = keystone();
      log.token(H(1));
      log.append(userStream('alice'), { type: 'UserPasswordChanged', data: { userId: 'alice', passwordHash: '$scrypt$y', changedAt: ISSUED_AT, selfService: true } });
      log.token(H(2));
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('password-changed');
      expect(reasonOf(log.model.validateToken(H(2), NOW))).toBe('valid');
      expect(log.model.user('alice')!.passwordHash).toBe('$scrypt$y');
    });

    it("a user whose domain is disabled", () => {
      const log = keystone();
      log.domain('d2');
      log.user('bob', 'd2');
      log.grant({ actorId: 'bob', targetId: 'p1', roleId: 'r-reader' });
      log.token(H(1), { userId: 'bob' });
      log.append(domainStream('d2'), { type: 'DomainUpdated', data: { domainId: 'd2', enabled: false } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('user-domain-disabled');
    });

    it('the scoped project disabled, then deleted', () => {
      const log = keystone();
      log.token(H(1));
      log.append(projectStream('p1'), { type: 'ProjectUpdated', data: { projectId: 'p1', enabled: false } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('project-disabled');
      log.append(projectStream('p1'), { type: 'ProjectDeleted', data: { projectId: 'p1', domainId: 'default', name: 'p1', parentId: 'default' } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('project-deleted');
    });

    it('the scoped domain disabled, then deleted', () => {
      const log = keystone();
      log.domain('d2');
      log.grant({ actorId: 'alice', targetType: 'domain', targetId: 'd2', roleId: 'r-admin' });
      log.token(H(1), { scope: { type: 'domain', domainId: 'd2' } });
      expect(names(log.model.validateToken(H(1), NOW))).toEqual(['admin', 'member', 'reader']);
      log.append(domainStream('d2'), { type: 'DomainUpdated', data: { domainId: 'd2', enabled: false } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('domain-disabled');
      log.append(domainStream('d2'), { type: 'DomainDeleted', data: { domainId: 'd2', name: 'd2' } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('domain-deleted');
    });

    it("the project's domain disabled", () => {
      const log = keystone();
      log.domain('d2');
      log.project('p2', 'd2');
      log.grant({ actorId: 'alice', targetId: 'p2', roleId: 'r-member' });
      log.token(H(1), { scope: { type: 'project', projectId: 'p2' } });
      log.append(domainStream('d2'), { type: 'DomainUpdated', data: { domainId: 'd2', enabled: false } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('domain-disabled');
    });

    it('the last role on the scope unassigned; a remaining role keeps it valid with fewer roles', () => {
      const log = keystone();
      log.grant({ actorId: 'alice', targetId: 'p1', roleId: 'r-reader' });
      log.token(H(1));
      log.grant({ actorId: 'alice', targetId: 'p1', roleId: 'r-member' }, 'RoleUnassigned');
      expect(names(log.model.validateToken(H(1), NOW))).toEqual(['reader']);
      log.grant({ actorId: 'alice', targetId: 'p1', roleId: 'r-reader' }, 'RoleUnassigned');
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('no-role-on-scope');
    });

    it('the only role deleted', () => {
      const log = keystone();
      log.token(H(1));
      log.append(roleStream('r-member'), { type: 'RoleDeleted', data: { roleId: 'r-member', name: 'member', domainId: null } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('no-role-on-scope');
    });

    it('a system-scoped token once the system role is unassigned', () => {
      const log = keystone();
      log.grant({ actorId: 'alice', targetType: 'system', targetId: 'all', roleId: 'r-admin' });
      log.token(H(1), { scope: { type: 'system', system: 'all' } });
      expect(context(log.model.validateToken(H(1), NOW)).scope).toEqual({ type: 'system', system: 'all' });
      log.grant({ actorId: 'alice', targetType: 'system', targetId: 'all', roleId: 'r-admin' }, 'RoleUnassigned');
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('no-role-on-scope');
    });

    it('an application credential token once the credential is deleted', () => {
      const log = keystone();
      log.append(applicationCredentialStream('ac1'), {
        type: 'ApplicationCredentialCreated',
        data: { id: 'ac1', userId: 'alice', projectId: 'p1', name: 'ci', description: null, secretHash: '$scrypt$z', roleIds: ['r-reader'], expiresAt: null, unrestricted: false },
      });
      log.token(H(1), { methods: ['application_credential'], applicationCredentialId: 'ac1' });
      const ok = context(log.model.validateToken(H(1), NOW));
      expect(ok.applicationCredentialId).toBe('ac1');
      // Only the credential's roles that the user still holds (member implies reader).
      expect(ok.roles).toEqual([{ id: 'r-reader', name: 'reader' }]);
      log.append(applicationCredentialStream('ac1'), { type: 'ApplicationCredentialDeleted', data: { id: 'ac1', userId: 'alice', name: 'ci' } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('application-credential-deleted');
    });

    it('an application credential token past the credential expiry', () => {
      const log = keystone();
      log.append(applicationCredentialStream('ac1'), {
        type: 'ApplicationCredentialCreated',
        data: { id: 'ac1', userId: 'alice', projectId: 'p1', name: 'ci', description: null, secretHash: '$scrypt$z', roleIds: ['r-member'], expiresAt: '2026-01-01T00:30:00.000Z', unrestricted: false },
      });
      log.token(H(1), { methods: ['application_credential'], applicationCredentialId: 'ac1' });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('valid');
      expect(reasonOf(log.model.validateToken(H(1), at('2026-01-01T00:30:00.000Z')))).toBe('application-credential-expired');
    });
  });

  describe('effective roles', () => {
    it('expand implications transitively and survive a cycle', () => {
      const log = keystone();
      log.role('r-a', 'a');
      log.role('r-b', 'b');
      log.role('r-c', 'c');
      log.implies('r-a', 'r-b');
      log.implies('r-b', 'r-c');
      log.implies('r-c', 'r-a');
      log.implies('r-c', 'r-admin');
      log.grant({ actorId: 'alice', targetId: 'p1', roleId: 'r-b' });
      expect(log.model.effectiveRoles('alice', { type: 'project', projectId: 'p1' }).map((r) => r.name)).toEqual(['a', 'admin', 'b', 'c', 'member', 'reader']);
    });

    it("include the roles of the user's groups, until the user leaves the group", () => {
      const log = keystone();
      log.user('bob');
      log.group('ops', ['bob']);
      log.grant({ actorType: 'group', actorId: 'ops', targetId: 'p1', roleId: 'r-admin' });
      log.token(H(1), { userId: 'bob' });
      expect(names(log.model.validateToken(H(1), NOW))).toEqual(['admin', 'member', 'reader']);
      log.append(groupStream('ops'), { type: 'UserRemovedFromGroup', data: { groupId: 'ops', userId: 'bob' } });
      expect(reasonOf(log.model.validateToken(H(1), NOW))).toBe('no-role-on-scope');
    });

    it("drop a deleted group's roles from its members", () => {
      const log = keystone();
      log.user('bob');
      log.group('ops', ['bob']);
      log.grant({ actorType: 'group', actorId: 'ops', targetId: 'p1', roleId: 'r-reader' });
      log.append(groupStream('ops'), { type: 'GroupDeleted', data: { groupId: 'ops', domainId: 'default', name: 'ops', memberIds: ['bob'] } });
      expect(log.model.effectiveRoles('bob', { type: 'project', projectId: 'p1' })).toEqual([]);
    });

    it('carry the current name after a rename', () => {
      const log = keystone();
      log.token(H(1));
      log.append(roleStream('r-member'), { type: 'RoleUpdated', data: { roleId: 'r-member', name: '_member_' } });
      expect(context(log.model.validateToken(H(1), NOW)).roles).toEqual([
        { id: 'r-member', name: '_member_' },
        { id: 'r-reader', name: 'reader' },
      ]);
    });

    it('apply OS-INHERIT grants from the domain and ancestor projects to the projects below, not to the target itself', () => {
      const log = keystone();
      log.project('child', 'default', 'p1');
      log.user('bob');
      log.grant({ actorId: 'bob', targetType: 'domain', targetId: 'default', roleId: 'r-reader', inherited: true });
      log.grant({ actorId: 'bob', targetId: 'p1', roleId: 'r-admin', inherited: true });
      expect(log.model.effectiveRoles('bob', { type: 'project', projectId: 'p1' }).map((r) => r.name)).toEqual(['reader']);
      expect(log.model.effectiveRoles('bob', { type: 'project', projectId: 'child' }).map((r) => r.name)).toEqual(['admin', 'member', 'reader']);
      expect(log.model.effectiveRoles('bob', { type: 'domain', domainId: 'default' })).toEqual([]);
    });

    it('strip domain-specific roles after expanding them, as Keystone does', () => {
      const log = keystone();
      log.role('r-dom', 'dom-role', 'default');
      log.implies('r-dom', 'r-reader');
      log.user('bob');
      log.grant({ actorId: 'bob', targetId: 'p1', roleId: 'r-dom' });
      expect(log.model.effectiveRoles('bob', { type: 'project', projectId: 'p1' })).toEqual([{ id: 'r-reader', name: 'reader' }]);
    });

    it('are empty for an unscoped token, which stays valid', () => {
      const log = keystone();
      log.token(H(1), { scope: { type: 'unscoped' }, roleIds: [] });
      const ok = context(log.model.validateToken(H(1), NOW));
      expect(ok.scope).toEqual({ type: 'unscoped' });
      expect(ok.roles).toEqual([]);
    });
  });

  describe('role assignments (Keystone list_role_assignments)', () => {
    /** Compact rows: actor>target:role, with the indirect source when there is one. */
    const rows = (refs: AssignmentRef[]) =>
      refs
        .map((r) => {
          const via = Object.entries(r.indirect ?? {}).map(([k, v]) => `${k}=${v}`);
          return `${r.actorType}:${r.actorId}>${r.targetType}:${r.targetId}:${r.roleId}${r.inherited ? '(inherited)' : ''}${via.length ? ` via ${via.sort().join(',')}` : ''}`;
        })
        .sort();

    it('lists grants as they are, system grants included when no project or domain is asked', () => {
      const log = keystone();
      log.user('bob');
      log.group('ops', ['bob']);
      log.grant({ actorType: 'group', actorId: 'ops', targetType: 'domain', targetId: 'default', roleId: 'r-reader', inherited: true });
      log.grant({ actorId: 'bob', targetType: 'system', targetId: 'all', roleId: 'r-admin' });
      expect(rows(log.model.roleAssignments({}))).toEqual([
        'group:ops>domain:default:r-reader(inherited)',
        'user:alice>project:p1:r-member',
        'user:bob>system:all:r-admin',
      ]);
      expect(rows(log.model.roleAssignments({ system: true }))).toEqual(['user:bob>system:all:r-admin']);
      expect(rows(log.model.roleAssignments({ domainId: 'default', inherited: true }))).toEqual(['group:ops>domain:default:r-reader(inherited)']);
      expect(rows(log.model.roleAssignments({ domainId: 'default', inherited: false }))).toEqual([]);
      expect(rows(log.model.roleAssignments({ userId: 'bob' }))).toEqual(['user:bob>system:all:r-admin']);
    });

    it('includes the subtree when asked, direct grants only', () => {
      const log = keystone();
      log.project('child', 'default', 'p1');
      log.user('bob');
      log.grant({ actorId: 'bob', targetId: 'child', roleId: 'r-reader' });
      expect(rows(log.model.roleAssignments({ projectId: 'p1' }))).toEqual(['user:alice>project:p1:r-member']);
      expect(rows(log.model.roleAssignments({ projectId: 'p1', includeSubtree: true }))).toEqual(['user:alice>project:p1:r-member', 'user:bob>project:child:r-reader']);
    });

    it('in effective mode expands groups to members, inheritance to projects and implied roles, the role filter last', () => {
      const log = keystone();
      log.project('child', 'default', 'p1');
      log.user('bob');
      log.group('ops', ['bob']);
      log.grant({ actorType: 'group', actorId: 'ops', targetType: 'domain', targetId: 'default', roleId: 'r-reader', inherited: true });
      log.grant({ actorId: 'bob', targetId: 'p1', roleId: 'r-admin', inherited: true });
      expect(rows(log.model.roleAssignments({ userId: 'bob', projectId: 'child', effective: true }))).toEqual([
        'user:bob>project:child:r-admin via projectId=p1',
        'user:bob>project:child:r-member via projectId=p1,roleId=r-admin',
        'user:bob>project:child:r-reader via domainId=default,groupId=ops',
        'user:bob>project:child:r-reader via projectId=p1,roleId=r-member',
      ]);
      expect(rows(log.model.roleAssignments({ userId: 'bob', projectId: 'p1', effective: true }))).toEqual(['user:bob>project:p1:r-reader via domainId=default,groupId=ops']);
      expect(rows(log.model.roleAssignments({ userId: 'bob', projectId: 'child', roleId: 'r-member', effective: true }))).toEqual([
        'user:bob>project:child:r-member via projectId=p1,roleId=r-admin',
      ]);
      // Without a project: an inherited grant reaches every project of the domain, or below the project.
      expect(rows(log.model.roleAssignments({ userId: 'bob', roleId: 'r-admin', effective: true }))).toEqual(['user:bob>project:child:r-admin via projectId=p1']);
      expect(rows(log.model.roleAssignments({ userId: 'bob', roleId: 'r-reader', effective: true })).filter((r) => r.includes('groupId'))).toEqual([
        'user:bob>project:child:r-reader via domainId=default,groupId=ops',
        'user:bob>project:p1:r-reader via domainId=default,groupId=ops',
      ]);
    });

    it('in effective mode strips domain-specific roles and answers nothing for a group filter', () => {
      const log = keystone();
      log.role('r-dom', 'dom-role', 'default');
      log.user('bob');
      log.grant({ actorId: 'bob', targetId: 'p1', roleId: 'r-dom' });
      log.group('ops', ['bob']);
      log.grant({ actorType: 'group', actorId: 'ops', targetId: 'p1', roleId: 'r-reader' });
      expect(rows(log.model.roleAssignments({ userId: 'bob', projectId: 'p1', effective: true }))).toEqual(['user:bob>project:p1:r-reader via groupId=ops']);
      log.implies('r-dom', 'r-member');
      expect(rows(log.model.roleAssignments({ userId: 'bob', projectId: 'p1', effective: true }))).toEqual([
        'user:bob>project:p1:r-member via roleId=r-dom',
        'user:bob>project:p1:r-reader via groupId=ops',
        'user:bob>project:p1:r-reader via roleId=r-member',
      ]);
      expect(log.model.roleAssignments({ groupId: 'ops', effective: true })).toEqual([]);
    });

    it('finds the grants and prior roles of a role, and drops them when the role is deleted', () => {
      const log = keystone();
      expect(log.model.priorRolesOf('r-member')).toEqual(['r-admin']);
      expect(log.model.grantsOfRole('r-member')).toEqual([{ actorType: 'user', actorId: 'alice', targetType: 'project', targetId: 'p1', roleId: 'r-member', inherited: false }]);
      expect(log.model.hasGrant({ actorType: 'user', actorId: 'alice', targetType: 'project', targetId: 'p1', roleId: 'r-member', inherited: false })).toBe(true);
      expect(log.model.hasGrant({ actorType: 'user', actorId: 'alice', targetType: 'project', targetId: 'p1', roleId: 'r-member', inherited: true })).toBe(false);
      log.append(roleStream('r-member'), { type: 'RoleDeleted', data: { roleId: 'r-member', name: 'member', domainId: null } });
      expect(log.model.priorRolesOf('r-member')).toEqual([]);
      expect(log.model.grantsOfRole('r-member')).toEqual([]);
      expect(log.model.roleAssignments({ userId: 'alice', effective: true })).toEqual([]);
    });
  });

  describe('lookups and housekeeping', () => {
    it('finds users and projects by name, case-insensitively, within a domain', () => {
      const log = keystone();
      expect(log.model.userByName('default', 'ALICE')?.id).toBe('alice');
      expect(log.model.userByName('other', 'alice')).toBeUndefined();
      expect(log.model.projectByName('default', 'P1')?.id).toBe('p1');
      expect(log.model.domainByName('default')?.id).toBe('default');
    });

    it('forgets tokens past expiry plus the allow_expired window', () => {
      const log = keystone();
      log.token(H(1));
      log.token(H(2), { expiresAt: '2026-01-05T00:00:00.000Z' });
      expect(log.model.pruneExpiredTokens(at('2026-01-03T01:00:00.000Z'))).toBe(1);
      expect(reasonOf(log.model.validateToken(H(1), NOW, { allowExpired: true }))).toBe('unknown');
      expect(reasonOf(log.model.validateToken(H(2), NOW))).toBe('valid');
    });

    it('ignores events of other contexts and tracks the last position', () => {
      const log = keystone();
      const before = log.model.position;
      log.append('server-1', { type: 'ServerSpawned', data: {} } as unknown as IdentityModelEvent);
      expect(log.model.position! > before!).toBe(true);
    });
  });
});
