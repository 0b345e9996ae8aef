import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitReady } from '../e2e/support/strata-process';
import { call, issueToken, keystoneError, projectScope } from './support/identity-http';

const ADMIN = { name: 'admin', password: 'admin-secret' };
const USER = { name: 'u-grants', password: 'pw-grants', domain: 'd-grants' };

/**
 * Keystone's assignment API on `strata start`: grants on projects, domains and the system, OS-INHERIT,
 * domain-specific roles, implied roles, GET /role_assignments (direct and effective) and role deletion
 * cascading as events. Shapes follow test/fixtures/keystone (real Keystone captures).
 */
describe('Identity grants and role assignments (Keystone v3) on strata start', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  let strata: StrataProcess | undefined;
  let identity: string;
  let admin: string;
  const ids: Record<string, string> = {};

  const as = (token: string) => ({
    get: (p: string) => call('GET', `${identity}${p}`, { token }),
    head: (p: string) => call('HEAD', `${identity}${p}`, { token }),
    put: (p: string, headers: Record<string, string> = {}) => call('PUT', `${identity}${p}`, { token, headers }),
    del: (p: string, headers: Record<string, string> = {}) => call('DELETE', `${identity}${p}`, { token, headers }),
    post: (p: string, body: unknown) => call('POST', `${identity}${p}`, { token, body }),
  });
  const api = () => as(admin);

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    identity = `${base}/identity/v3`;
    strata = spawnStrata(['start'], { STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_ADMIN_PASSWORD: ADMIN.password });
    await waitReady(base, strata);
    admin = (await issueToken(identity, ADMIN, projectScope('admin'))).value;
    const a = api();
    ids.domain = (await a.post('/domains', { domain: { name: 'd-grants' } })).json.domain.id;
    ids.otherDomain = (await a.post('/domains', { domain: { name: 'd-other' } })).json.domain.id;
    ids.project = (await a.post('/projects', { project: { name: 'p-top', domain_id: ids.domain } })).json.project.id;
    ids.leaf = (await a.post('/projects', { project: { name: 'p-leaf', domain_id: ids.domain, parent_id: ids.project } })).json.project.id;
    ids.user = (await a.post('/users', { user: { name: 'u-grants', password: 'pw-grants', domain_id: ids.domain } })).json.user.id;
    ids.group = (await a.post('/groups', { group: { name: 'g-grants', domain_id: ids.domain } })).json.group.id;
    for (const name of ['r-one', 'r-two', 'r-three']) ids[name] = (await a.post('/roles', { role: { name } })).json.role.id;
    ids.member = (await a.get('/roles?name=member')).json.roles[0].id;
  });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('grants, lists, checks and revokes on projects, domains and the system, for users and groups', async () => {
    const a = api();
    const role = ids['r-one'];
    const grants = [
      `/projects/${ids.project}/users/${ids.user}/roles`,
      `/projects/${ids.project}/groups/${ids.group}/roles`,
      `/domains/${ids.domain}/users/${ids.user}/roles`,
      `/domains/${ids.domain}/groups/${ids.group}/roles`,
      `/system/users/${ids.user}/roles`,
      `/system/groups/${ids.group}/roles`,
    ];
    for (const g of grants) {
      expect([g, (await a.put(`${g}/${role}`)).status]).toEqual([g, 204]);
      const list = await a.get(g);
      expect(list.status).toBe(200);
      expect(list.json).toEqual({
        roles: [{ id: role, name: 'r-one', domain_id: null, description: null, options: {}, links: { self: `${identity}/roles/${role}` } }],
        links: { next: null, self: `${identity}${g}`, previous: null },
      });
      expect((await a.head(`${g}/${role}`)).status).toBe(204);
      expect((await a.get(`${g}/${role}`)).status).toBe(204);
      expect((await a.del(`${g}/${role}`)).status).toBe(204);
      const gone = await a.head(`${g}/${role}`);
      expect([gone.status, gone.text]).toEqual([404, '']);
      expect((await a.get(g)).json.roles).toEqual([]);
    }
    const again = await a.del(`${grants[0]}/${role}`);
    expect(again.json).toEqual(keystoneError(404, 'Not Found', `Could not find role assignment with role: ${role}, user or group: ${ids.user}, project, domain, or system: ${ids.project}.`));
    expect((await a.put(`${grants[0]}/nosuchrole`)).json).toEqual(keystoneError(404, 'Not Found', 'Could not find role: nosuchrole.'));
    expect((await a.put(`/projects/nosuch/users/${ids.user}/roles/${role}`)).json).toEqual(keystoneError(404, 'Not Found', 'Could not find project: nosuch.'));
    expect((await a.put(`/domains/${ids.domain}/groups/nosuch/roles/${role}`)).json).toEqual(keystoneError(404, 'Not Found', 'Could not find group: nosuch.'));
  });

  it('refuses grants to a member or reader (403) and writes nothing', async () => {
    const a = api();
    expect((await a.put(`/projects/${ids.project}/users/${ids.user}/roles/${ids.member}`)).status).toBe(204);
    const member = await issueToken(identity, USER, { project: { id: ids.project } });
    const refused = await as(member.value).put(`/projects/${ids.project}/users/${ids.user}/roles/${ids['r-two']}`);
    expect(refused.json).toEqual(keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: identity:create_grant.'));
    expect((await as(member.value).get(`/projects/${ids.project}/users/${ids.user}/roles`)).status).toBe(403);
    expect((await a.get(`/projects/${ids.project}/users/${ids.user}/roles`)).json.roles.map((r: { name: string }) => r.name)).toEqual(['member']);
    expect((await a.del(`/projects/${ids.project}/users/${ids.user}/roles/${ids.member}`)).status).toBe(204);
  });

  it('OS-INHERIT: a domain grant reaches every project below it in the effective list, not the domain itself', async () => {
    const a = api();
    const role = ids['r-two'];
    const inherited = `/OS-INHERIT/domains/${ids.domain}/users/${ids.user}/roles`;
    expect((await a.put(`${inherited}/${role}/inherited_to_projects`)).status).toBe(204);
    expect((await a.get(`${inherited}/inherited_to_projects`)).json.roles.map((r: { id: string }) => r.id)).toEqual([role]);
    expect((await a.head(`${inherited}/${role}/inherited_to_projects`)).status).toBe(204);
    // Not a direct grant on the domain.
    expect((await a.head(`/domains/${ids.domain}/users/${ids.user}/roles/${role}`)).status).toBe(404);

    const direct = await a.get(`/role_assignments?user.id=${ids.user}`);
    expect(direct.json.role_assignments).toEqual([
      {
        links: { assignment: `${identity}/OS-INHERIT/domains/${ids.domain}/users/${ids.user}/roles/${role}/inherited_to_projects` },
        scope: { domain: { id: ids.domain }, 'OS-INHERIT:inherited_to': 'projects' },
        user: { id: ids.user },
        role: { id: role },
      },
    ]);
    const onLeaf = await a.get(`/role_assignments?effective&user.id=${ids.user}&scope.project.id=${ids.leaf}`);
    expect(onLeaf.json.role_assignments).toEqual([
      {
        links: { assignment: `${identity}/OS-INHERIT/domains/${ids.domain}/users/${ids.user}/roles/${role}/inherited_to_projects` },
        scope: { project: { id: ids.leaf }, 'OS-INHERIT:inherited_to': 'projects' },
        user: { id: ids.user },
        role: { id: role },
      },
    ]);
    expect((await a.get(`/role_assignments?effective&user.id=${ids.user}&scope.domain.id=${ids.domain}`)).json.role_assignments).toEqual([]);
    expect((await a.get(`/role_assignments?scope.OS-INHERIT:inherited_to=projects&scope.domain.id=${ids.domain}`)).json.role_assignments).toHaveLength(1);
    expect((await a.del(`${inherited}/${role}/inherited_to_projects`)).status).toBe(204);
    expect((await a.get(`/role_assignments?effective&user.id=${ids.user}&scope.project.id=${ids.leaf}`)).json.role_assignments).toEqual([]);

    // A project's inherited grant reaches its subtree only.
    const onProject = `/OS-INHERIT/projects/${ids.project}/groups/${ids.group}/roles/${role}/inherited_to_projects`;
    expect((await a.put(`/groups/${ids.group}/users/${ids.user}`)).status).toBe(204);
    expect((await a.put(onProject)).status).toBe(204);
    const effective = (await a.get(`/role_assignments?effective&user.id=${ids.user}`)).json.role_assignments;
    expect(effective).toEqual([
      {
        links: {
          assignment: `${identity}/OS-INHERIT/projects/${ids.project}/groups/${ids.group}/roles/${role}/inherited_to_projects`,
          membership: `${identity}/groups/${ids.group}/users/${ids.user}`,
        },
        scope: { project: { id: ids.leaf }, 'OS-INHERIT:inherited_to': 'projects' },
        user: { id: ids.user },
        role: { id: role },
      },
    ]);
    expect((await a.del(onProject)).status).toBe(204);
    expect((await a.del(`/groups/${ids.group}/users/${ids.user}`)).status).toBe(204);
  });

  it('refuses useless role_assignments filters as Keystone does (400)', async () => {
    const a = api();
    const cases: [string, string][] = [
      [`?scope.project.id=${ids.project}&scope.domain.id=${ids.domain}`, 'Specify a domain or project, not both'],
      [`?user.id=${ids.user}&group.id=${ids.group}`, 'Specify a user or group, not both'],
      [`?effective&group.id=${ids.group}`, 'Combining effective and group filter will always result in an empty list.'],
      ['?include_subtree=true', 'scope.project.id must be specified if include_subtree is also specified'],
    ];
    for (const [query, message] of cases) expect((await a.get(`/role_assignments${query}`)).json).toEqual(keystoneError(400, 'Bad Request', message));
  });

  it('domain-specific roles: listed only with domain_id, stripped from effective assignments, refused elsewhere', async () => {
    const a = api();
    const created = await a.post('/roles', { role: { name: 'dom-role', domain_id: ids.domain } });
    expect(created.status).toBe(201);
    const domRole = created.json.role;
    expect(domRole.domain_id).toBe(ids.domain);
    expect((await a.get('/roles')).json.roles.map((r: { id: string }) => r.id)).not.toContain(domRole.id);
    expect((await a.get(`/roles?domain_id=${ids.domain}`)).json.roles).toEqual([domRole]);
    // The same name may exist globally and in another domain.
    expect((await a.post('/roles', { role: { name: 'dom-role', domain_id: ids.otherDomain } })).status).toBe(201);

    const forbidden = await a.put(`/roles/${ids['r-one']}/implies/${domRole.id}`);
    expect(forbidden.json).toEqual(keystoneError(403, 'Forbidden', 'Global role cannot imply a domain-specific role'));
    expect((await a.put(`/roles/${domRole.id}/implies/${ids['r-one']}`)).status).toBe(201);

    expect((await a.put(`/projects/${ids.project}/users/${ids.user}/roles/${domRole.id}`)).status).toBe(204);
    const effective = await a.get(`/role_assignments?effective&include_names&user.id=${ids.user}&scope.project.id=${ids.project}`);
    expect(effective.json.role_assignments).toEqual([
      {
        links: {
          assignment: `${identity}/projects/${ids.project}/users/${ids.user}/roles/${domRole.id}`,
          prior_role: `${identity}/prior_role/${ids['r-one']}/implies/${domRole.id}`,
        },
        scope: { project: { id: ids.project, name: 'p-top', domain: { id: ids.domain, name: 'd-grants' } } },
        user: { id: ids.user, name: 'u-grants', domain: { id: ids.domain, name: 'd-grants' } },
        role: { id: ids['r-one'], name: 'r-one' },
      },
    ]);
    const named = await a.get(`/role_assignments?include_names&role.id=${domRole.id}`);
    expect(named.json.role_assignments[0].role).toEqual({ id: domRole.id, name: 'dom-role', domain: { id: ids.domain, name: 'd-grants' } });

    const other = (await a.post('/projects', { project: { name: 'p-elsewhere', domain_id: ids.otherDomain } })).json.project.id;
    const mismatch = await a.put(`/projects/${other}/users/${ids.user}/roles/${domRole.id}`);
    expect(mismatch.json).toEqual(keystoneError(403, 'Forbidden', `Project ${other} must be in the same domain as the role ${domRole.id} being assigned.`));
    expect((await a.put(`/system/users/${ids.user}/roles/${domRole.id}`)).status).toBe(400);
  });

  it('implied roles: check, show, list per prior role, and the effective list with the prior_role link', async () => {
    const a = api();
    const [one, two, three] = [ids['r-one'], ids['r-two'], ids['r-three']];
    expect((await a.put(`/roles/${two}/implies/${three}`)).status).toBe(201);
    expect((await a.head(`/roles/${two}/implies/${three}`)).status).toBe(204);
    const shown = await a.get(`/roles/${two}/implies/${three}`);
    expect(shown.status).toBe(200);
    expect(shown.json).toEqual({
      role_inference: {
        prior_role: { id: two, links: { self: `${identity}/roles/${two}` }, name: 'r-two' },
        implies: { id: three, links: { self: `${identity}/roles/${three}` }, name: 'r-three' },
      },
      links: { self: `${identity}/roles/${two}/implies/${three}` },
    });
    expect((await a.get(`/roles/${two}/implies`)).json).toEqual({
      role_inference: { prior_role: { id: two, links: { self: `${identity}/roles/${two}` }, name: 'r-two' }, implies: [{ id: three, links: { self: `${identity}/roles/${three}` }, name: 'r-three' }] },
      links: { self: `${identity}/roles/${two}/implies` },
    });
    expect((await a.get(`/roles/${one}/implies/${three}`)).json).toEqual(keystoneError(404, 'Not Found', `${one} does not imply ${three}.`));
    expect((await a.put(`/roles/${one}/implies/${(await a.get('/roles?name=admin')).json.roles[0].id}`)).status).toBe(403);
  });

  it('deleting a role removes its implications and assignments as events under one correlation id, and tokens lose it at once', async () => {
    const a = api();
    const doomed = (await a.post('/roles', { role: { name: 'doomed' } })).json.role.id;
    expect((await a.put(`/roles/${ids['r-two']}/implies/${doomed}`)).status).toBe(201);
    expect((await a.put(`/roles/${doomed}/implies/${ids['r-three']}`)).status).toBe(201);
    expect((await a.put(`/projects/${ids.project}/users/${ids.user}/roles/${doomed}`)).status).toBe(204);
    expect((await a.put(`/domains/${ids.domain}/groups/${ids.group}/roles/${doomed}`)).status).toBe(204);
    const token = await issueToken(identity, USER, { project: { id: ids.project } });
    const roleNames = (t: { roles: { name: string }[] }) => t.roles.map((r) => r.name).sort();
    // r-one comes from the domain-specific role granted earlier, which implies it.
    expect(roleNames(token.answer.json.token)).toEqual(['doomed', 'r-one', 'r-three']);

    const requestId = `req-${randomUUID()}`;
    expect((await a.del(`/roles/${doomed}`, { 'X-OpenStack-Request-ID': requestId })).status).toBe(204);
    expect((await a.get(`/role_assignments?role.id=${doomed}`)).json.role_assignments).toEqual([]);
    expect((await a.get(`/roles/${ids['r-two']}/implies`)).json.role_inference.implies.map((r: { id: string }) => r.id)).toEqual([ids['r-three']]);
    expect((await a.get('/role_inferences')).json.role_inferences.map((i: { prior_role: { id: string } }) => i.prior_role.id)).not.toContain(doomed);
    // The token index dropped the role (and what it implied) at once.
    const validated = await call('GET', `${identity}/auth/tokens`, { token: admin, headers: { 'X-Subject-Token': token.value } });
    expect(roleNames(validated.json.token)).toEqual(['r-one']);

    const pg = JSON.parse(fs.readFileSync(path.join(dataDir, 'postgres.json'), 'utf8')) as { port: number; user: string; password: string };
    const client = new Client({ host: '127.0.0.1', port: pg.port, user: pg.user, password: pg.password, database: 'strata' });
    await client.connect();
    try {
      const events = (
        await client.query<{ stream_name: string; event_type: string; correlation: string }>(
          "SELECT stream_name, event_type, metadata->>'correlationId' AS correlation FROM eventstore.events WHERE metadata->>'requestId' = $1 ORDER BY global_position",
          [requestId],
        )
      ).rows;
      expect(new Set(events.map((e) => e.correlation))).toEqual(new Set([requestId.slice(4)]));
      const summary = events.map((e) => `${e.stream_name.replace(/-[0-9a-f-]{32,36}$/, '')}:${e.event_type}`);
      expect(summary).toEqual([
        'role:RoleImplicationRemoved',
        'role:RoleDeleted',
        'role:RoleImplicationRemoved',
        'assignment:RoleUnassigned',
        'assignment:RoleUnassigned',
        expect.stringMatching(/^unique-role-name-global-doomed:/),
      ]);
      expect(events[2].stream_name).toBe(`role-${ids['r-two']}`);
    } finally {
      await client.end();
    }
  });

  it('GET /auth/domains lists the domains where the user holds a role directly or through a group', async () => {
    const a = api();
    const viaGroup = (await a.post('/domains', { domain: { name: 'd-via-group' } })).json.domain.id;
    const g = (await a.post('/groups', { group: { name: 'g-scopes', domain_id: viaGroup } })).json.group.id;
    expect((await a.put(`/groups/${g}/users/${ids.user}`)).status).toBe(204);
    expect((await a.put(`/domains/${viaGroup}/groups/${g}/roles/${ids.member}`)).status).toBe(204);
    expect((await a.put(`/domains/${ids.otherDomain}/users/${ids.user}/roles/${ids.member}`)).status).toBe(204);
    expect((await a.put(`/projects/${ids.project}/users/${ids.user}/roles/${ids.member}`)).status).toBe(204);
    const token = await issueToken(identity, USER);
    const domains = await as(token.value).get('/auth/domains');
    expect(domains.json.domains.map((d: { id: string }) => d.id).sort()).toEqual([ids.otherDomain, viaGroup].sort());
    expect((await as(token.value).get('/auth/projects')).json.projects.map((p: { id: string }) => p.id)).toEqual([ids.project]);
  });
});
