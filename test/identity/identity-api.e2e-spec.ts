import * as fs from 'node:fs';
import * as path from 'node:path';
import { exitWithin, freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitReady } from '../e2e/support/strata-process';
import { call, issueToken, keystoneError, passwordAuth, projectScope } from './support/identity-http';

const ADMIN = { name: 'admin', password: 'admin-secret' };
const UNAUTHENTICATED = keystoneError(401, 'Unauthorized', 'The request you have made requires authentication.');
const KEYSTONE_ID = /^[0-9a-f]{32}$/;
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/;

describe('Identity API (Keystone v3) on strata start', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  let strata: StrataProcess | undefined;
  let base: string;
  let identity: string;
  let admin: string;
  const env = (port: number) => ({ STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_ADMIN_PASSWORD: ADMIN.password });
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    identity = `${base}/identity/v3`;
    strata = spawnStrata(['start'], env(port));
    await waitReady(base, strata);
    admin = (await issueToken(identity, ADMIN, projectScope('admin'))).value;
  });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('version discovery', () => {
    it('answers GET /identity/v3 with the v3 document whose self link is this server', async () => {
      const answer = await call('GET', identity);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        version: {
          id: 'v3.14',
          status: 'stable',
          updated: '2020-04-07T00:00:00Z',
          links: [{ rel: 'self', href: `${identity}/` }],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
        },
      });
      expect((await call('GET', `${identity}/`)).status).toBe(200);
    });

    it('answers GET /identity with 300, a Location and the versions list', async () => {
      const answer = await call('GET', `${base}/identity`);
      expect(answer.status).toBe(300);
      expect(answer.headers.location).toBe(`${identity}/`);
      expect(answer.json.versions.values).toEqual([expect.objectContaining({ id: 'v3.14', status: 'stable' })]);
      expect(answer.headers.vary).toBe('X-Auth-Token');
    });
  });

  describe('POST /auth/tokens', () => {
    it('issues a project-scoped token with effective roles and the catalog', async () => {
      const { value, answer } = await issueToken(identity, ADMIN, projectScope('admin'));
      expect(value).toMatch(/^stk1_/);
      const t = answer.json.token;
      expect(Object.keys(t)).toEqual(['methods', 'user', 'audit_ids', 'expires_at', 'issued_at', 'project', 'is_domain', 'roles', 'catalog']);
      expect(t.methods).toEqual(['password']);
      expect(t.user).toEqual({ domain: { id: 'default', name: 'Default' }, id: expect.stringMatching(KEYSTONE_ID), name: 'admin', password_expires_at: null });
      expect(t.audit_ids).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)]);
      expect(t.expires_at).toMatch(INSTANT);
      expect(Date.parse(t.expires_at) - Date.parse(t.issued_at)).toBe(3600_000);
      expect(t.project).toEqual({ domain: { id: 'default', name: 'Default' }, id: expect.stringMatching(KEYSTONE_ID), name: 'admin' });
      expect(t.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
      const keystone = t.catalog.find((s: { type: string }) => s.type === 'identity');
      expect(keystone.name).toBe('keystone');
      expect(keystone.endpoints.map((e: { interface: string }) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
      expect(keystone.endpoints[0]).toMatchObject({ region: 'RegionOne', region_id: 'RegionOne', url: identity });
      expect(t.catalog.map((s: { type: string }) => s.type).sort()).toEqual(['compute', 'identity', 'image']);
    });

    it('drops the catalog with ?nocatalog, and an unscoped token has no roles', async () => {
      const nocatalog = await call('POST', `${identity}/auth/tokens?nocatalog`, { body: passwordAuth(ADMIN, projectScope('admin')) });
      expect(nocatalog.status).toBe(201);
      expect(nocatalog.json.token.catalog).toBeUndefined();
      const unscoped = await call('POST', `${identity}/auth/tokens`, { body: passwordAuth(ADMIN) });
      expect(unscoped.status).toBe(201);
      expect(Object.keys(unscoped.json.token)).toEqual(['methods', 'user', 'audit_ids', 'expires_at', 'issued_at']);
    });

    it('issues a system-scoped token to the admin', async () => {
      const answer = await call('POST', `${identity}/auth/tokens`, { body: passwordAuth(ADMIN, { system: { all: true } }) });
      expect(answer.status).toBe(201);
      expect(answer.json.token.system).toEqual({ all: true });
      expect(answer.json.token.project).toBeUndefined();
    });

    it('rescopes with the token method, keeping the expiry and chaining the audit ids', async () => {
      const first = await call('POST', `${identity}/auth/tokens`, { body: passwordAuth(ADMIN) });
      const rescoped = await call('POST', `${identity}/auth/tokens`, {
        body: { auth: { identity: { methods: ['token'], token: { id: first.headers['x-subject-token'] } }, scope: projectScope('admin') } },
      });
      expect(rescoped.status).toBe(201);
      expect(rescoped.json.token.methods).toEqual(['password', 'token']);
      expect(rescoped.json.token.audit_ids).toEqual([expect.any(String), first.json.token.audit_ids[0]]);
      expect(rescoped.json.token.expires_at).toBe(first.json.token.expires_at);
      expect(rescoped.json.token.project.name).toBe('admin');
    });

    it('answers 401 with the same text for a wrong password, an unknown user and a project without a role', async () => {
      for (const body of [
        passwordAuth({ name: 'admin', password: 'wrong' }, projectScope('admin')),
        passwordAuth({ name: 'nobody', password: 'x' }),
        passwordAuth(ADMIN, projectScope('nosuch')),
        passwordAuth(ADMIN, { domain: { id: 'default' } }),
      ]) {
        const answer = await call('POST', `${identity}/auth/tokens`, { body });
        expect(answer.status).toBe(401);
        expect(answer.json).toEqual(UNAUTHENTICATED);
        expect(answer.headers['www-authenticate']).toBe(`Keystone uri="${identity}"`);
      }
    });

    it('answers 400 in Keystone words for an unparsable body and a body without auth', async () => {
      const bad = await call('POST', `${identity}/auth/tokens`, { body: '{"auth":' });
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual(keystoneError(400, 'Bad Request', /^Expecting to find valid JSON in request body\./));
      const empty = await call('POST', `${identity}/auth/tokens`, { body: {} });
      expect(empty.status).toBe(400);
      expect(empty.json).toEqual(keystoneError(400, 'Bad Request', "'auth' is a required property"));
    });
  });

  describe('GET, HEAD and DELETE /auth/tokens', () => {
    it('validates a token (GET and HEAD) and echoes X-Subject-Token', async () => {
      const { value } = await issueToken(identity, ADMIN, projectScope('admin'));
      const got = await call('GET', `${identity}/auth/tokens?nocatalog`, { token: admin, headers: { 'X-Subject-Token': value } });
      expect(got.status).toBe(200);
      expect(got.headers['x-subject-token']).toBe(value);
      expect(got.json.token.project.name).toBe('admin');
      expect(got.json.token.catalog).toBeUndefined();
      const head = await call('HEAD', `${identity}/auth/tokens`, { token: admin, headers: { 'X-Subject-Token': value } });
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
    });

    it('answers 404 without a subject token and for an unknown one, 401 without X-Auth-Token', async () => {
      const missing = await call('GET', `${identity}/auth/tokens`, { token: admin });
      expect(missing.status).toBe(404);
      expect(missing.json).toEqual(keystoneError(404, 'Not Found', 'No token in the request'));
      const garbage = await call('GET', `${identity}/auth/tokens`, { token: admin, headers: { 'X-Subject-Token': 'garbage' } });
      expect(garbage.status).toBe(404);
      expect(garbage.json).toEqual(keystoneError(404, 'Not Found', 'Could not recognize Fernet token'));
      const anonymous = await call('GET', `${identity}/auth/tokens`, { headers: { 'X-Subject-Token': admin } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.json).toEqual(UNAUTHENTICATED);
    });

    it('revokes: 204, then the token is refused (401) and no longer validates (404)', async () => {
      const { value } = await issueToken(identity, ADMIN, projectScope('admin'));
      const revoked = await call('DELETE', `${identity}/auth/tokens`, { token: admin, headers: { 'X-Subject-Token': value } });
      expect(revoked.status).toBe(204);
      expect(revoked.text).toBe('');
      const used = await call('GET', `${identity}/projects`, { token: value });
      expect(used.status).toBe(401);
      expect(used.json).toEqual(UNAUTHENTICATED);
      const validated = await call('GET', `${identity}/auth/tokens`, { token: admin, headers: { 'X-Subject-Token': value } });
      expect(validated.status).toBe(404);
      expect(validated.json).toEqual(keystoneError(404, 'Not Found', 'Failed to validate token'));
    });

    it('lists the catalog, the projects and the domains of the token', async () => {
      const catalog = await call('GET', `${identity}/auth/catalog`, { token: admin });
      expect(catalog.status).toBe(200);
      expect(catalog.json.catalog).toHaveLength(3);
      expect(catalog.json.links).toEqual({ self: `${identity}/auth/catalog` });
      const projects = await call('GET', `${identity}/auth/projects`, { token: admin });
      expect(projects.json.projects.map((p: { name: string }) => p.name)).toEqual(['admin']);
      const domains = await call('GET', `${identity}/auth/domains`, { token: admin });
      expect(domains.status).toBe(200);
      expect(domains.json.domains).toEqual([]);
    });
  });

  describe('projects', () => {
    let projectId: string;

    it('creates a project (201, Keystone shape, no Location)', async () => {
      const answer = await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'p1', description: 'First project', enabled: true, options: {}, tags: ['alpha', 'beta'] } } });
      expect(answer.status).toBe(201);
      expect(answer.headers.location).toBeUndefined();
      projectId = answer.json.project.id;
      expect(projectId).toMatch(KEYSTONE_ID);
      expect(answer.json).toEqual({
        project: {
          id: projectId,
          name: 'p1',
          domain_id: 'default',
          description: 'First project',
          enabled: true,
          parent_id: 'default',
          is_domain: false,
          tags: ['alpha', 'beta'],
          options: {},
          links: { self: `${identity}/projects/${projectId}` },
        },
      });
    });

    it('refuses a duplicate name in the domain with 409, whatever the case', async () => {
      const answer = await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'P1' } } });
      expect(answer.status).toBe(409);
      expect(answer.json).toEqual(
        keystoneError(
          409,
          'Conflict',
          `Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is P1, project id ${projectId}.`,
        ),
      );
    });

    it('answers 400 for bad input and writes nothing', async () => {
      const cases: [unknown, string][] = [
        [{ project: { name: 5 } }, "Invalid input for field 'name': 5 is not of type 'string'"],
        [{ project: { name: 'x', enabled: 'yes' } }, 'Invalid input for field \'enabled\': "yes" is not of type \'boolean\''],
        [{ project: {} }, "'name' is a required property"],
        [{}, "'project' is a required property"],
      ];
      for (const [body, message] of cases) {
        const answer = await call('POST', `${identity}/projects`, { token: admin, body });
        expect(answer.status).toBe(400);
        expect(answer.json).toEqual(keystoneError(400, 'Bad Request', message));
      }
      const list = await call('GET', `${identity}/projects`, { token: admin });
      expect(list.json.projects.map((p: { name: string }) => p.name)).toEqual(['admin', 'p1']);
    });

    it('answers a retried create (same x-openstack-request-id) with the first outcome, creating nothing twice', async () => {
      const headers = { 'x-openstack-request-id': 'req-0b9f3a52-6c1e-4d7a-9d2e-2f4b8c6a1e07' };
      const first = await call('POST', `${identity}/projects`, { token: admin, headers, body: { project: { name: 'retried' } } });
      const again = await call('POST', `${identity}/projects`, { token: admin, headers, body: { project: { name: 'retried' } } });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.headers['x-openstack-request-id']).toBe(headers['x-openstack-request-id']);
      expect(again.json.project.id).toBe(first.json.project.id);
      expect((await call('GET', `${identity}/projects?name=retried`, { token: admin })).json.projects).toHaveLength(1);
      expect((await call('DELETE', `${identity}/projects/${first.json.project.id}`, { token: admin })).status).toBe(204);
    });

    it('lists with filters and Keystone links', async () => {
      const answer = await call('GET', `${identity}/projects?name=p1`, { token: admin });
      expect(answer.status).toBe(200);
      expect(answer.json.projects.map((p: { id: string }) => p.id)).toEqual([projectId]);
      expect(answer.json.links).toEqual({ next: null, self: `${identity}/projects?name=p1`, previous: null });
      expect((await call('GET', `${identity}/projects?enabled=false`, { token: admin })).json.projects).toEqual([]);
      expect((await call('GET', `${identity}/projects?domain_id=default`, { token: admin })).json.projects).toHaveLength(2);
    });

    it('shows by id and answers 404 for a name, as the CLI expects before it searches by name', async () => {
      expect((await call('GET', `${identity}/projects/${projectId}`, { token: admin })).json.project.name).toBe('p1');
      const byName = await call('GET', `${identity}/projects/p1`, { token: admin });
      expect(byName.status).toBe(404);
      expect(byName.json).toEqual(keystoneError(404, 'Not Found', 'Could not find project: p1.'));
    });

    it('updates with PATCH and frees the old name', async () => {
      const answer = await call('PATCH', `${identity}/projects/${projectId}`, { token: admin, body: { project: { name: 'p1-renamed', description: 'changed', enabled: false } } });
      expect(answer.status).toBe(200);
      expect(answer.json.project).toMatchObject({ id: projectId, name: 'p1-renamed', description: 'changed', enabled: false });
      const reuse = await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'p1' } } });
      expect(reuse.status).toBe(201);
      expect((await call('DELETE', `${identity}/projects/${reuse.json.project.id}`, { token: admin })).status).toBe(204);
    });

    it('keeps the name held after a rename that changes only case (projects and users)', async () => {
      expect((await call('PATCH', `${identity}/projects/${projectId}`, { token: admin, body: { project: { name: 'P1-RENAMED' } } })).status).toBe(200);
      const project = await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'p1-renamed' } } });
      expect(project.status).toBe(409);
      const user = (await call('POST', `${identity}/users`, { token: admin, body: { user: { name: 'casey', password: 'pw-casey' } } })).json.user.id;
      expect((await call('PATCH', `${identity}/users/${user}`, { token: admin, body: { user: { name: 'Casey' } } })).status).toBe(200);
      expect((await call('POST', `${identity}/users`, { token: admin, body: { user: { name: 'casey' } } })).status).toBe(409);
      expect((await call('DELETE', `${identity}/users/${user}`, { token: admin })).status).toBe(204);
    });

    it('deletes (204), then 404', async () => {
      const answer = await call('DELETE', `${identity}/projects/${projectId}`, { token: admin });
      expect(answer.status).toBe(204);
      const gone = await call('GET', `${identity}/projects/${projectId}`, { token: admin });
      expect(gone.status).toBe(404);
      expect(gone.json).toEqual(keystoneError(404, 'Not Found', `Could not find project: ${projectId}.`));
      expect((await call('DELETE', `${identity}/projects/${projectId}`, { token: admin })).status).toBe(404);
    });
  });

  describe('domains', () => {
    it('creates (201), refuses a duplicate (409), refuses deleting it enabled (403), disables and deletes it (204)', async () => {
      const created = await call('POST', `${identity}/domains`, { token: admin, body: { domain: { name: 'd1', description: 'dom one', enabled: true, options: {} } } });
      expect(created.status).toBe(201);
      const id = created.json.domain.id;
      expect(created.json).toEqual({ domain: { id, name: 'd1', description: 'dom one', enabled: true, tags: [], options: {}, links: { self: `${identity}/domains/${id}` } } });
      const dup = await call('POST', `${identity}/domains`, { token: admin, body: { domain: { name: 'D1' } } });
      expect(dup.status).toBe(409);
      expect(dup.json).toEqual(keystoneError(409, 'Conflict', 'Conflict occurred attempting to store project - it is not permitted to have two projects acting as domains with the same name: D1.'));
      const enabled = await call('DELETE', `${identity}/domains/${id}`, { token: admin });
      expect(enabled.status).toBe(403);
      expect(enabled.json).toEqual(keystoneError(403, 'Forbidden', 'Cannot delete a domain that is enabled, please disable it first.'));
      expect((await call('GET', `${identity}/domains?name=d1`, { token: admin })).json.domains.map((d: { id: string }) => d.id)).toEqual([id]);
      const disabled = await call('PATCH', `${identity}/domains/${id}`, { token: admin, body: { domain: { enabled: false } } });
      expect(disabled.json.domain.enabled).toBe(false);
      expect((await call('DELETE', `${identity}/domains/${id}`, { token: admin })).status).toBe(204);
      const gone = await call('GET', `${identity}/domains/${id}`, { token: admin });
      expect(gone.status).toBe(404);
      expect(gone.json).toEqual(keystoneError(404, 'Not Found', `Could not find domain: ${id}.`));
    });
  });

  describe('users, roles and policy', () => {
    let projectId: string;
    let userId: string;
    let memberRoleId: string;

    beforeAll(async () => {
      projectId = (await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'team' } } })).json.project.id;
      memberRoleId = (await call('GET', `${identity}/roles?name=member`, { token: admin })).json.roles[0].id;
    });

    it('creates a user (201) without ever returning the password', async () => {
      const answer = await call('POST', `${identity}/users`, {
        token: admin,
        body: { user: { name: 'u1', password: 'upw1', email: 'u1@example.com', description: 'user one', default_project_id: projectId, enabled: true, options: {} } },
      });
      expect(answer.status).toBe(201);
      userId = answer.json.user.id;
      expect(answer.json).toEqual({
        user: {
          email: 'u1@example.com',
          description: 'user one',
          id: userId,
          name: 'u1',
          domain_id: 'default',
          enabled: true,
          default_project_id: projectId,
          password_expires_at: null,
          options: {},
          links: { self: `${identity}/users/${userId}` },
        },
      });
      expect(answer.text).not.toContain('upw1');
    });

    it('refuses a duplicate user name with 409 and bad input with 400', async () => {
      const dup = await call('POST', `${identity}/users`, { token: admin, body: { user: { name: 'U1' } } });
      expect(dup.status).toBe(409);
      expect(dup.json).toEqual(keystoneError(409, 'Conflict', 'Conflict occurred attempting to store user - Duplicate entry found with name U1 at domain ID default.'));
      const bad = await call('POST', `${identity}/users`, { token: admin, body: { user: { name: 'u2', enabled: 1 } } });
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual(keystoneError(400, 'Bad Request', "Invalid input for field 'enabled': 1 is not of type 'boolean'"));
      const users = await call('GET', `${identity}/users`, { token: admin });
      expect(users.json.users.map((u: { name: string }) => u.name)).toEqual(['admin', 'u1']);
    });

    it('lists users with filters', async () => {
      const byName = await call('GET', `${identity}/users?name=u1&domain_id=default&enabled=true`, { token: admin });
      expect(byName.json.users.map((u: { id: string }) => u.id)).toEqual([userId]);
      expect((await call('GET', `${identity}/users?enabled=false`, { token: admin })).json.users).toEqual([]);
    });

    it('grants member on the project (204) and the member reads its project but is refused admin operations (403)', async () => {
      expect((await call('PUT', `${identity}/projects/${projectId}/users/${userId}/roles/${memberRoleId}`, { token: admin })).status).toBe(204);
      const member = await issueToken(identity, { name: 'u1', password: 'upw1' }, projectScope('team'));
      expect(member.answer.json.token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['member', 'reader']);

      expect((await call('GET', `${identity}/projects/${projectId}`, { token: member.value })).status).toBe(200);
      const create = await call('POST', `${identity}/projects`, { token: member.value, body: { project: { name: 'not-mine' } } });
      expect(create.status).toBe(403);
      expect(create.json).toEqual(keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: identity:create_project.'));
      const list = await call('GET', `${identity}/users`, { token: member.value });
      expect(list.status).toBe(403);
      expect(list.json).toEqual(keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: identity:list_users.'));
      const assignments = await call('GET', `${identity}/role_assignments?scope.project.id=${projectId}`, { token: admin });
      expect(assignments.json.role_assignments).toEqual([
        { links: { assignment: `${identity}/projects/${projectId}/users/${userId}/roles/${memberRoleId}` }, scope: { project: { id: projectId } }, user: { id: userId }, role: { id: memberRoleId } },
      ]);
    });

    it('a reader reads but is refused a write (403)', async () => {
      const readerRoleId = (await call('GET', `${identity}/roles?name=reader`, { token: admin })).json.roles[0].id;
      const reader = (await call('POST', `${identity}/users`, { token: admin, body: { user: { name: 'r1', password: 'rpw' } } })).json.user.id;
      expect((await call('PUT', `${identity}/projects/${projectId}/users/${reader}/roles/${readerRoleId}`, { token: admin })).status).toBe(204);
      const token = await issueToken(identity, { name: 'r1', password: 'rpw' }, projectScope('team'));
      expect(token.answer.json.token.roles.map((r: { name: string }) => r.name)).toEqual(['reader']);
      expect((await call('GET', `${identity}/projects/${projectId}`, { token: token.value })).status).toBe(200);
      const write = await call('PATCH', `${identity}/projects/${projectId}`, { token: token.value, body: { project: { description: 'mine now' } } });
      expect(write.status).toBe(403);
      expect(write.json).toEqual(keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: identity:update_project.'));
      expect((await call('DELETE', `${identity}/users/${reader}`, { token: admin })).status).toBe(204);
    });

    it('a token without a role on the project is refused at issue (401)', async () => {
      const answer = await call('POST', `${identity}/auth/tokens`, { body: passwordAuth({ name: 'u1', password: 'upw1' }, projectScope('admin')) });
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual(UNAUTHENTICATED);
    });

    it('changes its own password: 204, the old one and older tokens stop working, a wrong original is 401', async () => {
      const before = await issueToken(identity, { name: 'u1', password: 'upw1' }, projectScope('team'));
      const wrong = await call('POST', `${identity}/users/${userId}/password`, { token: before.value, body: { user: { password: 'x', original_password: 'nope' } } });
      expect(wrong.status).toBe(401);
      expect(wrong.json).toEqual(UNAUTHENTICATED);
      const changed = await call('POST', `${identity}/users/${userId}/password`, { token: before.value, body: { user: { password: 'upw2', original_password: 'upw1' } } });
      expect(changed.status).toBe(204);
      expect((await call('GET', `${identity}/users/${userId}`, { token: before.value })).status).toBe(401);
      expect((await call('POST', `${identity}/auth/tokens`, { body: passwordAuth({ name: 'u1', password: 'upw1' }) })).status).toBe(401);
      expect((await call('POST', `${identity}/auth/tokens`, { body: passwordAuth({ name: 'u1', password: 'upw2' }) })).status).toBe(201);
    });

    it('disables with PATCH (tokens die at once) and deletes (204, then 404)', async () => {
      const token = await issueToken(identity, { name: 'u1', password: 'upw2' }, projectScope('team'));
      const patched = await call('PATCH', `${identity}/users/${userId}`, { token: admin, body: { user: { enabled: false } } });
      expect(patched.status).toBe(200);
      expect(patched.json.user.enabled).toBe(false);
      expect((await call('GET', `${identity}/projects/${projectId}`, { token: token.value })).status).toBe(401);
      expect((await call('DELETE', `${identity}/users/${userId}`, { token: admin })).status).toBe(204);
      const gone = await call('GET', `${identity}/users/${userId}`, { token: admin });
      expect(gone.status).toBe(404);
      expect(gone.json).toEqual(keystoneError(404, 'Not Found', `Could not find user: ${userId}.`));
    });

    it('creates a role (201), refuses its name again (409), and deleting it drops its grants', async () => {
      const created = await call('POST', `${identity}/roles`, { token: admin, body: { role: { name: 'observer' } } });
      expect(created.status).toBe(201);
      const roleId = created.json.role.id;
      expect(created.json).toEqual({ role: { id: roleId, name: 'observer', domain_id: null, description: null, options: {}, links: { self: `${identity}/roles/${roleId}` } } });
      const dup = await call('POST', `${identity}/roles`, { token: admin, body: { role: { name: 'Observer' } } });
      expect(dup.status).toBe(409);
      expect(dup.json).toEqual(keystoneError(409, 'Conflict', 'Conflict occurred attempting to store role - Duplicate entry found with name Observer.'));
      const adminUserId = (await call('GET', `${identity}/users?name=admin`, { token: admin })).json.users[0].id;
      // Tempest's grant sends Content-Type: application/json with an empty body; Keystone accepts it.
      expect((await call('PUT', `${identity}/projects/${projectId}/users/${adminUserId}/roles/${roleId}`, { token: admin, body: '' })).status).toBe(204);
      expect((await call('HEAD', `${identity}/projects/${projectId}/users/${adminUserId}/roles/${roleId}`, { token: admin })).status).toBe(204);
      expect((await call('DELETE', `${identity}/roles/${roleId}`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/role_assignments?role.id=${roleId}`, { token: admin })).json.role_assignments).toEqual([]);
      expect((await call('GET', `${identity}/roles/${roleId}`, { token: admin })).status).toBe(404);
    });

    it('deleting a project drops the grants on it', async () => {
      const p = (await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'short-lived' } } })).json.project.id;
      const adminUserId = (await call('GET', `${identity}/users?name=admin`, { token: admin })).json.users[0].id;
      expect((await call('PUT', `${identity}/projects/${p}/users/${adminUserId}/roles/${memberRoleId}`, { token: admin })).status).toBe(204);
      expect((await call('DELETE', `${identity}/projects/${p}`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/role_assignments?scope.project.id=${p}`, { token: admin })).json.role_assignments).toEqual([]);
    });

    it('lists roles, regions, services and endpoints of the bootstrap', async () => {
      const roles = await call('GET', `${identity}/roles`, { token: admin });
      expect(roles.json.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'auditor', 'member', 'reader']);
      expect(roles.json.roles[0].options).toEqual({ immutable: true });
      expect((await call('GET', `${identity}/regions`, { token: admin })).json.regions.map((r: { id: string }) => r.id)).toEqual(['RegionOne']);
      expect((await call('GET', `${identity}/services`, { token: admin })).json.services).toHaveLength(6);
      const endpoints = await call('GET', `${identity}/endpoints?interface=public`, { token: admin });
      expect(endpoints.json.endpoints).toHaveLength(6);
      expect(endpoints.json.endpoints.map((e: { url: string }) => e.url)).toContain(identity);
    });
  });

  describe('application credentials', () => {
    it('creates one with a held role, authenticates with it (roles not expanded), and a restricted one cannot make another', async () => {
      const me = (await call('GET', `${identity}/auth/tokens`, { token: admin, headers: { 'X-Subject-Token': admin } })).json.token.user.id;
      const unheld = await call('POST', `${identity}/users/${me}/application_credentials`, { token: admin, body: { application_credential: { name: 'x', roles: [{ name: 'nosuch' }] } } });
      expect(unheld.status).toBe(400);
      expect(unheld.json).toEqual(keystoneError(400, 'Bad Request', 'Invalid application credential: Cannot create an application credential with unassigned role'));
      const created = await call('POST', `${identity}/users/${me}/application_credentials`, { token: admin, body: { application_credential: { name: 'ac', secret: 's3cret', roles: [{ name: 'member' }] } } });
      expect(created.status).toBe(201);
      const ac = created.json.application_credential;
      expect(ac).toMatchObject({ name: 'ac', user_id: me, system: null, expires_at: null, unrestricted: false, secret: 's3cret', links: { self: `${identity}/application_credentials/${ac.id}` } });
      expect(ac.roles.map((r: { name: string }) => r.name)).toEqual(['member']);
      const dup = await call('POST', `${identity}/users/${me}/application_credentials`, { token: admin, body: { application_credential: { name: 'ac' } } });
      expect(dup.status).toBe(409);

      const auth = { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: 's3cret' } } } };
      const issued = await call('POST', `${identity}/auth/tokens`, { body: auth });
      expect(issued.status).toBe(201);
      expect(issued.json.token.methods).toEqual(['application_credential']);
      expect(issued.json.token.roles.map((r: { name: string }) => r.name)).toEqual(['member']);
      expect(issued.json.token.application_credential).toEqual({ id: ac.id, name: 'ac', restricted: true });
      const acToken = String(issued.headers['x-subject-token']);
      const more = await call('POST', `${identity}/users/${me}/application_credentials`, { token: acToken, body: { application_credential: { name: 'ac2' } } });
      expect(more.status).toBe(403);
      expect(more.json.error.message).toBe("You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials..");
      const scoped = await call('POST', `${identity}/auth/tokens`, { body: { auth: { ...auth.auth, scope: projectScope('admin') } } });
      expect(scoped.status).toBe(401);
      expect(scoped.json.error.message).toBe('Error authenticating with application credential: Application credentials cannot request a scope.');
      expect((await call('POST', `${identity}/auth/tokens`, { body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: 'wrong' } } } } })).status).toBe(401);

      expect((await call('DELETE', `${identity}/users/${me}/application_credentials/${ac.id}`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/projects`, { token: acToken })).status).toBe(401);
    });
  });

  describe('updates (PATCH) of roles, groups, regions, services and endpoints; region create by id (PUT)', () => {
    it('renames a role (200, Keystone shape), frees the old name, refuses a taken one (409), 404 for an unknown id, 400 for bad input', async () => {
      const roleId = (await call('POST', `${identity}/roles`, { token: admin, body: { role: { name: 'editor' } } })).json.role.id;
      const patched = await call('PATCH', `${identity}/roles/${roleId}`, { token: admin, body: { role: { name: 'proofreader', description: 'reads the logs' } } });
      expect(patched.status).toBe(200);
      expect(Object.keys(patched.json.role)).toEqual(['id', 'name', 'domain_id', 'description', 'options', 'links']);
      expect(patched.json).toEqual({ role: { id: roleId, name: 'proofreader', domain_id: null, description: 'reads the logs', options: {}, links: { self: `${identity}/roles/${roleId}` } } });
      expect((await call('GET', `${identity}/roles/${roleId}`, { token: admin })).json.role.name).toBe('proofreader');
      const reuse = await call('POST', `${identity}/roles`, { token: admin, body: { role: { name: 'editor' } } });
      expect(reuse.status).toBe(201);

      const taken = await call('PATCH', `${identity}/roles/${reuse.json.role.id}`, { token: admin, body: { role: { name: 'Auditor' } } });
      expect(taken.status).toBe(409);
      expect(taken.json).toEqual(keystoneError(409, 'Conflict', 'Conflict occurred attempting to store role - Duplicate entry found with name Auditor.'));
      expect((await call('GET', `${identity}/roles/${reuse.json.role.id}`, { token: admin })).json.role.name).toBe('editor');

      const missing = await call('PATCH', `${identity}/roles/nosuch`, { token: admin, body: { role: { name: 'x' } } });
      expect(missing.status).toBe(404);
      expect(missing.json).toEqual(keystoneError(404, 'Not Found', 'Could not find role: nosuch.'));
      const bad = await call('PATCH', `${identity}/roles/${roleId}`, { token: admin, body: { role: { name: 5 } } });
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual(keystoneError(400, 'Bad Request', "Invalid input for field 'name': 5 is not of type 'string'"));

      for (const id of [roleId, reuse.json.role.id]) expect((await call('DELETE', `${identity}/roles/${id}`, { token: admin })).status).toBe(204);
    });

    it('renames a group (200), a case-only rename keeps its name, a taken name is 409, an unknown id 404', async () => {
      const g1 = (await call('POST', `${identity}/groups`, { token: admin, body: { group: { name: 'g1' } } })).json.group.id;
      const g2 = (await call('POST', `${identity}/groups`, { token: admin, body: { group: { name: 'g2' } } })).json.group.id;
      const patched = await call('PATCH', `${identity}/groups/${g1}`, { token: admin, body: { group: { name: 'ops', description: 'operators' } } });
      expect(patched.status).toBe(200);
      expect(patched.json).toEqual({ group: { id: g1, name: 'ops', domain_id: 'default', description: 'operators', links: { self: `${identity}/groups/${g1}` } } });
      const reuse = await call('POST', `${identity}/groups`, { token: admin, body: { group: { name: 'g1' } } });
      expect(reuse.status).toBe(201);

      expect((await call('PATCH', `${identity}/groups/${g1}`, { token: admin, body: { group: { name: 'Ops' } } })).json.group.name).toBe('Ops');
      const again = await call('POST', `${identity}/groups`, { token: admin, body: { group: { name: 'ops' } } });
      expect(again.status).toBe(409);

      const taken = await call('PATCH', `${identity}/groups/${g2}`, { token: admin, body: { group: { name: 'OPS' } } });
      expect(taken.status).toBe(409);
      expect(taken.json).toEqual(keystoneError(409, 'Conflict', 'Conflict occurred attempting to store group - Duplicate entry found with name OPS at domain ID default.'));
      const missing = await call('PATCH', `${identity}/groups/nosuch`, { token: admin, body: { group: { name: 'x' } } });
      expect(missing.status).toBe(404);
      expect(missing.json).toEqual(keystoneError(404, 'Not Found', 'Could not find group: nosuch.'));

      for (const id of [g1, g2, reuse.json.group.id]) expect((await call('DELETE', `${identity}/groups/${id}`, { token: admin })).status).toBe(204);
    });

    it('creates a region with the id in the path (PUT, 201), updates it (PATCH, 200), refuses a cycle (400), an unknown id (404)', async () => {
      const created = await call('PUT', `${identity}/regions/RegionTwo`, { token: admin, body: { region: { description: 'two' } } });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBeUndefined();
      expect(created.json).toEqual({ region: { id: 'RegionTwo', description: 'two', parent_region_id: null, links: { self: `${identity}/regions/RegionTwo` } } });
      const dup = await call('PUT', `${identity}/regions/RegionTwo`, { token: admin, body: { region: {} } });
      expect(dup.status).toBe(409);
      expect(dup.json).toEqual(keystoneError(409, 'Conflict', 'Conflict occurred attempting to store region - Duplicate ID, RegionTwo.'));
      const conflicting = await call('PUT', `${identity}/regions/RegionThree`, { token: admin, body: { region: { id: 'RegionFour' } } });
      expect(conflicting.status).toBe(400);
      expect(conflicting.json).toEqual(keystoneError(400, 'Bad Request', 'Conflicting region IDs specified: "RegionThree" != "RegionFour"'));

      const patched = await call('PATCH', `${identity}/regions/RegionTwo`, { token: admin, body: { region: { description: 'second', parent_region_id: 'RegionOne' } } });
      expect(patched.status).toBe(200);
      expect(patched.json).toEqual({ region: { id: 'RegionTwo', description: 'second', parent_region_id: 'RegionOne', links: { self: `${identity}/regions/RegionTwo` } } });
      const cycle = await call('PATCH', `${identity}/regions/RegionOne`, { token: admin, body: { region: { parent_region_id: 'RegionTwo' } } });
      expect(cycle.status).toBe(400);
      expect(cycle.json).toEqual(keystoneError(400, 'Bad Request', 'The specified parent region RegionTwo would create a circular region hierarchy.'));
      const missing = await call('PATCH', `${identity}/regions/nosuch`, { token: admin, body: { region: { description: 'x' } } });
      expect(missing.status).toBe(404);
      expect(missing.json).toEqual(keystoneError(404, 'Not Found', 'Could not find region: nosuch.'));

      expect((await call('DELETE', `${identity}/regions/RegionTwo`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/regions/RegionThree`, { token: admin })).status).toBe(404);
    });

    it('updates a service and its endpoint (200, Keystone shapes), 404 for unknown ids, 400 for bad input', async () => {
      const serviceId = (await call('POST', `${identity}/services`, { token: admin, body: { service: { type: 'dns', name: 'designate' } } })).json.service.id;
      const service = await call('PATCH', `${identity}/services/${serviceId}`, { token: admin, body: { service: { name: 'dns2', description: 'DNS', enabled: false } } });
      expect(service.status).toBe(200);
      expect(Object.keys(service.json.service)).toEqual(['name', 'description', 'id', 'type', 'enabled', 'links']);
      expect(service.json).toEqual({ service: { name: 'dns2', description: 'DNS', id: serviceId, type: 'dns', enabled: false, links: { self: `${identity}/services/${serviceId}` } } });
      const badService = await call('PATCH', `${identity}/services/${serviceId}`, { token: admin, body: { service: { enabled: 'no' } } });
      expect(badService.status).toBe(400);
      expect(badService.json).toEqual(keystoneError(400, 'Bad Request', 'Invalid input for field \'enabled\': "no" is not of type \'boolean\''));
      const noService = await call('PATCH', `${identity}/services/nosuch`, { token: admin, body: { service: { name: 'x' } } });
      expect(noService.status).toBe(404);
      expect(noService.json).toEqual(keystoneError(404, 'Not Found', 'Could not find service: nosuch.'));

      const endpointId = (
        await call('POST', `${identity}/endpoints`, { token: admin, body: { endpoint: { service_id: serviceId, interface: 'public', url: 'http://dns.example:9001', region_id: 'RegionOne' } } })
      ).json.endpoint.id;
      const endpoint = await call('PATCH', `${identity}/endpoints/${endpointId}`, { token: admin, body: { endpoint: { interface: 'internal', url: 'http://dns.internal:9001', enabled: false } } });
      expect(endpoint.status).toBe(200);
      expect(Object.keys(endpoint.json.endpoint)).toEqual(['id', 'interface', 'region_id', 'service_id', 'url', 'enabled', 'region', 'links']);
      expect(endpoint.json).toEqual({
        endpoint: {
          id: endpointId,
          interface: 'internal',
          region_id: 'RegionOne',
          service_id: serviceId,
          url: 'http://dns.internal:9001',
          enabled: false,
          region: 'RegionOne',
          links: { self: `${identity}/endpoints/${endpointId}` },
        },
      });
      const badInterface = await call('PATCH', `${identity}/endpoints/${endpointId}`, { token: admin, body: { endpoint: { interface: 'private' } } });
      expect(badInterface.status).toBe(400);
      expect(badInterface.json).toEqual(keystoneError(400, 'Bad Request', "Invalid input for field 'interface': \"private\" is not one of ['admin', 'internal', 'public']"));
      const noRegion = await call('PATCH', `${identity}/endpoints/${endpointId}`, { token: admin, body: { endpoint: { region_id: 'nowhere' } } });
      expect(noRegion.status).toBe(404);
      expect(noRegion.json).toEqual(keystoneError(404, 'Not Found', 'Could not find region: nowhere.'));
      const noEndpoint = await call('PATCH', `${identity}/endpoints/nosuch`, { token: admin, body: { endpoint: { enabled: true } } });
      expect(noEndpoint.status).toBe(404);
      expect(noEndpoint.json).toEqual(keystoneError(404, 'Not Found', 'Could not find endpoint: nosuch.'));

      expect((await call('DELETE', `${identity}/services/${serviceId}`, { token: admin })).status).toBe(204);
      expect((await call('GET', `${identity}/endpoints/${endpointId}`, { token: admin })).status).toBe(404);
    });

    it('refuses updates to a member (403)', async () => {
      await call('POST', `${identity}/users`, { token: admin, body: { user: { name: 'patcher', password: 'ppw' } } });
      const projectId = (await call('GET', `${identity}/projects?name=admin`, { token: admin })).json.projects[0].id;
      const userId = (await call('GET', `${identity}/users?name=patcher`, { token: admin })).json.users[0].id;
      const memberRoleId = (await call('GET', `${identity}/roles?name=member`, { token: admin })).json.roles[0].id;
      expect((await call('PUT', `${identity}/projects/${projectId}/users/${userId}/roles/${memberRoleId}`, { token: admin })).status).toBe(204);
      const member = (await issueToken(identity, { name: 'patcher', password: 'ppw' }, projectScope('admin'))).value;
      const refused = await call('PATCH', `${identity}/roles/${memberRoleId}`, { token: member, body: { role: { description: 'x' } } });
      expect(refused.status).toBe(403);
      expect(refused.json).toEqual(keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: identity:update_role.'));
      expect((await call('PATCH', `${identity}/regions/RegionOne`, { token: member, body: { region: { description: 'x' } } })).status).toBe(403);
      expect((await call('DELETE', `${identity}/users/${userId}`, { token: admin })).status).toBe(204);
    });
  });

  describe('bootstrap on the next start', () => {
    it('appends nothing twice: same roles, services, endpoints and admin after a restart', async () => {
      strata!.child.kill('SIGTERM');
      expect(await exitWithin(strata!, 60_000)).toEqual({ code: 0, signal: null });
      strata = spawnStrata(['start'], env(port));
      await waitReady(base, strata);
      const token = (await issueToken(identity, ADMIN, projectScope('admin'))).value;
      // admin, member, reader and Strata's auditor
      expect((await call('GET', `${identity}/roles`, { token })).json.roles).toHaveLength(4);
      expect((await call('GET', `${identity}/endpoints`, { token })).json.endpoints).toHaveLength(18);
      expect((await call('GET', `${identity}/users?name=admin`, { token })).json.users).toHaveLength(1);
      expect((await call('GET', `${identity}/role_assignments?scope.system`, { token })).json.role_assignments).toHaveLength(1);
      // A token issued before the restart still validates: the index is rebuilt from the log.
      expect((await call('GET', `${identity}/projects`, { token: admin })).status).toBe(200);
    });
  });
});
