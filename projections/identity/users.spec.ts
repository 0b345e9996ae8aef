import { foldStrictly, IdentityScenario, rowsOf } from '../../test/projections/identity-scenario';
import { GROUP_MEMBERS_TABLE, GROUPS_TABLE, identityUsersProjection as projection, USER_CREDENTIALS_TABLE, USERS_TABLE } from './users';

const HASH = '$scrypt$N=16384,r=8,p=1$c2FsdA$aGFzaC1vbmU';
const NEW_HASH = '$scrypt$N=16384,r=8,p=1$c2FsdDI$aGFzaC10d28';
/** The decider stamps the command's `now`; the scenario's first event occurs at the same instant. */
const PASSWORD_SET_AT = '2026-01-01T00:00:01.000Z';

function alice(s: IdentityScenario, passwordHash: string | null = HASH) {
  return s.add('UserCreated', {
    userId: 'u1',
    domainId: 'd1',
    name: 'Alice',
    enabled: true,
    defaultProjectId: 'p1',
    description: 'ops',
    email: 'alice@example.org',
    options: { ignore_password_expiry: true },
    passwordHash,
    passwordCreatedAt: passwordHash === null ? null : PASSWORD_SET_AT,
  });
}

describe('identity_users projection', () => {
  describe('users', () => {
    it('records a created user, and its password hash only in the credentials table', () => {
      const s = new IdentityScenario();
      const at = alice(s);
      const rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, USERS_TABLE)).toEqual([
        {
          id: 'u1',
          domain_id: 'd1',
          name: 'Alice',
          name_key: 'alice',
          enabled: true,
          default_project_id: 'p1',
          description: 'ops',
          email: 'alice@example.org',
          options: { ignore_password_expiry: true },
          password_expires_at: null,
          password_created_at: PASSWORD_SET_AT,
          extra: {},
          created_at: at,
          updated_at: at,
          stream_version: 0,
        },
      ]);
      expect(rowsOf(rows, USER_CREDENTIALS_TABLE)).toEqual([{ user_id: 'u1', password_hash: HASH, password_created_at: PASSWORD_SET_AT }]);
    });

    it('names the user row and its credentials row for the events that touch the password', () => {
      const s = new IdentityScenario();
      alice(s);
      s.add('UserEnabled', { userId: 'u1' });
      const [createdEvent, enabled] = s.recorded();
      expect(projection.rowsFor(createdEvent)).toEqual([
        { table: USERS_TABLE, key: 'u1' },
        { table: USER_CREDENTIALS_TABLE, key: 'u1' },
      ]);
      expect(projection.rowsFor(enabled)).toEqual([{ table: USERS_TABLE, key: 'u1' }]);
    });

    it('keeps no credentials row for a user without a password', () => {
      const s = new IdentityScenario();
      alice(s, null);
      const rows = foldStrictly(projection, s.recorded());
      expect(rows.get(USERS_TABLE, 'u1')).toMatchObject({ password_created_at: null });
      expect(rowsOf(rows, USER_CREDENTIALS_TABLE)).toEqual([]);
    });

    it('changes only the fields an update carries, clearing those set to null', () => {
      const s = new IdentityScenario();
      const at = alice(s);
      s.add('UserUpdated', { userId: 'u1', email: null, description: 'platform' });
      s.add('UserDisabled', { userId: 'u1' });
      const renamed = s.add('UserUpdated', { userId: 'u1', name: 'ALICE.B', defaultProjectId: null, options: {} });
      const rows = foldStrictly(projection, s.recorded());
      expect(rows.get(USERS_TABLE, 'u1')).toEqual({
        id: 'u1',
        domain_id: 'd1',
        name: 'ALICE.B',
        name_key: 'alice.b',
        enabled: false,
        default_project_id: null,
        description: 'platform',
        email: null,
        options: {},
        password_expires_at: null,
        password_created_at: PASSWORD_SET_AT,
        extra: {},
        created_at: at,
        updated_at: renamed,
        stream_version: 3,
      });
    });

    it('enables a disabled user', () => {
      const s = new IdentityScenario();
      alice(s);
      s.add('UserDisabled', { userId: 'u1' });
      const enabled = s.add('UserEnabled', { userId: 'u1' });
      const rows = foldStrictly(projection, s.recorded());
      expect(rows.get(USERS_TABLE, 'u1')).toMatchObject({ enabled: true, updated_at: enabled, stream_version: 2 });
    });

    it('replaces the hash on a password change and drops it when the password is removed', () => {
      const s = new IdentityScenario();
      const at = alice(s);
      const changed = s.add('UserPasswordChanged', { userId: 'u1', passwordHash: NEW_HASH, changedAt: '2026-01-01T00:00:02.000Z', selfService: true });
      let rows = foldStrictly(projection, s.recorded());
      expect(rows.get(USER_CREDENTIALS_TABLE, 'u1')).toEqual({ user_id: 'u1', password_hash: NEW_HASH, password_created_at: changed });
      expect(rows.get(USERS_TABLE, 'u1')).toMatchObject({ password_created_at: changed, created_at: at, updated_at: changed, stream_version: 1 });

      const removed = s.add('UserPasswordChanged', { userId: 'u1', passwordHash: null, changedAt: '2026-01-01T00:00:03.000Z', selfService: false });
      rows = foldStrictly(projection, s.recorded());
      expect(rows.get(USER_CREDENTIALS_TABLE, 'u1')).toBeUndefined();
      expect(rows.get(USERS_TABLE, 'u1')).toMatchObject({ password_created_at: null, updated_at: removed, stream_version: 2 });
    });

    it('removes a deleted user and its hash', () => {
      const s = new IdentityScenario();
      alice(s);
      s.add('UserCreated', { userId: 'u2', domainId: 'd1', name: 'bob', enabled: true, defaultProjectId: null, description: null, options: {}, passwordHash: null, passwordCreatedAt: null });
      s.add('UserDeleted', { userId: 'u1', domainId: 'd1', name: 'Alice' });
      const rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, USERS_TABLE).map((r) => r.id)).toEqual(['u2']);
      expect(rowsOf(rows, USERS_TABLE)[0]).toMatchObject({ email: null, description: null, default_project_id: null });
      expect(rowsOf(rows, USER_CREDENTIALS_TABLE)).toEqual([]);
    });
  });

  describe('groups', () => {
    function admins(s: IdentityScenario) {
      return s.add('GroupCreated', { groupId: 'g1', domainId: 'd1', name: 'Admins', description: 'on call' });
    }

    it('records a created group and changes only the fields an update carries', () => {
      const s = new IdentityScenario();
      const at = admins(s);
      let rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, GROUPS_TABLE)).toEqual([
        { id: 'g1', domain_id: 'd1', name: 'Admins', name_key: 'admins', description: 'on call', created_at: at, updated_at: at, stream_version: 0 },
      ]);

      const renamed = s.add('GroupUpdated', { groupId: 'g1', name: 'SRE' });
      rows = foldStrictly(projection, s.recorded());
      expect(rows.get(GROUPS_TABLE, 'g1')).toEqual({ id: 'g1', domain_id: 'd1', name: 'SRE', name_key: 'sre', description: 'on call', created_at: at, updated_at: renamed, stream_version: 1 });
    });

    it('adds and removes members', () => {
      const s = new IdentityScenario();
      admins(s);
      const added = s.add('UserAddedToGroup', { groupId: 'g1', userId: 'u1' });
      s.add('UserAddedToGroup', { groupId: 'g1', userId: 'u2' });
      s.add('UserRemovedFromGroup', { groupId: 'g1', userId: 'u2' });
      const rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, GROUP_MEMBERS_TABLE)).toEqual([{ key: 'g1|u1', group_id: 'g1', user_id: 'u1', created_at: added }]);
    });

    it('removes a deleted group with the memberships its event lists', () => {
      const s = new IdentityScenario();
      admins(s);
      s.add('GroupCreated', { groupId: 'g2', domainId: 'd1', name: 'Readers', description: '' });
      s.add('UserAddedToGroup', { groupId: 'g1', userId: 'u1' });
      s.add('UserAddedToGroup', { groupId: 'g1', userId: 'u2' });
      s.add('UserAddedToGroup', { groupId: 'g2', userId: 'u1' });
      s.add('GroupDeleted', { groupId: 'g1', domainId: 'd1', name: 'Admins', memberIds: ['u1', 'u2'] });
      const recorded = s.recorded();
      expect(projection.rowsFor(recorded[recorded.length - 1])).toEqual([
        { table: GROUPS_TABLE, key: 'g1' },
        { table: GROUP_MEMBERS_TABLE, key: 'g1|u1' },
        { table: GROUP_MEMBERS_TABLE, key: 'g1|u2' },
      ]);
      const rows = foldStrictly(projection, recorded);
      expect(rowsOf(rows, GROUPS_TABLE).map((r) => r.id)).toEqual(['g2']);
      expect(rowsOf(rows, GROUP_MEMBERS_TABLE).map((r) => r.key)).toEqual(['g2|u1']);
    });
  });

  it('puts no password hash in any table but identity_user_credentials', () => {
    const s = new IdentityScenario();
    alice(s);
    s.add('UserPasswordChanged', { userId: 'u1', passwordHash: NEW_HASH, changedAt: '2026-01-01T00:00:02.000Z', selfService: false });
    s.add('UserCreated', { userId: 'u2', domainId: 'd1', name: 'bob', enabled: true, defaultProjectId: null, description: null, options: {}, passwordHash: HASH, passwordCreatedAt: '2026-01-01T00:00:03.000Z' });
    s.add('GroupCreated', { groupId: 'g1', domainId: 'd1', name: 'Admins', description: '' });
    s.add('UserAddedToGroup', { groupId: 'g1', userId: 'u1' });
    const rows = foldStrictly(projection, s.recorded());
    for (const table of projection.tables.filter((t) => t.name !== USER_CREDENTIALS_TABLE)) {
      expect(Object.keys(table.columns).filter((c) => /hash|password$|secret/.test(c))).toEqual([]);
      const text = JSON.stringify(rowsOf(rows, table.name));
      expect(text).not.toContain(HASH);
      expect(text).not.toContain(NEW_HASH);
    }
    expect(rowsOf(rows, USER_CREDENTIALS_TABLE).map((r) => r.password_hash)).toEqual([NEW_HASH, HASH]);
  });
});
