import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitReady } from '../e2e/support/strata-process';
import { Answer, call, issueToken, keystoneError, projectScope } from './support/identity-http';

const ADMIN = { name: 'admin', password: 'admin-secret' };
const TRUSTOR = { name: 'trustor', password: 'trustor-secret' };
const TRUSTEE = { name: 'trustee', password: 'trustee-secret' };
const OUTSIDER = { name: 'outsider', password: 'outsider-secret' };

/** POST /v3/auth/tokens by the trustee, scoped to a trust. */
const trustAuth = (user: { name: string; password: string }, trustId: unknown) => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name: user.name, domain: { id: 'default' }, password: user.password } } },
    scope: { 'OS-TRUST:trust': trustId },
  },
});

describe('Keystone OS-TRUST on strata start', () => {
  const { root, dataDir } = tempDataDir();
  let strata: StrataProcess | undefined;
  let identity: string;
  let admin: string;
  let trustor: string;
  let ids: { project: string; trustor: string; trustee: string; outsider: string; member: string; admin: string; manager: string };

  const post = (url: string, token: string, body: unknown) => call('POST', `${identity}${url}`, { token, body });
  const get = (url: string, token: string) => call('GET', `${identity}${url}`, { token });
  const idOf = (a: Answer, key: string) => {
    if (a.status >= 300) throw new Error(`${key}: ${a.status} ${a.text}`);
    return a.json[key].id as string;
  };
  const createTrust = async (extra: Record<string, unknown> = {}) =>
    post('/OS-TRUST/trusts', trustor, {
      trust: { trustor_user_id: ids.trustor, trustee_user_id: ids.trustee, project_id: ids.project, impersonation: true, roles: [{ name: 'member' }], ...extra },
    });

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    identity = `${base}/identity/v3`;
    strata = spawnStrata(['start'], { STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_ADMIN_PASSWORD: ADMIN.password });
    await waitReady(base, strata);
    admin = (await issueToken(identity, ADMIN, projectScope('admin'))).value;
    const project = idOf(await post('/projects', admin, { project: { name: 'delegated', domain_id: 'default' } }), 'project');
    const user = async (u: { name: string; password: string }) => idOf(await post('/users', admin, { user: { ...u, domain_id: 'default' } }), 'user');
    const roles = (await get('/roles', admin)).json.roles as { id: string; name: string }[];
    const manager = idOf(await post('/roles', admin, { role: { name: 'manager' } }), 'role');
    ids = {
      project,
      trustor: await user(TRUSTOR),
      trustee: await user(TRUSTEE),
      outsider: await user(OUTSIDER),
      member: roles.find((r) => r.name === 'member')!.id,
      admin: roles.find((r) => r.name === 'admin')!.id,
      manager,
    };
    for (const [userId, roleId] of [
      [ids.trustor, ids.member],
      [ids.trustor, ids.manager],
      [ids.trustee, ids.member],
      [ids.outsider, ids.member],
    ]) {
      expect((await call('PUT', `${identity}/projects/${project}/users/${userId}/roles/${roleId}`, { token: admin })).status).toBe(204);
    }
    trustor = (await issueToken(identity, TRUSTOR, projectScope('delegated'))).value;
  }, 120_000);

  afterAll(async () => {
    await killAll(strata, path.join(dataDir, 'pg'));
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('POST /OS-TRUST/trusts', () => {
    it('creates a trust whose roles are the named ones, with Keystone fields and links', async () => {
      const expires = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const answer = await createTrust({ expires_at: expires });
      expect(answer.status).toBe(201);
      const t = answer.json.trust;
      expect(t).toMatchObject({
        trustor_user_id: ids.trustor,
        trustee_user_id: ids.trustee,
        project_id: ids.project,
        impersonation: true,
        remaining_uses: null,
        redelegation_count: 0,
        expires_at: expires.replace(/Z$/, '.000000Z'),
        links: { self: `${identity}/OS-TRUST/trusts/${t.id}` },
        roles_links: { self: `${identity}/OS-TRUST/trusts/${t.id}/roles`, next: null, previous: null },
      });
      expect(t.roles).toEqual([expect.objectContaining({ id: ids.member, name: 'member', links: { self: `${identity}/roles/${ids.member}` } })]);
      const shown = await get(`/OS-TRUST/trusts/${t.id}`, trustor);
      expect(shown.status).toBe(200);
      expect(shown.json.trust).toEqual(t);
    });

    it('answers 400 to an expiry that is not a timestamp, and 400 to one in the past', async () => {
      expect((await createTrust({ expires_at: 'bad.123Z' })).json).toEqual(keystoneError(400, 'Bad Request', /^Timestamp not in expected format\./));
      expect((await createTrust({ expires_at: '2001-01-01T00:00:00Z' })).json).toEqual(keystoneError(400, 'Bad Request', /^The 'expires_at' must not be before now\./));
    });

    it('answers 403 when the caller is not the trustor', async () => {
      const outsider = (await issueToken(identity, OUTSIDER, projectScope('delegated'))).value;
      const answer = await post('/OS-TRUST/trusts', outsider, {
        trust: { trustor_user_id: ids.trustor, trustee_user_id: ids.trustee, project_id: ids.project, impersonation: false, roles: [{ name: 'member' }] },
      });
      expect(answer.status).toBe(403);
    });

    it('answers 404 for a role the trustor does not hold on the project', async () => {
      const answer = await createTrust({ roles: [{ id: ids.admin }] });
      expect(answer.json).toEqual(keystoneError(404, 'Not Found', `Could not find role: ${ids.admin}.`));
    });

    it('answers 400 to a request without impersonation', async () => {
      const answer = await post('/OS-TRUST/trusts', trustor, { trust: { trustor_user_id: ids.trustor, trustee_user_id: ids.trustee } });
      expect(answer.status).toBe(400);
    });
  });

  describe('trust roles', () => {
    it('lists, shows and checks the delegated role and 404s the one kept back', async () => {
      const id = idOf(await createTrust(), 'trust');
      const listed = await get(`/OS-TRUST/trusts/${id}/roles`, trustor);
      expect(listed.json.roles.map((r: { id: string }) => r.id)).toEqual([ids.member]);
      expect((await get(`/OS-TRUST/trusts/${id}/roles/${ids.member}`, trustor)).json.role).toMatchObject({ id: ids.member, name: 'member' });
      expect((await call('HEAD', `${identity}/OS-TRUST/trusts/${id}/roles/${ids.member}`, { token: trustor })).status).toBe(200);
      expect((await get(`/OS-TRUST/trusts/${id}/roles/${ids.manager}`, trustor)).status).toBe(404);
      expect((await call('HEAD', `${identity}/OS-TRUST/trusts/${id}/roles/${ids.manager}`, { token: trustor })).status).toBe(404);
    });
  });

  describe('GET /OS-TRUST/trusts', () => {
    it('lets the trustor filter by trustor, admin list all, and refuses an outsider', async () => {
      const id = idOf(await createTrust({ impersonation: false }), 'trust');
      const mine = await get(`/OS-TRUST/trusts?trustor_user_id=${ids.trustor}`, trustor);
      expect(mine.status).toBe(200);
      const summary = mine.json.trusts.find((t: { id: string }) => t.id === id);
      expect(summary).toMatchObject({ impersonation: false, trustee_user_id: ids.trustee });
      expect(summary.roles).toBeUndefined();
      expect((await get('/OS-TRUST/trusts', admin)).json.trusts.map((t: { id: string }) => t.id)).toContain(id);
      expect((await get('/OS-TRUST/trusts', trustor)).status).toBe(403);
      const outsider = (await issueToken(identity, OUTSIDER, projectScope('delegated'))).value;
      expect((await get(`/OS-TRUST/trusts?trustor_user_id=${ids.trustor}`, outsider)).status).toBe(403);
      expect((await get(`/OS-TRUST/trusts/${id}`, outsider)).status).toBe(403);
    });
  });

  describe('trust-scoped tokens', () => {
    it('impersonates the trustor with the trust roles, spends each use, then answers 401', async () => {
      const trust = (await createTrust({ remaining_uses: 2 })).json.trust;
      for (const left of [1, 0]) {
        const answer = await call('POST', `${identity}/auth/tokens`, { body: trustAuth(TRUSTEE, { id: trust.id }) });
        expect(answer.status).toBe(201);
        const t = answer.json.token;
        expect(t['OS-TRUST:trust']).toEqual({ id: trust.id, impersonation: true, trustor_user: { id: ids.trustor }, trustee_user: { id: ids.trustee } });
        expect(t.user.id).toBe(ids.trustor);
        expect(t.project.id).toBe(ids.project);
        // member implies reader; the manager role the trustor kept back is absent.
        expect(t.roles.map((r: { name: string }) => r.name).sort()).toEqual(['member', 'reader']);
        if (left > 0) expect((await get(`/OS-TRUST/trusts/${trust.id}`, trustor)).json.trust.remaining_uses).toBe(left);
      }
      expect((await get(`/OS-TRUST/trusts/${trust.id}`, trustor)).status).toBe(404);
      const spent = await call('POST', `${identity}/auth/tokens`, { body: trustAuth(TRUSTEE, { id: trust.id }) });
      expect(spent.json).toEqual(keystoneError(401, 'Unauthorized', `Could not find trust: ${trust.id}.`));
    });

    it('shows the trustee as the user without impersonation, and refuses anyone but the trustee', async () => {
      const id = idOf(await createTrust({ impersonation: false }), 'trust');
      const answer = await call('POST', `${identity}/auth/tokens`, { body: trustAuth(TRUSTEE, { id }) });
      expect(answer.json.token.user.id).toBe(ids.trustee);
      expect(answer.json.token.is_domain).toBeUndefined();
      expect((await call('POST', `${identity}/auth/tokens`, { body: trustAuth(OUTSIDER, { id }) })).status).toBe(403);
    });

    it('answers 400 to a trust scope that is not an object', async () => {
      expect((await call('POST', `${identity}/auth/tokens`, { body: trustAuth(TRUSTEE, '') })).status).toBe(400);
    });

    it('refuses to exchange a trust-scoped token for another token', async () => {
      const id = idOf(await createTrust(), 'trust');
      const token = String((await call('POST', `${identity}/auth/tokens`, { body: trustAuth(TRUSTEE, { id }) })).headers['x-subject-token']);
      const answer = await call('POST', `${identity}/auth/tokens`, { body: { auth: { identity: { methods: ['token'], token: { id: token } }, scope: projectScope('delegated') } } });
      expect(answer.status).toBe(403);
    });

    it('revokes its tokens the moment the trust is deleted', async () => {
      const id = idOf(await createTrust(), 'trust');
      const token = String((await call('POST', `${identity}/auth/tokens`, { body: trustAuth(TRUSTEE, { id }) })).headers['x-subject-token']);
      const check = () => call('GET', `${identity}/auth/tokens`, { token: admin, headers: { 'X-Subject-Token': token } });
      expect((await check()).status).toBe(200);
      expect((await call('DELETE', `${identity}/OS-TRUST/trusts/${id}`, { token: trustor })).status).toBe(204);
      expect((await check()).status).toBe(404);
      expect((await get(`/OS-TRUST/trusts/${id}`, trustor)).status).toBe(404);
      expect((await call('DELETE', `${identity}/OS-TRUST/trusts/${id}`, { token: trustor })).status).toBe(404);
    });
  });
});
