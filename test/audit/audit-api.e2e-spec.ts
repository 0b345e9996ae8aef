import { StrataCompute } from '../compute/support/strata-compute';
import { runStrata, waitFor } from '../e2e/support/strata-process';
import { call, issueToken, projectScope } from '../identity/support/identity-http';

/**
 * Auditors on `strata start` (fake driver): a server's history with actors, request ids and
 * field-level changes; the audit trail by user, by request (across the API and the conductor,
 * in causal order) and by time; `as_of` on servers; who may read what; bad input.
 */
describe('history, audit trail and as_of (issue 8)', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '1' });
  let flavor: string;
  let image: string;
  let alpha: { projectId: string; member: string; reader: string };
  let beta: { projectId: string; member: string; reader: string };
  let auditor: string;
  let serverId: string;
  let createRequest: string;
  let beforeCreate: string;
  let afterCreate: string;
  let afterRename: string;

  const strata = (token: string, path: string) => call('GET', `${env.base}/strata/v1${path}`, { token });
  const pause = () => new Promise((r) => setTimeout(r, 20));

  beforeAll(async () => {
    await env.start();
    await env.hosts(1);
    flavor = await env.flavor({ name: 'm1.audit', vcpus: 1, ram: 256, disk: 1, id: '300' });
    image = await env.image('cirros');
    alpha = await env.project('alpha');
    beta = await env.project('beta');
    // An auditor: the `auditor` role (created at bootstrap) on the beta project reads the whole cloud.
    const id = env.identity;
    const auditorId = (await call('POST', `${id}/users`, { token: env.admin, body: { user: { name: 'olga', password: 'audit-pw', domain_id: 'default' } } })).json.user.id;
    const roleId = (await call('GET', `${id}/roles?name=auditor`, { token: env.admin })).json.roles[0].id;
    expect((await call('PUT', `${id}/projects/${beta.projectId}/users/${auditorId}/roles/${roleId}`, { token: env.admin })).status).toBe(204);
    auditor = (await issueToken(id, { name: 'olga', password: 'audit-pw' }, projectScope('beta'))).value;

    await pause();
    beforeCreate = new Date().toISOString();
    await pause();
    const r = await env.boot(alpha.member, { name: 'audited', imageRef: image, flavorRef: flavor });
    expect(r.status).toBe(202);
    serverId = r.json.server.id;
    createRequest = r.headers['x-openstack-request-id'] as string;
    await env.until(alpha.member, serverId, ['ACTIVE']);
    await pause();
    afterCreate = new Date().toISOString();
    await pause();
    expect((await env.as(alpha.member).put(`/servers/${serverId}`, { server: { name: 'audited-renamed' } })).status).toBe(200);
    await pause();
    afterRename = new Date().toISOString();
    expect((await env.as(alpha.member).action(serverId, { 'os-stop': null })).status).toBe(202);
    await env.until(alpha.member, serverId, ['SHUTOFF']);
  }, 180_000);

  afterAll(() => env.stop());

  it("shows a server's history: every event in order, actor, request id and what changed", async () => {
    const r = await strata(env.admin, `/history/server/${serverId}`);
    expect(r.status).toBe(200);
    const { resource, events } = r.json;
    expect(resource).toMatchObject({ type: 'server', id: serverId, stream: `server-${serverId}`, project_id: alpha.projectId });
    expect(resource.events).toBe(events.length);
    expect(events.map((e: { version: number }) => e.version)).toEqual(events.map((_: unknown, i: number) => i));
    const types = events.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('ServerCreationRequested');
    expect(types).toEqual(expect.arrayContaining(['ServerScheduled', 'ServerSpawned', 'ServerUpdated', 'ServerStopped']));
    const created = events[0];
    expect(created.request_id).toBe(createRequest);
    expect(created.actor.project_id).toBe(alpha.projectId);
    expect(created.actor.roles).toEqual(expect.arrayContaining(['member']));
    expect(created.changes).toEqual(expect.arrayContaining([{ field: 'server.name', before: null, after: 'audited', kind: 'added' }]));
    const renamed = events.find((e: { type: string }) => e.type === 'ServerUpdated');
    expect(renamed.changes).toEqual(expect.arrayContaining([{ field: 'server.name', before: 'audited', after: 'audited-renamed', kind: 'changed' }]));
    expect(renamed.summary).toContain('server.name: audited → audited-renamed');
    // The conductor's steps are the conductor's, not the user's.
    const scheduled = events.find((e: { type: string }) => e.type === 'ServerScheduled');
    expect(scheduled.actor.user_id).not.toBe(created.actor.user_id);
    expect(scheduled.correlation_id).toBe(created.correlation_id);
  });

  it('pages a history with limit and marker, and stops at as_of', async () => {
    const all = (await strata(env.admin, `/history/server/${serverId}`)).json.events;
    const first = await strata(env.admin, `/history/server/${serverId}?limit=2`);
    expect(first.json.events.map((e: { version: number }) => e.version)).toEqual([0, 1]);
    expect(first.json.next_marker).toBe('1');
    const second = await strata(env.admin, `/history/server/${serverId}?limit=2&marker=1`);
    expect(second.json.events.map((e: { version: number }) => e.version)).toEqual([2, 3]);
    const then = await strata(env.admin, `/history/server/${serverId}?as_of=${encodeURIComponent(afterCreate)}`);
    expect(then.json.events.length).toBeLessThan(all.length);
    expect(then.json.state.server).toMatchObject({ name: 'audited', vmState: 'active' });
    expect((await strata(env.admin, `/history/server/${serverId}?as_of=${encodeURIComponent(beforeCreate)}`)).status).toBe(404);
  });

  it('never shows a secret: a user history masks the password hash, and says that it changed', async () => {
    const userId = (await call('POST', `${env.identity}/users`, { token: env.admin, body: { user: { name: 'pat', password: 'first-secret', domain_id: 'default' } } })).json.user.id;
    expect((await call('PATCH', `${env.identity}/users/${userId}`, { token: env.admin, body: { user: { password: 'second-secret' } } })).status).toBe(200);
    const r = await strata(auditor, `/history/user/${userId}`);
    expect(r.status).toBe(200);
    const text = JSON.stringify(r.json);
    expect(text).not.toMatch(/scrypt|argon|first-secret|second-secret/);
    const update = r.json.events[r.json.events.length - 1];
    expect(update.changes).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'user.passwordHash', before: '***', after: '***', kind: 'changed' })]));
    await waitFor('the audit trail to hold the user', async () => (await strata(env.admin, `/audit?resource_type=user&resource_id=${userId}`)).json.events.length === 2 || undefined, 20_000);
    const audit = await strata(env.admin, `/audit?resource_type=user&resource_id=${userId}`);
    expect(JSON.stringify(audit.json)).not.toMatch(/scrypt|argon|first-secret|second-secret/);
  });

  it('lists everything one API call caused, across the API and the conductor, in causal order', async () => {
    const spawned = async () => (await strata(env.admin, `/audit?request_id=${createRequest}`)).json.events.some((e: { type: string }) => e.type === 'ServerSpawned');
    await waitFor('the audit trail to catch up', async () => (await spawned()) || undefined, 20_000);
    const r = await strata(auditor, `/audit?request_id=${createRequest}`);
    expect(r.status).toBe(200);
    const events = r.json.events as { position: string; type: string; request_id: string; depth: number; resource: { type: string } }[];
    expect(events[0]).toMatchObject({ type: 'ServerCreationRequested', request_id: createRequest, depth: 0 });
    expect(events.map((e) => e.position)).toEqual([...events.map((e) => e.position)].sort());
    expect(events.map((e) => e.resource.type)).toEqual(expect.arrayContaining(['server', 'build', 'host']));
    expect(events.some((e) => e.request_id !== createRequest && e.depth > 0)).toBe(true);
  });

  it('filters by user and time, pages by marker', async () => {
    const memberId = (await call('GET', `${env.identity}/auth/tokens`, { token: alpha.member, headers: { 'X-Subject-Token': alpha.member } })).json.token.user.id;
    const mine = await strata(env.admin, `/audit?user_id=${memberId}`);
    expect(mine.json.events.length).toBeGreaterThanOrEqual(3);
    expect(mine.json.events.every((e: { actor: { user_id: string } }) => e.actor.user_id === memberId)).toBe(true);
    const window = await strata(env.admin, `/audit?user_id=${memberId}&since=${encodeURIComponent(afterCreate)}&until=${encodeURIComponent(afterRename)}`);
    expect(window.json.events.map((e: { type: string }) => e.type)).toEqual(['ServerUpdated']);
    const page = await strata(env.admin, `/audit?user_id=${memberId}&limit=1`);
    expect(page.json.events).toHaveLength(1);
    const next = await strata(env.admin, `/audit?user_id=${memberId}&limit=1&marker=${page.json.next_marker}`);
    expect(next.json.events[0].position > page.json.events[0].position).toBe(true);
  });

  it("answers GET servers with as_of in Nova's format, computed apart from the live model", async () => {
    const at = (path: string, when: string) => env.as(alpha.member).get(`${path}${path.includes('?') ? '&' : '?'}as_of=${encodeURIComponent(when)}`);
    expect((await at('/servers', beforeCreate)).json.servers).toEqual([]);
    const then = await at('/servers/detail', afterCreate);
    expect(then.status).toBe(200);
    expect(then.json.servers).toHaveLength(1);
    expect(then.json.servers[0]).toMatchObject({ id: serverId, name: 'audited', status: 'ACTIVE' });
    const shown = await at(`/servers/${serverId}`, afterRename);
    expect(shown.json.server).toMatchObject({ id: serverId, name: 'audited-renamed', status: 'ACTIVE' });
    expect((await at(`/servers/${serverId}`, beforeCreate)).status).toBe(404);
    // The live model still says what is true now.
    expect((await env.as(alpha.member).get(`/servers/${serverId}`)).json.server).toMatchObject({ name: 'audited-renamed', status: 'SHUTOFF' });
    // Another project's reader sees nothing of alpha's, then or now.
    expect((await env.as(beta.reader).get(`/servers/${serverId}?as_of=${encodeURIComponent(afterRename)}`)).status).toBe(404);
    const bad = await env.as(alpha.member).get('/servers?as_of=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.json.badRequest.message).toMatch(/as_of/);
  });

  it('answers images, projects and users with as_of in their own formats', async () => {
    const t0 = new Date().toISOString();
    await pause();
    const imageId = await env.image('time-image');
    const projectId = (await call('POST', `${env.identity}/projects`, { token: env.admin, body: { project: { name: 'gamma', description: 'first' } } })).json.project.id;
    const userId = (await call('POST', `${env.identity}/users`, { token: env.admin, body: { user: { name: 'quinn', password: 'quinn-pw', domain_id: 'default', email: 'q@one' } } })).json.user.id;
    await pause();
    const t1 = new Date().toISOString();
    await pause();
    expect((await call('PATCH', `${env.base}/image/v2/images/${imageId}`, { token: env.admin, body: JSON.stringify([{ op: 'replace', path: '/name', value: 'renamed-image' }]), headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' } })).status).toBe(200);
    expect((await call('PATCH', `${env.identity}/projects/${projectId}`, { token: env.admin, body: { project: { description: 'second' } } })).status).toBe(200);
    expect((await call('PATCH', `${env.identity}/users/${userId}`, { token: env.admin, body: { user: { email: 'q@two' } } })).status).toBe(200);
    const at = (url: string, when: string) => call('GET', `${url}${url.includes('?') ? '&' : '?'}as_of=${encodeURIComponent(when)}`, { token: env.admin });

    expect((await at(`${env.base}/image/v2/images/${imageId}`, t1)).json).toMatchObject({ id: imageId, name: 'time-image', status: 'active' });
    expect((await at(`${env.base}/image/v2/images/${imageId}`, t0)).status).toBe(404);
    expect((await at(`${env.base}/image/v2/images`, t0)).json.images.map((i: { id: string }) => i.id)).not.toContain(imageId);
    expect((await at(`${env.base}/image/v2/images`, t1)).json.images.find((i: { id: string }) => i.id === imageId)).toMatchObject({ name: 'time-image' });
    expect((await call('GET', `${env.base}/image/v2/images/${imageId}`, { token: env.admin })).json.name).toBe('renamed-image');

    expect((await at(`${env.identity}/projects/${projectId}`, t1)).json.project).toMatchObject({ id: projectId, name: 'gamma', description: 'first' });
    expect((await at(`${env.identity}/projects/${projectId}`, t0)).status).toBe(404);
    expect((await at(`${env.identity}/projects`, t0)).json.projects.map((p: { name: string }) => p.name)).not.toContain('gamma');
    expect((await at(`${env.identity}/projects?name=gamma`, t1)).json.projects).toMatchObject([{ id: projectId, description: 'first' }]);

    expect((await at(`${env.identity}/users/${userId}`, t1)).json.user).toMatchObject({ id: userId, name: 'quinn', email: 'q@one' });
    expect((await at(`${env.identity}/users`, t0)).json.users.map((u: { name: string }) => u.name)).not.toContain('quinn');
    expect((await call('GET', `${env.identity}/users/${userId}`, { token: env.admin })).json.user.email).toBe('q@two');

    const bad = await at(`${env.identity}/users`, 'soon');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 400, message: expect.stringMatching(/as_of/) });
    const badImage = await at(`${env.base}/image/v2/images`, 'soon');
    expect(badImage.status).toBe(400);
  });

  it('lets readers see their own project only; others get 403 or 404', async () => {
    const own = await strata(alpha.reader, `/history/server/${serverId}`);
    expect(own.status).toBe(200);
    // Nova shows a server's host, node and instance name to admins only: a reader sees them masked.
    const scheduled = (h: { json: { events: { type: string; data: Record<string, unknown> }[] } }) => h.json.events.find((e) => e.type === 'ServerScheduled')!;
    expect(scheduled(own).data).toMatchObject({ host: '***', node: '***' });
    expect(own.json.state.server).toMatchObject({ host: '***', instanceName: '***', name: 'audited-renamed' });
    expect(JSON.stringify(own.json)).not.toContain('fake-');
    const admins = await strata(env.admin, `/history/server/${serverId}`);
    expect(scheduled(admins).data.host).toMatch(/^fake-/);
    expect((await strata(beta.reader, `/history/server/${serverId}`)).status).toBe(404);
    const theirs = await strata(beta.reader, `/audit?request_id=${createRequest}`);
    expect(theirs.status).toBe(200);
    expect(theirs.json.events).toEqual([]);
    const trail = await strata(alpha.reader, `/audit?resource_type=server&resource_id=${serverId}`);
    expect(trail.json.events.length).toBeGreaterThan(3);
    expect(trail.json.events.every((e: { resource: { project_id: string } }) => e.resource.project_id === alpha.projectId)).toBe(true);
    expect(JSON.stringify(trail.json)).not.toContain('fake-');
    expect((await strata(alpha.reader, `/history/user/${(await call('GET', `${env.identity}/users?name=admin`, { token: env.admin })).json.users[0].id}`)).status).toBe(404);
    const anonymous = await call('GET', `${env.base}/strata/v1/audit`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error).toMatchObject({ code: 401, title: 'Unauthorized' });
  });

  it('prints the same through the strata CLI: history, audit by user name and by request, at <time>', async () => {
    const cli = (...args: string[]) => runStrata(args, { STRATA_DATA_DIR: env.dir.dataDir });
    const history = cli('history', 'server', serverId);
    expect(history.status).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^VER +TIME +EVENT +ACTOR +REQUEST +CHANGES$/);
    expect(lines[1]).toMatch(new RegExp(`^0 +\\S+ +ServerCreationRequested +\\S+@${alpha.projectId} +${createRequest} `));
    expect(history.stdout).toContain('server.name: audited → audited-renamed');
    const json = JSON.parse(cli('history', 'server', serverId, '--json').stdout);
    expect(json).toMatchObject({ resourceType: 'server', id: serverId, ownerProject: alpha.projectId });

    const byName = cli('audit', '--user', 'alpha-member', '--since', afterCreate.slice(0, 10));
    expect(byName.status).toBe(0);
    expect(byName.stdout).toMatch(/ServerUpdated +server /);
    const byRequest = cli('audit', '--request', createRequest);
    expect(byRequest.stdout.split('\n')[1]).toMatch(/ServerCreationRequested +server /);
    expect(byRequest.stdout).toMatch(/\n\S+ +  \S+ +(build|host|server) /);

    const then = cli('at', afterCreate, 'server', 'list');
    expect(then.status).toBe(0);
    expect(then.stdout).toMatch(new RegExp(`${serverId} +audited +ACTIVE `));
    expect(cli('at', beforeCreate, 'server', 'list').stdout).not.toContain(serverId);
    expect(JSON.parse(cli('at', afterRename, 'server', 'show', serverId, '--json').stdout)).toMatchObject({ id: serverId, name: 'audited-renamed', status: 'ACTIVE' });

    const bad = cli('at', 'yesterday', 'server', 'list');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/Invalid as_of "yesterday"/);
    const unknown = cli('history', 'volcano', 'x');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown resource type volcano/);
  });

  it("refuses bad input in Strata's error format and changes nothing", async () => {
    for (const [path, message] of [
      ['/audit?since=last-week', /Invalid since/],
      ['/audit?colour=blue', /Unknown query parameter colour/],
      ['/audit?limit=0', /Invalid limit/],
      [`/history/server/${serverId}?as_of=2026-13-45`, /Invalid as_of/],
      [`/history/server/${serverId}?marker=x`, /Invalid marker/],
    ] as const) {
      const r = await strata(env.admin, path);
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ code: 400, title: 'Bad Request', message: expect.stringMatching(message) });
    }
    const unknown = await strata(env.admin, `/history/volcano/${serverId}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toMatch(/Unknown resource type volcano; known: server/);
    expect((await strata(env.admin, '/history/server/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});
