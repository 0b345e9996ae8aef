import { nameKey } from '../../domain/identity';
import { Position } from '../../domain/kernel';
import { ProjectionEngine } from '../../infra/projections';
import { APPLICATION_CREDENTIAL_SECRETS_TABLE, IDENTITY_PROJECTIONS, USER_CREDENTIALS_TABLE } from '../../projections/identity';
import { ProjectionHarness } from './harness';
import { bootstrappedCloud, IdentityScenario, PASSWORD_HASH, SECRET_HASH } from './identity-scenario';

const NAMES = IDENTITY_PROJECTIONS.map((p) => p.name);
const SECRET_TABLES = [USER_CREDENTIALS_TABLE, APPLICATION_CREDENTIAL_SECRETS_TABLE];

let h: ProjectionHarness;
let engine: ProjectionEngine;
const s: IdentityScenario = bootstrappedCloud(new IdentityScenario(7));
let appended = 0;
let bootstrapped: Position;

/** Appends the scenario's events not yet in the store, each to its own stream, in order. */
async function appendNew(): Promise<Position> {
  let last = '';
  for (const { stream, event } of s.events.slice(appended)) last = (await h.store.append(stream, [event], 'any')).position;
  appended = s.events.length;
  return last;
}

async function caughtUp(position: Position): Promise<void> {
  expect(await engine.waiter().waitFor(position, NAMES, 15_000)).toBe(true);
}

beforeAll(async () => {
  h = await ProjectionHarness.create('strata_proj_identity');
  bootstrapped = await appendNew();
  engine = await h.engine(IDENTITY_PROJECTIONS);
});
afterAll(async () => {
  await h.close();
});

