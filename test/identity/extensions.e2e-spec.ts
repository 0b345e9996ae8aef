import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitReady } from '../e2e/support/strata-process';
import { call, issueToken, keystoneError, projectScope } from './support/identity-http';

const ADMIN = { name: 'admin', password: 'admin-secret' };

/** Keystone's side APIs on strata start: credentials (and OS-EC2), policies, OAuth1 consumers, endpoint groups, domain config. */
describe('Identity side APIs (credentials, OS-EC2, policies, OS-OAUTH1, OS-EP-FILTER, domain config)', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  let strata: StrataProcess | undefined;
  let identity: string;
  let admin: string;
  let projectId: string;
  let userId: string;
  let user: string;

  /** Every event's data as the log holds it. */
  async function loggedData(): Promise<string> {
    const pg = JSON.parse(fs.readFileSync(path.join(dataDir, 'postgres.json'), 'utf8')) as { port: number; user: string; password: string };
    const client = new Client({ host: '127.0.0.1', port: pg.port, user: pg.user, password: pg.password, database: 'strata' });
    await client.connect();
    try {
      return (await client.query<{ data: string }>('SELECT data::text AS data FROM eventstore.events')).rows.map((r) => r.data).join('\n');
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    identity = `${base}/identity/v3`;
    strata = spawnStrata(['start'], { STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_ADMIN_PASSWORD: ADMIN.password });
    await waitReady(base, strata);
    admin = (await issueToken(identity, ADMIN, projectScope('admin'))).value;
    projectId = (await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'ext' } } })).json.project.id;
    userId = (await call('POST', `${identity}/users`, { token: admin, body: { user: { name: 'ext-user', password: 'ext-pw', default_project_id: projectId } } })).json.user.id;
    const memberId = (await call('GET', `${identity}/roles?name=member`, { token: admin })).json.roles[0].id;
    await call('PUT', `${identity}/projects/${projectId}/users/${userId}/roles/${memberId}`, { token: admin });
    user = (await issueToken(identity, { name: 'ext-user', password: 'ext-pw' }, projectScope('ext'))).value;
  });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('credentials', () => {
    it('creates the key on first start with mode 0600', () => {
      expect(fs.statSync(path.join(dataDir, 'keys', 'credential.key')).mode & 0o777).toBe(0o600);
    });

    it('creates, shows, updates, lists and deletes; the blob never reaches the log in the clear', async () => {
      const blob = JSON.stringify({ access: 'ak-one', secret: 'sk-never-logged' });
      const created = await call('POST', `${identity}/credentials`, { token: admin, body: { credential: { user_id: userId, project_id: projectId, type: 'ec2', blob } } });
      expect(created.status).toBe(201);
      const id = created.json.credential.id;
      // Keystone: an ec2 credential's id is sha256(access).
      expect(id).toBe(createHash('sha256').update('ak-one').digest('hex'));
      expect(created.json.credential).toEqual({ id, user_id: userId, project_id: projectId, type: 'ec2', blob, links: { self: `${identity}/credentials/${id}` } });

      const newBlob = JSON.stringify({ access: 'ak-one', secret: 'sk-rotated' });
      const updated = await call('PATCH', `${identity}/credentials/${id}`, { token: admin, body: { credential: { blob: newBlob, type: 'ec2' } } });
      expect(updated.status).toBe(200);
      expect(updated.json.credential.blob).toBe(newBlob);
      expect((await call('GET', `${identity}/credentials/${id}`, { token: admin })).json.credential.blob).toBe(newBlob);
      expect((await call('GET', `${identity}/credentials?user_id=${userId}&type=ec2`, { token: admin })).json.credentials.map((c: { id: string }) => c.id)).toEqual([id]);
      expect((await call('GET', `${identity}/credentials?type=cert`, { token: admin })).json.credentials).toEqual([]);

      const log = await loggedData();
      expect(log).toContain('ciphertext');
      expect(log).not.toContain('sk-never-logged');
      expect(log).not.toContain('sk-rotated');

      expect((await call('DELETE', `${identity}/credentials/${id}`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/credentials/${id}`, { token: admin })).json).toEqual(keystoneError(404, 'Not Found', `Could not find credential: ${id}.`));
    });

    it('answers 400 for an ec2 blob without access or a missing field, and writes nothing', async () => {
      const noAccess = await call('POST', `${identity}/credentials`, { token: admin, body: { credential: { user_id: userId, project_id: projectId, type: 'ec2', blob: '{"secret":"x"}' } } });
      expect(noAccess.json).toEqual(keystoneError(400, 'Bad Request', /^Expecting to find access in credential/));
      const noBlob = await call('POST', `${identity}/credentials`, { token: admin, body: { credential: { user_id: userId, type: 'cert' } } });
      expect(noBlob.json).toEqual(keystoneError(400, 'Bad Request', "'blob' is a required property"));
      expect((await call('GET', `${identity}/credentials`, { token: admin })).json.credentials).toEqual([]);
    });

    it("lets a user see only their own credentials, and not create one for someone else (403)", async () => {
      const own = await call('POST', `${identity}/credentials`, { token: user, body: { credential: { user_id: userId, type: 'cert', blob: 'pem' } } });
      expect(own.status).toBe(201);
      await call('POST', `${identity}/credentials`, { token: admin, body: { credential: { user_id: 'someone-else', type: 'cert', blob: 'other' } } });
      expect((await call('GET', `${identity}/credentials`, { token: user })).json.credentials.map((c: { blob: string }) => c.blob)).toEqual(['pem']);
      expect((await call('POST', `${identity}/credentials`, { token: user, body: { credential: { user_id: 'someone-else', type: 'cert', blob: 'x' } } })).status).toBe(403);
    });
  });

  describe('OS-EC2', () => {
    it('lets a user create, list, show and delete their own ec2 credentials', async () => {
      const created = await call('POST', `${identity}/users/${userId}/credentials/OS-EC2`, { token: user, body: { tenant_id: projectId } });
      expect(created.status).toBe(201);
      const c = created.json.credential;
      expect(c).toEqual({ user_id: userId, tenant_id: projectId, access: expect.stringMatching(/^[0-9a-f]{32}$/), secret: expect.stringMatching(/^[0-9a-f]{32}$/), trust_id: null, links: { self: `${identity}/users/${userId}/credentials/OS-EC2/${c.access}` } });
      expect((await call('GET', `${identity}/users/${userId}/credentials/OS-EC2`, { token: user })).json.credentials).toEqual([c]);
      expect((await call('GET', `${identity}/users/${userId}/credentials/OS-EC2/${c.access}`, { token: user })).json.credential).toEqual(c);
      expect(await loggedData()).not.toContain(c.secret);
      expect((await call('DELETE', `${identity}/users/${userId}/credentials/OS-EC2/${c.access}`, { token: user })).status).toBe(204);
      expect((await call('GET', `${identity}/users/${userId}/credentials/OS-EC2/${c.access}`, { token: user })).status).toBe(404);
    });

    it("refuses another user's ec2 credentials (403) and an unknown project (404)", async () => {
      const adminId = (await call('GET', `${identity}/users?name=admin`, { token: admin })).json.users[0].id;
      expect((await call('GET', `${identity}/users/${adminId}/credentials/OS-EC2`, { token: user })).status).toBe(403);
      expect((await call('POST', `${identity}/users/${userId}/credentials/OS-EC2`, { token: user, body: { tenant_id: 'nope' } })).json).toEqual(keystoneError(404, 'Not Found', 'Could not find project: nope.'));
    });
  });

  describe('policies', () => {
    it('creates, updates the type, lists by type and deletes; admin only', async () => {
      const created = await call('POST', `${identity}/policies`, { token: admin, body: { policy: { blob: '{"rule": "x"}', type: 'application/json' } } });
      expect(created.status).toBe(201);
      const id = created.json.policy.id;
      expect(created.json.policy).toEqual({ id, blob: '{"rule": "x"}', type: 'application/json', links: { self: `${identity}/policies/${id}` } });
      expect((await call('PATCH', `${identity}/policies/${id}`, { token: admin, body: { policy: { type: 'text/yaml' } } })).json.policy.type).toBe('text/yaml');
      expect((await call('GET', `${identity}/policies?type=text/yaml`, { token: admin })).json.policies.map((p: { id: string }) => p.id)).toEqual([id]);
      expect((await call('GET', `${identity}/policies`, { token: user })).status).toBe(403);
      expect((await call('POST', `${identity}/policies`, { token: admin, body: { policy: { blob: 'x' } } })).json).toEqual(keystoneError(400, 'Bad Request', "'type' is a required property"));
      expect((await call('DELETE', `${identity}/policies/${id}`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/policies/${id}`, { token: admin })).status).toBe(404);
    });
  });

  describe('OS-OAUTH1 consumers', () => {
    it('shows the secret once, keeps only its hash, updates the description and deletes', async () => {
      const created = await call('POST', `${identity}/OS-OAUTH1/consumers`, { token: admin, body: { consumer: { description: 'ci' } } });
      expect(created.status).toBe(201);
      const { id, secret } = created.json.consumer;
      expect(secret).toMatch(/^[0-9a-f]{32}$/);
      const shown = (await call('GET', `${identity}/OS-OAUTH1/consumers/${id}`, { token: admin })).json.consumer;
      expect(shown).toEqual({ id, description: 'ci', links: { self: `${identity}/OS-OAUTH1/consumers/${id}` } });
      expect(await loggedData()).not.toContain(secret);
      expect((await call('PATCH', `${identity}/OS-OAUTH1/consumers/${id}`, { token: admin, body: { consumer: { secret: 'mine' } } })).status).toBe(400);
      expect((await call('PATCH', `${identity}/OS-OAUTH1/consumers/${id}`, { token: admin, body: { consumer: { description: 'cd' } } })).json.consumer.description).toBe('cd');
      expect((await call('GET', `${identity}/OS-OAUTH1/consumers`, { token: admin })).json.consumers.map((c: { id: string }) => c.id)).toContain(id);
      expect((await call('DELETE', `${identity}/OS-OAUTH1/consumers/${id}`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/OS-OAUTH1/consumers/${id}`, { token: admin })).status).toBe(404);
    });
  });

  describe('OS-EP-FILTER endpoint groups', () => {
    it('creates, lists, checks (HEAD), updates and deletes; refuses bad filters (400)', async () => {
      const created = await call('POST', `${identity}/OS-EP-FILTER/endpoint_groups`, { token: admin, body: { endpoint_group: { name: 'compute', description: 'd', filters: { interface: 'public' } } } });
      expect(created.status).toBe(201);
      const g = created.json.endpoint_group;
      expect(g).toEqual({ id: g.id, name: 'compute', description: 'd', filters: { interface: 'public' }, links: { self: `${identity}/OS-EP-FILTER/endpoint_groups/${g.id}` } });
      expect((await call('GET', `${identity}/OS-EP-FILTER/endpoint_groups`, { token: admin })).json.endpoint_groups).toEqual([g]);
      expect((await call('HEAD', `${identity}/OS-EP-FILTER/endpoint_groups/${g.id}`, { token: admin })).status).toBe(200);
      const updated = await call('PATCH', `${identity}/OS-EP-FILTER/endpoint_groups/${g.id}`, { token: admin, body: { endpoint_group: { filters: { region_id: 'RegionOne' } } } });
      expect(updated.json.endpoint_group.filters).toEqual({ region_id: 'RegionOne' });
      const bad = await call('POST', `${identity}/OS-EP-FILTER/endpoint_groups`, { token: admin, body: { endpoint_group: { name: 'x', filters: { enabled: true } } } });
      expect(bad.json).toEqual(keystoneError(400, 'Bad Request', /^Expecting to find service_id or region_id or interface in endpoint_group/));
      expect((await call('POST', `${identity}/OS-EP-FILTER/endpoint_groups`, { token: admin, body: { endpoint_group: { name: 'x', filters: {} } } })).status).toBe(400);
      expect((await call('DELETE', `${identity}/OS-EP-FILTER/endpoint_groups/${g.id}`, { token: admin })).status).toBe(204);
      expect((await call('HEAD', `${identity}/OS-EP-FILTER/endpoint_groups/${g.id}`, { token: admin })).status).toBe(404);
    });
  });

  describe('domain configuration', () => {
    let domainId: string;
    const config = { identity: { driver: 'ldap' }, ldap: { url: 'ldap://myldap.com:389/', user_tree_dn: 'ou=Users,dc=example,dc=org' } };

    beforeAll(async () => {
      domainId = (await call('POST', `${identity}/domains`, { token: admin, body: { domain: { name: 'ldap-domain' } } })).json.domain.id;
    });

    it('shows the whitelisted defaults, and refuses (403) an option that is not', async () => {
      const all = (await call('GET', `${identity}/domains/config/default`, { token: admin })).json.config;
      expect(Object.keys(all).sort()).toEqual(['identity', 'ldap']);
      expect((await call('GET', `${identity}/domains/config/identity/default`, { token: admin })).json).toEqual({ config: { identity: { driver: 'sql', list_limit: null } } });
      expect((await call('GET', `${identity}/domains/config/ldap/url/default`, { token: admin })).json).toEqual({ config: { url: 'ldap://localhost' } });
      expect((await call('GET', `${identity}/domains/config/ldap/password/default`, { token: admin })).status).toBe(403);
      expect((await call('GET', `${identity}/domains/config/assignment/default`, { token: admin })).status).toBe(403);
    });

    it('creates (201, then 200), shows groups and options, updates, deletes parts and all', async () => {
      const created = await call('PUT', `${identity}/domains/${domainId}/config`, { token: admin, body: { config: { ...config, ldap: { ...config.ldap, password: 'ldap-bind-pw' } } } });
      expect(created.status).toBe(201);
      // The sensitive password is stored (sealed) but never shown, nor logged in the clear.
      expect(created.json).toEqual({ config });
      expect(await loggedData()).not.toContain('ldap-bind-pw');
      expect((await call('PUT', `${identity}/domains/${domainId}/config`, { token: admin, body: { config } })).status).toBe(200);
      expect((await call('GET', `${identity}/domains/${domainId}/config/ldap`, { token: admin })).json).toEqual({ config: { ldap: config.ldap } });
      expect((await call('GET', `${identity}/domains/${domainId}/config/ldap/url`, { token: admin })).json).toEqual({ config: { url: config.ldap.url } });

      const group = await call('PATCH', `${identity}/domains/${domainId}/config/identity`, { token: admin, body: { config: { identity: { driver: 'sql', list_limit: 42 } } } });
      expect(group.json.config.identity).toEqual({ driver: 'sql', list_limit: 42 });
      const option = await call('PATCH', `${identity}/domains/${domainId}/config/identity/driver`, { token: admin, body: { config: { driver: 'ldap' } } });
      expect(option.json.config.identity.driver).toBe('ldap');
      expect((await call('PATCH', `${identity}/domains/${domainId}/config/ldap`, { token: admin, body: { config: { identity: { driver: 'x' } } } })).status).toBe(403);
      expect((await call('PUT', `${identity}/domains/${domainId}/config`, { token: admin, body: { config: { ldap: { not_an_option: 1 } } } })).json).toEqual(
        keystoneError(403, 'Forbidden', 'Invalid domain specific configuration: Option not_an_option in group ldap is not supported for domain specific configurations.'),
      );

      expect((await call('DELETE', `${identity}/domains/${domainId}/config/identity/driver`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/domains/${domainId}/config/identity/driver`, { token: admin })).json).toEqual(
        keystoneError(404, 'Not Found', `Could not find option driver in group identity in domain configuration for domain ${domainId}.`),
      );
      expect((await call('DELETE', `${identity}/domains/${domainId}/config/identity`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/domains/${domainId}/config/identity`, { token: admin })).status).toBe(404);
      expect((await call('DELETE', `${identity}/domains/${domainId}/config`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/domains/${domainId}/config`, { token: admin })).status).toBe(404);
      expect((await call('GET', `${identity}/domains/nope/config`, { token: admin })).json).toEqual(keystoneError(404, 'Not Found', 'Could not find domain: nope.'));
    });
  });
});
