import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitReady } from '../e2e/support/strata-process';
import { call, issueToken, keystoneError, projectScope } from './support/identity-http';

const ADMIN = { name: 'admin', password: 'admin-secret' };

/** Users' extra attributes and passwords, token subjects, project tags, domains as projects, domain cascade, catalog and access rules. */
describe('Identity resources (Keystone behaviours Tempest checks)', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  let strata: StrataProcess | undefined;
  let identity: string;
  let admin: string;
  let projectId: string;
  let memberRoleId: string;

  async function events(requestId: string): Promise<{ stream_name: string; event_type: string; correlation: string }[]> {
    const pg = JSON.parse(fs.readFileSync(path.join(dataDir, 'postgres.json'), 'utf8')) as { port: number; user: string; password: string };
    const client = new Client({ host: '127.0.0.1', port: pg.port, user: pg.user, password: pg.password, database: 'strata' });
    await client.connect();
    try {
      return (
        await client.query(
          "SELECT stream_name, event_type, metadata->>'correlationId' AS correlation FROM eventstore.events WHERE metadata->>'requestId' = $1 ORDER BY global_position",
          [requestId],
        )
      ).rows;
    } finally {
      await client.end();
    }
  }

  async function member(name: string, password: string): Promise<{ id: string; token: string }> {
    const id = (await call('POST', `${identity}/users`, { token: admin, body: { user: { name, password } } })).json.user.id;
    await call('PUT', `${identity}/projects/${projectId}/users/${id}/roles/${memberRoleId}`, { token: admin });
    return { id, token: (await issueToken(identity, { name, password }, projectScope('res'))).value };
  }

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    identity = `${base}/identity/v3`;
    strata = spawnStrata(['start'], { STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_ADMIN_PASSWORD: ADMIN.password });
    await waitReady(base, strata);
    admin = (await issueToken(identity, ADMIN, projectScope('admin'))).value;
    projectId = (await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'res' } } })).json.project.id;
    memberRoleId = (await call('GET', `${identity}/roles?name=member`, { token: admin })).json.roles[0].id;
  });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('users', () => {
    it('keeps unknown attributes as extra and returns them flat on create, PATCH and GET', async () => {
      const created = await call('POST', `${identity}/users`, { token: admin, body: { user: { name: 'extra-user', email: 'e@x.org', project_id: projectId } } });
      expect(created.status).toBe(201);
      expect(created.json.user).toMatchObject({ name: 'extra-user', email: 'e@x.org', project_id: projectId, password_expires_at: null });
      const id = created.json.user.id;
      const patched = await call('PATCH', `${identity}/users/${id}`, { token: admin, body: { user: { project_id: 'other', team: 'ops' } } });
      expect(patched.json.user).toMatchObject({ project_id: 'other', team: 'ops', email: 'e@x.org' });
      expect((await call('GET', `${identity}/users/${id}`, { token: admin })).json.user).toMatchObject({ project_id: 'other', team: 'ops' });
    });

    it('lets a user change their own password with the original one: old tokens and the old password stop working at once', async () => {
      const alice = await member('pw-alice', 'old-pw');
      // Keystone's change_password is unenforced: the original password is the credential, no token needed.
      const wrong = await call('POST', `${identity}/users/${alice.id}/password`, { body: { user: { original_password: 'nope', password: 'new-pw' } } });
      expect(wrong.status).toBe(401);
      // An unknown user is the same 401: the route reveals no user ids.
      expect((await call('POST', `${identity}/users/0123456789abcdef0123456789abcdef/password`, { body: { user: { original_password: 'x', password: 'y' } } })).status).toBe(401);
      const changed = await call('POST', `${identity}/users/${alice.id}/password`, { body: { user: { original_password: 'old-pw', password: 'new-pw' } } });
      expect(changed.status).toBe(204);
      expect((await call('GET', `${identity}/users/${alice.id}`, { token: alice.token })).status).toBe(401);
      expect((await call('POST', `${identity}/auth/tokens`, { body: { auth: { identity: { methods: ['password'], password: { user: { id: alice.id, password: 'old-pw' } } } } } })).status).toBe(401);
      expect((await call('POST', `${identity}/auth/tokens`, { body: { auth: { identity: { methods: ['password'], password: { user: { id: alice.id, password: 'new-pw' } } } } } })).status).toBe(201);
    });
  });

  describe('tokens', () => {
    it('lets a user check, validate and revoke their own token; a revoked subject is 404, another user gets 403', async () => {
      const bob = await member('tok-bob', 'bob-pw');
      const carol = await member('tok-carol', 'carol-pw');
      const subject = (await issueToken(identity, { name: 'tok-bob', password: 'bob-pw' })).value;
      const head = await call('HEAD', `${identity}/auth/tokens`, { token: bob.token, headers: { 'X-Subject-Token': subject } });
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
      expect((await call('GET', `${identity}/auth/tokens`, { token: bob.token, headers: { 'X-Subject-Token': subject } })).json.token.user.id).toBe(bob.id);
      expect((await call('GET', `${identity}/auth/tokens`, { token: carol.token, headers: { 'X-Subject-Token': subject } })).json).toEqual(
        keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: identity:validate_token.'),
      );
      expect((await call('DELETE', `${identity}/auth/tokens`, { token: carol.token, headers: { 'X-Subject-Token': subject } })).status).toBe(403);
      expect((await call('DELETE', `${identity}/auth/tokens`, { token: bob.token, headers: { 'X-Subject-Token': subject } })).status).toBe(204);
      expect((await call('HEAD', `${identity}/auth/tokens`, { token: bob.token, headers: { 'X-Subject-Token': subject } })).status).toBe(404);
      expect((await call('GET', `${identity}/auth/tokens`, { token: bob.token, headers: { 'X-Subject-Token': subject } })).status).toBe(404);
    });
  });

  describe('projects', () => {
    it('keeps unknown attributes of a project as extra, flat in every answer', async () => {
      const created = await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'costly', cost_center: '42' } } });
      expect(created.json.project).toMatchObject({ name: 'costly', cost_center: '42', is_domain: false });
      const id = created.json.project.id;
      expect((await call('PATCH', `${identity}/projects/${id}`, { token: admin, body: { project: { owner: 'ops' } } })).json.project).toMatchObject({ cost_center: '42', owner: 'ops' });
      expect((await call('GET', `${identity}/projects/${id}`, { token: admin })).json.project).toMatchObject({ cost_center: '42', owner: 'ops' });
    });

    it('manages tags one by one and as a list, and filters projects by them', async () => {
      const id = (await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'tagged', tags: ['a'] } } })).json.project.id;
      const put = await call('PUT', `${identity}/projects/${id}/tags/b`, { token: admin });
      expect(put.status).toBe(201);
      expect(put.headers.location).toBe(`${identity}/projects/${id}/tags/b`);
      expect((await call('GET', `${identity}/projects/${id}/tags/b`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/projects/${id}/tags`, { token: admin })).json.tags).toEqual(['a', 'b']);
      expect((await call('GET', `${identity}/projects?tags=a,b`, { token: admin })).json.projects.map((p: { id: string }) => p.id)).toEqual([id]);
      expect((await call('GET', `${identity}/projects?not-tags-any=b`, { token: admin })).json.projects.map((p: { id: string }) => p.id)).not.toContain(id);
      expect((await call('PUT', `${identity}/projects/${id}/tags`, { token: admin, body: { tags: ['x', 'y'] } })).json.tags).toEqual(['x', 'y']);
      expect((await call('PUT', `${identity}/projects/${id}/tags`, { token: admin, body: { tags: ['a,b'] } })).status).toBe(400);
      expect((await call('PUT', `${identity}/projects/${id}/tags`, { token: admin, body: { tags: Array.from({ length: 81 }, (_, i) => `t${i}`) } })).status).toBe(400);
      expect((await call('DELETE', `${identity}/projects/${id}/tags/x`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/projects/${id}/tags/x`, { token: admin })).status).toBe(404);
      expect((await call('DELETE', `${identity}/projects/${id}/tags`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/projects/${id}/tags`, { token: admin })).json.tags).toEqual([]);
    });

    it('creates a project acting as a domain: listed by GET /domains and by ?is_domain=true, and usable as a domain', async () => {
      const created = await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'dom-proj', domain_id: null, is_domain: true } } });
      expect(created.status).toBe(201);
      const id = created.json.project.id;
      expect(created.json.project).toMatchObject({ name: 'dom-proj', is_domain: true, domain_id: null, parent_id: null });
      expect((await call('GET', `${identity}/domains`, { token: admin })).json.domains.map((d: { id: string }) => d.id)).toContain(id);
      expect((await call('GET', `${identity}/projects?is_domain=true`, { token: admin })).json.projects.map((p: { id: string }) => p.id)).toContain(id);
      expect((await call('GET', `${identity}/projects`, { token: admin })).json.projects.map((p: { id: string }) => p.id)).not.toContain(id);
      expect((await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'inside', domain_id: id } } })).status).toBe(201);
      expect((await call('PATCH', `${identity}/projects/${id}`, { token: admin, body: { project: { enabled: false } } })).json.project.enabled).toBe(false);
      expect((await call('DELETE', `${identity}/projects/${id}`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/domains/${id}`, { token: admin })).status).toBe(404);
    });
  });

  describe('domains', () => {
    it('refuses to delete an enabled domain and leaves its content alone', async () => {
      const domainId = (await call('POST', `${identity}/domains`, { token: admin, body: { domain: { name: 'kept' } } })).json.domain.id;
      const userId = (await call('POST', `${identity}/users`, { token: admin, body: { user: { name: 'kept-user', domain_id: domainId } } })).json.user.id;
      expect((await call('DELETE', `${identity}/domains/${domainId}`, { token: admin })).status).toBe(403);
      expect((await call('GET', `${identity}/users/${userId}`, { token: admin })).status).toBe(200);
    });

    it('deletes a disabled domain with its projects, users, groups and grants, each as events of the one request, and drops their tokens', async () => {
      const domainId = (await call('POST', `${identity}/domains`, { token: admin, body: { domain: { name: 'doomed' } } })).json.domain.id;
      const p = (await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'doomed-p', domain_id: domainId } } })).json.project.id;
      const u = (await call('POST', `${identity}/users`, { token: admin, body: { user: { name: 'doomed-u', domain_id: domainId, password: 'pw' } } })).json.user.id;
      const g = (await call('POST', `${identity}/groups`, { token: admin, body: { group: { name: 'doomed-g', domain_id: domainId } } })).json.group.id;
      await call('PUT', `${identity}/groups/${g}/users/${u}`, { token: admin });
      await call('PUT', `${identity}/projects/${p}/users/${u}/roles/${memberRoleId}`, { token: admin });
      const token = (await call('POST', `${identity}/auth/tokens`, { body: { auth: { identity: { methods: ['password'], password: { user: { id: u, password: 'pw' } } }, scope: { project: { id: p } } } } })).headers['x-subject-token'] as string;
      await call('PATCH', `${identity}/domains/${domainId}`, { token: admin, body: { domain: { enabled: false } } });

      const requestId = 'req-7d2c58a0-5a53-4a8e-9d1e-0d6a3a9c1b11';
      expect((await call('DELETE', `${identity}/domains/${domainId}`, { token: admin, headers: { 'X-OpenStack-Request-ID': requestId } })).status).toBe(204);
      for (const url of [`domains/${domainId}`, `projects/${p}`, `users/${u}`, `groups/${g}`]) expect((await call('GET', `${identity}/${url}`, { token: admin })).status).toBe(404);
      expect((await call('GET', `${identity}/auth/tokens`, { token: admin, headers: { 'X-Subject-Token': token } })).status).toBe(404);
      expect((await call('GET', `${identity}/role_assignments?user.id=${u}`, { token: admin })).json.role_assignments).toEqual([]);

      const logged = await events(requestId);
      expect(new Set(logged.map((e) => e.correlation))).toEqual(new Set([requestId.slice(4)]));
      const types = logged.map((e) => e.event_type);
      for (const t of ['ProjectDeleted', 'UserDeleted', 'GroupDeleted', 'RoleUnassigned', 'DomainDeleted']) expect(types).toContain(t);
      expect(types.indexOf('DomainDeleted')).toBeGreaterThan(types.indexOf('GroupDeleted'));
    });

    it('deletes a user with their memberships, grants, application credentials, credentials and trusts, each as events of the one request', async () => {
      const leaver = await member('leaver', 'leaver-pw');
      const adminId = (await call('GET', `${identity}/users?name=admin`, { token: admin })).json.users[0].id;
      const g = (await call('POST', `${identity}/groups`, { token: admin, body: { group: { name: 'leavers' } } })).json.group.id;
      expect((await call('PUT', `${identity}/groups/${g}/users/${leaver.id}`, { token: admin })).status).toBe(204);
      expect((await call('POST', `${identity}/users/${leaver.id}/application_credentials`, { token: leaver.token, body: { application_credential: { name: 'lc' } } })).status).toBe(201);
      expect((await call('POST', `${identity}/users/${leaver.id}/credentials/OS-EC2`, { token: leaver.token, body: { tenant_id: projectId } })).status).toBe(201);
      const trust = await call('POST', `${identity}/OS-TRUST/trusts`, {
        token: leaver.token,
        body: { trust: { trustor_user_id: leaver.id, trustee_user_id: adminId, project_id: projectId, impersonation: false, roles: [{ name: 'member' }] } },
      });
      expect(trust.status).toBe(201);

      const requestId = 'req-0b7f1c52-3f0e-4a55-8d6e-2f9b1e4c7a21';
      expect((await call('DELETE', `${identity}/users/${leaver.id}`, { token: admin, headers: { 'X-OpenStack-Request-ID': requestId } })).status).toBe(204);
      expect((await call('GET', `${identity}/groups/${g}/users`, { token: admin })).json.users).toEqual([]);
      expect((await call('GET', `${identity}/credentials?user_id=${leaver.id}`, { token: admin })).json.credentials).toEqual([]);
      expect((await call('GET', `${identity}/OS-TRUST/trusts/${trust.json.trust.id}`, { token: admin })).status).toBe(404);
      expect((await call('GET', `${identity}/role_assignments?user.id=${leaver.id}`, { token: admin })).json.role_assignments).toEqual([]);

      const logged = await events(requestId);
      expect(new Set(logged.map((e) => e.correlation))).toEqual(new Set([requestId.slice(4)]));
      const types = logged.map((e) => e.event_type);
      for (const t of ['UserRemovedFromGroup', 'RoleUnassigned', 'ApplicationCredentialDeleted', 'CredentialDeleted', 'TrustDeleted', 'UserDeleted']) expect(types).toContain(t);
      expect(types.filter((t) => t !== 'NameReleased').pop()).toBe('UserDeleted');
    });

    it('deletes the application credentials on a project with the project', async () => {
      const dweller = await member('dweller', 'dweller-pw');
      const p = (await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'short-lived' } } })).json.project.id;
      await call('PUT', `${identity}/projects/${p}/users/${dweller.id}/roles/${memberRoleId}`, { token: admin });
      const token = (await issueToken(identity, { name: 'dweller', password: 'dweller-pw' }, projectScope('short-lived'))).value;
      const cred = await call('POST', `${identity}/users/${dweller.id}/application_credentials`, { token, body: { application_credential: { name: 'on-short-lived' } } });
      expect(cred.status).toBe(201);
      expect((await call('DELETE', `${identity}/projects/${p}`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/users/${dweller.id}/application_credentials/${cred.json.application_credential.id}`, { token: dweller.token })).status).toBe(404);
    });
  });

  describe('catalog', () => {
    it('filters regions by parent_region_id', async () => {
      await call('PUT', `${identity}/regions/top`, { token: admin, body: { region: {} } });
      const child = (await call('POST', `${identity}/regions`, { token: admin, body: { region: { parent_region_id: 'top' } } })).json.region;
      expect((await call('GET', `${identity}/regions?parent_region_id=top`, { token: admin })).json.regions.map((r: { id: string }) => r.id)).toEqual([child.id]);
    });

    it('creates the region an endpoint names with the legacy `region`, and rejects a non-boolean enabled', async () => {
      const serviceId = (await call('POST', `${identity}/services`, { token: admin, body: { service: { type: 'legacy' } } })).json.service.id;
      const created = await call('POST', `${identity}/endpoints`, { token: admin, body: { endpoint: { service_id: serviceId, interface: 'public', url: 'http://x', region: 'legacy-region' } } });
      expect(created.status).toBe(201);
      expect(created.json.endpoint).toMatchObject({ region_id: 'legacy-region', region: 'legacy-region' });
      expect((await call('GET', `${identity}/regions/legacy-region`, { token: admin })).status).toBe(200);
      const id = created.json.endpoint.id;
      expect((await call('PATCH', `${identity}/endpoints/${id}`, { token: admin, body: { endpoint: { enabled: 'False' } } })).status).toBe(400);
      expect((await call('PATCH', `${identity}/endpoints/${id}`, { token: admin, body: { endpoint: { enabled: false } } })).json.endpoint.enabled).toBe(false);
    });
  });

  describe('application credentials and access rules', () => {
    it('returns expires_at with the microseconds given', async () => {
      const dave = await member('ac-dave', 'dave-pw');
      const created = await call('POST', `${identity}/users/${dave.id}/application_credentials`, { token: dave.token, body: { application_credential: { name: 'exp', expires_at: '2099-11-25T12:05:36.878353' } } });
      expect(created.status).toBe(201);
      expect(created.json.application_credential.expires_at).toBe('2099-11-25T12:05:36.878353');
    });

    it('creates rules with ids, shares them, lists them, refuses to delete one in use (403) and deletes it once unused', async () => {
      const erin = await member('ac-erin', 'erin-pw');
      const rule = { path: '/v2.1/servers/*/ips', method: 'GET', service: 'compute' };
      const first = (await call('POST', `${identity}/users/${erin.id}/application_credentials`, { token: erin.token, body: { application_credential: { name: 'one', access_rules: [rule] } } })).json.application_credential;
      const [{ id: ruleId, ...rest }] = first.access_rules;
      expect(rest).toEqual(rule);
      const second = (await call('POST', `${identity}/users/${erin.id}/application_credentials`, { token: erin.token, body: { application_credential: { name: 'two', access_rules: [rule] } } })).json.application_credential;
      expect(second.access_rules[0].id).toBe(ruleId);

      const rules = `${identity}/users/${erin.id}/access_rules`;
      expect((await call('GET', rules, { token: erin.token })).json.access_rules).toEqual([{ id: ruleId, ...rule, links: { self: `${rules}/${ruleId}` } }]);
      expect((await call('GET', `${rules}/${ruleId}`, { token: erin.token })).json.access_rule).toMatchObject({ id: ruleId, ...rule });

      // The credential's token carries its rules for the services that enforce them.
      const auth = await call('POST', `${identity}/auth/tokens`, {
        body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: first.id, secret: first.secret } } } },
      });
      expect(auth.json.token.application_credential.access_rules).toEqual([{ id: ruleId, ...rule }]);

      expect((await call('DELETE', `${rules}/${ruleId}`, { token: erin.token })).status).toBe(403);
      await call('DELETE', `${identity}/users/${erin.id}/application_credentials/${first.id}`, { token: erin.token });
      await call('DELETE', `${identity}/users/${erin.id}/application_credentials/${second.id}`, { token: erin.token });
      expect((await call('GET', rules, { token: erin.token })).json.access_rules).toHaveLength(1);
      expect((await call('DELETE', `${rules}/${ruleId}`, { token: erin.token })).status).toBe(204);
      expect((await call('GET', rules, { token: erin.token })).json.access_rules).toEqual([]);
      expect((await call('GET', `${rules}/${ruleId}`, { token: erin.token })).status).toBe(404);
    });
  });
});