describe('identity projections on PostgreSQL', () => {
  it('build from the log and serve Keystone lookups through the rm views', async () => {
    engine.start();
    await caughtUp(bootstrapped);

    expect(await h.rows('SELECT id, name, enabled, options FROM rm.identity_domains WHERE name_key = $1', [nameKey('DEFAULT')])).toEqual([
      { id: 'default', name: 'Default', enabled: true, options: {} },
    ]);
    expect(await h.rows('SELECT id, parent_id, tags, is_domain FROM rm.identity_projects WHERE domain_id = $1 ORDER BY name_key', ['default'])).toEqual([
      { id: 'p-admin', parent_id: 'default', tags: [], is_domain: false },
      { id: 'p-demo', parent_id: 'default', tags: ['team-a', 'Gold'], is_domain: false },
    ]);
    expect(await h.rows(`SELECT id FROM rm.identity_projects WHERE tags @> $1::jsonb`, [JSON.stringify(['Gold'])])).toEqual([{ id: 'p-demo' }]);
    expect(
      await h.rows('SELECT id, name, email, default_project_id, password_created_at, password_expires_at, extra FROM rm.identity_users WHERE domain_id = $1 AND name_key = $2', [
        'default',
        nameKey('demo'),
      ]),
    ).toEqual([
      {
        id: 'u-demo',
        name: 'Demo',
        email: 'demo@example.org',
        default_project_id: 'p-demo',
        password_created_at: new Date('2026-01-01T00:00:21.000Z'),
        password_expires_at: null,
        extra: {},
      },
    ]);
    expect(await h.rows('SELECT user_id, password_hash FROM rm.identity_user_credentials ORDER BY user_id')).toEqual([
      { user_id: 'u-admin', password_hash: PASSWORD_HASH },
      { user_id: 'u-demo', password_hash: `${PASSWORD_HASH}2` },
    ]);
    expect(await h.rows('SELECT group_id FROM rm.identity_group_members WHERE user_id = $1', ['u-demo'])).toEqual([{ group_id: 'g-devs' }]);
    expect(await h.rows('SELECT implied_role_id FROM rm.identity_role_implications WHERE prior_role_id = $1', ['r-admin'])).toEqual([{ implied_role_id: 'r-member' }]);
    expect(
      await h.rows('SELECT actor_type, actor_id, role_id, inherited FROM rm.identity_role_assignments WHERE target_type = $1 AND target_id = $2 ORDER BY actor_id', ['project', 'p-demo']),
    ).toEqual([{ actor_type: 'group', actor_id: 'g-devs', role_id: 'r-member', inherited: false }]);
    expect(await h.rows(`SELECT role_id FROM rm.identity_role_assignments WHERE actor_id = $1 AND target_type = 'system' AND target_id = 'all'`, ['u-admin'])).toEqual([
      { role_id: 'r-admin' },
    ]);
    expect(await h.rows('SELECT name, roles, expires_at, access_rules FROM rm.identity_application_credentials WHERE user_id = $1', ['u-demo'])).toEqual([
      { name: 'ci', roles: [{ id: 'r-member' }], expires_at: null, access_rules: [] },
    ]);
    expect(
      await h.rows(
        `SELECT s.type, e.interface, e.url, e.region_id FROM rm.identity_endpoints e JOIN rm.identity_services s ON s.id = e.service_id WHERE e.enabled AND s.enabled`,
      ),
    ).toEqual([{ type: 'identity', interface: 'public', url: 'http://127.0.0.1:8080/identity/v3', region_id: 'RegionOne' }]);

    for (const name of NAMES) {
      const result = await engine.verify(name);
      expect({ name, differences: result.differences, compared: result.rowsCompared > 0 }).toEqual({ name, differences: [], compared: true });
    }
  });

  it('follow live updates, memberships, unassignments and deletions', async () => {
    s.add('DomainUpdated', { domainId: 'default', description: 'Owned by ops' });
    s.add('ProjectTagsReplaced', { projectId: 'p-demo', tags: ['team-b'] });
    s.add('UserDisabled', { userId: 'u-demo' });
    s.add('UserUpdated', { userId: 'u-demo', name: 'DemoUser', email: null });
    s.add('UserCreated', { userId: 'u-bob', domainId: 'default', name: 'bob', enabled: true, defaultProjectId: null, description: null, options: {}, passwordHash: null, passwordCreatedAt: null });
    s.add('UserAddedToGroup', { groupId: 'g-devs', userId: 'u-bob' });
    s.add('RoleUnassigned', { actorType: 'group', actorId: 'g-devs', targetType: 'project', targetId: 'p-demo', roleId: 'r-member', inherited: false });
    s.add('GroupDeleted', { groupId: 'g-devs', domainId: 'default', name: 'developers', memberIds: ['u-demo', 'u-bob'] });
    s.add('RoleImplicationRemoved', { priorRoleId: 'r-admin', impliedRoleId: 'r-member' });
    s.add('ApplicationCredentialDeleted', { id: 'ac-ci', userId: 'u-demo', name: 'ci' });
    s.add('UserDeleted', { userId: 'u-demo', domainId: 'default', name: 'DemoUser' });
    s.add('EndpointUpdated', { endpointId: 'e-keystone', url: 'https://cloud.example.org/identity/v3' });
    await caughtUp(await appendNew());

    expect(await h.rows('SELECT description, stream_version FROM rm.identity_domains WHERE id = $1', ['default'])).toEqual([{ description: 'Owned by ops', stream_version: '1' }]);
    expect(await h.rows('SELECT tags FROM rm.identity_projects WHERE id = $1', ['p-demo'])).toEqual([{ tags: ['team-b'] }]);
    expect(await h.rows('SELECT id, enabled FROM rm.identity_users ORDER BY id')).toEqual([
      { id: 'u-admin', enabled: true },
      { id: 'u-bob', enabled: true },
    ]);
    expect(await h.rows('SELECT user_id FROM rm.identity_user_credentials')).toEqual([{ user_id: 'u-admin' }]);
    expect(await h.rows('SELECT * FROM rm.identity_groups')).toEqual([]);
    expect(await h.rows('SELECT * FROM rm.identity_group_members')).toEqual([]);
    expect(await h.rows(`SELECT key FROM rm.identity_role_assignments WHERE actor_type = 'group'`)).toEqual([]);
    expect(await h.rows('SELECT key FROM rm.identity_role_implications')).toEqual([{ key: 'r-member|r-reader' }]);
    expect(await h.rows('SELECT * FROM rm.identity_application_credentials')).toEqual([]);
    expect(await h.rows('SELECT * FROM rm.identity_application_credential_secrets')).toEqual([]);
    expect(await h.rows('SELECT url FROM rm.identity_endpoints')).toEqual([{ url: 'https://cloud.example.org/identity/v3' }]);
  });

  it('verify clean against a fresh fold of the log after updates and deletions', async () => {
    const results = await Promise.all(NAMES.map((name) => engine.verify(name)));
    expect(results.map((r) => ({ name: r.name, differences: r.differences, note: r.note }))).toEqual(NAMES.map((name) => ({ name, differences: [], note: undefined })));
    // 1 domain, 2 projects, 2 users, 1 password, 3 roles, 1 implication, 2 assignments, 1 region, 1 service, 1 endpoint, 1 trust.
    expect(results.reduce((n, r) => n + r.rowsCompared, 0)).toBe(16);
  });

  it('expose hashes in no view but the two credential tables', async () => {
    const columns = await h.rows<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = 'rm' AND table_name LIKE 'identity\\_%' AND (column_name LIKE '%hash%' OR column_name LIKE '%secret%' OR column_name LIKE '%password')
       ORDER BY table_name`,
    );
    expect(columns).toEqual([
      { table_name: 'identity_application_credential_secrets', column_name: 'secret_hash' },
      { table_name: 'identity_user_credentials', column_name: 'password_hash' },
    ]);
    const views = await h.rows<{ table_name: string }>(`SELECT table_name FROM information_schema.views WHERE table_schema = 'rm' AND table_name LIKE 'identity\\_%'`);
    expect(views.map((v) => v.table_name).sort()).toEqual(IDENTITY_PROJECTIONS.flatMap((p) => p.tables.map((t) => t.name)).sort());
    for (const { table_name } of views.filter((v) => !SECRET_TABLES.includes(v.table_name))) {
      const [{ text }] = await h.rows<{ text: string | null }>(`SELECT json_agg(t)::text AS text FROM rm.${table_name} t`);
      expect(text ?? '').not.toContain(PASSWORD_HASH);
      expect(text ?? '').not.toContain(SECRET_HASH);
    }
  });
});
