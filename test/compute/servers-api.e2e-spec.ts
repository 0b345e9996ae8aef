import { waitFor } from '../e2e/support/strata-process';
import { StrataCompute } from './support/strata-compute';

/**
 * Nova's servers API on `strata start` with the fake driver (two fake hosts): the build saga to
 * ACTIVE, every power action and its state machine, Nova's 400/403/404/409 bodies, nothing written
 * by a refused request, os-instance-actions from the log, and no valid host.
 */
describe('Servers API (Nova v2.1) with the fake driver', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2', STRATA_FAKE_HOST_RESOURCES: 'vcpus=8,ram=16896,disk=200' });
  let flavor: string;
  let big: string;
  let image: string;
  let alpha: { projectId: string; member: string; reader: string };
  let beta: { projectId: string; member: string; reader: string };

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    flavor = await env.flavor({ name: 'm1.small', vcpus: 1, ram: 1024, disk: 1, id: '100' });
    big = await env.flavor({ name: 'm1.huge', vcpus: 1, ram: 1024, disk: 500, id: '101' });
    image = await env.image('cirros');
    alpha = await env.project('alpha');
    beta = await env.project('beta');
  }, 180_000);

  afterAll(() => env.stop());

  const count = async (token: string) => (await env.as(token).get('/servers')).json.servers.length as number;

  it('boots a server to ACTIVE on a fake host and shows it as Nova does', async () => {
    const r = await env.boot(alpha.member, { name: 'web-1', imageRef: image, flavorRef: flavor, metadata: { role: 'web' } });
    expect(r.status).toBe(202);
    expect(r.json.server).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      links: expect.any(Array),
      'OS-DCF:diskConfig': 'MANUAL',
      security_groups: [{ name: 'default' }],
      adminPass: expect.stringMatching(/^\w{12}$/),
    });
    expect(r.headers.location).toContain(`/compute/v2.1/servers/${r.json.server.id}`);
    expect(r.headers['openstack-api-version']).toBe('compute 2.93');
    const s = await env.until(alpha.member, r.json.server.id, ['ACTIVE', 'ERROR']);
    expect(s.status).toBe('ACTIVE');
    expect(s['OS-EXT-STS:vm_state']).toBe('active');
    expect(s['OS-EXT-STS:power_state']).toBe(1);
    expect(s['OS-EXT-STS:task_state']).toBeNull();
    expect(s.metadata).toEqual({ role: 'web' });
    expect(s.tenant_id).toBe(alpha.projectId);
    expect(s.flavor).toMatchObject({ vcpus: 1, ram: 1024, disk: 1, original_name: 'm1.small' });
    expect(s).not.toHaveProperty('OS-EXT-SRV-ATTR:host');
    const asAdmin = (await env.server(env.admin, s.id)).json.server;
    expect(['fake-1', 'fake-2']).toContain(asAdmin['OS-EXT-SRV-ATTR:host']);
  });

  it('refuses bad input with Nova 400 bodies and writes nothing', async () => {
    const before = await count(alpha.member);
    const cases: [Record<string, unknown>, string | RegExp][] = [
      [{ imageRef: image, flavorRef: flavor }, /'name' is a required property/],
      [{ name: 'x', imageRef: image, flavorRef: 'nope' }, 'Invalid flavorRef provided.'],
      [{ name: 'x', imageRef: '6b7e1f41-0000-4000-8000-000000000000', flavorRef: flavor }, 'Image 6b7e1f41-0000-4000-8000-000000000000 could not be found.'],
      [{ name: 'x', imageRef: image, flavorRef: flavor, key_name: 'missing' }, 'Invalid key_name provided.'],
      [{ name: 'x', imageRef: image, flavorRef: flavor, min_count: 3, max_count: 2 }, 'min_count must be <= max_count'],
      [{ name: 'x', imageRef: image, flavorRef: flavor, bogus: 1 }, /Additional properties are not allowed \('bogus' was unexpected\)/],
      [{ name: 'x', imageRef: image, flavorRef: flavor, availability_zone: 'nowhere' }, 'The requested availability zone is not available'],
    ];
    for (const [body, message] of cases) {
      const r = await env.boot(alpha.member, body);
      expect({ status: r.status, body: r.json }).toEqual({ status: 400, body: { badRequest: { code: 400, message: typeof message === 'string' ? message : expect.stringMatching(message) } } });
    }
    const noNetworks = await env.as(alpha.member).post('/servers', { server: { name: 'x', imageRef: image, flavorRef: flavor } });
    expect(noNetworks.status).toBe(400);
    expect(noNetworks.json.badRequest.message).toMatch(/'networks' is a required property/);
    expect(await count(alpha.member)).toBe(before);
  });

  it('negotiates microversions: 2.1 by default, 406 beyond 2.93, 400 for a malformed one', async () => {
    const plain = await env.as(alpha.member, '2.1').get('/servers');
    expect(plain.headers['openstack-api-version']).toBe('compute 2.1');
    const tooNew = await env.as(alpha.member, '2.999').get('/servers');
    expect(tooNew.status).toBe(406);
    expect(tooNew.json).toEqual({ computeFault: { code: 406, message: 'Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.93.' } });
    const bad = await env.as(alpha.member, 'two').get('/servers');
    expect(bad.status).toBe(400);
  });

  it('runs every power action through the agent and refuses invalid transitions with 409', async () => {
    const id = (await env.boot(alpha.member, { name: 'power', imageRef: image, flavorRef: flavor })).json.server.id;
    await env.until(alpha.member, id, ['ACTIVE']);
    const act = (body: unknown) => env.as(alpha.member).action(id, body);
    const steps: [unknown, string, number][] = [
      [{ 'os-stop': null }, 'SHUTOFF', 4],
      [{ 'os-start': null }, 'ACTIVE', 1],
      [{ reboot: { type: 'SOFT' } }, 'ACTIVE', 1],
      [{ reboot: { type: 'HARD' } }, 'ACTIVE', 1],
      [{ pause: null }, 'PAUSED', 3],
      [{ unpause: null }, 'ACTIVE', 1],
      [{ suspend: null }, 'SUSPENDED', 7],
      [{ resume: null }, 'ACTIVE', 1],
    ];
    for (const [body, status, power] of steps) {
      const r = await act(body);
      expect({ body, status: r.status }).toEqual({ body, status: 202 });
      await env.until(alpha.member, id, [status]);
      const s = await env.until(alpha.member, id, [status]);
      if (s['OS-EXT-STS:task_state'] === null) expect(s['OS-EXT-STS:power_state']).toBe(power);
    }
    await env.until(alpha.member, id, ['ACTIVE']);
    const started = await act({ 'os-start': null });
    expect(started.status).toBe(409);
    expect(started.json).toEqual({ conflictingRequest: { code: 409, message: `Cannot 'start' instance ${id} while it is in vm_state active` } });
    const unknown = await act({ fly: null });
    expect(unknown.json).toEqual({ badRequest: { code: 400, message: 'There is no such action: fly' } });

    const events = await env.as(alpha.member).get(`/servers/${id}/os-instance-actions`);
    expect(events.status).toBe(200);
    const actions = (events.json.instanceActions as { action: string }[]).map((a) => a.action);
    expect(actions).toEqual(['resume', 'suspend', 'unpause', 'pause', 'reboot', 'reboot', 'start', 'stop', 'create']);
    const stop = (events.json.instanceActions as { action: string; request_id: string }[]).find((a) => a.action === 'stop')!;
    const shown = await env.as(env.admin).get(`/servers/${id}/os-instance-actions/${stop.request_id}`);
    expect(shown.json.instanceAction).toMatchObject({ action: 'stop', request_id: stop.request_id, project_id: alpha.projectId, message: null });
    expect(shown.json.instanceAction.events).toEqual([expect.objectContaining({ event: 'compute_stop_instance', result: 'Success' })]);
  });

  it('locks a server: others of the project get 409, the admin still acts, the reader may not unlock', async () => {
    const id = (await env.boot(alpha.member, { name: 'locked', imageRef: image, flavorRef: flavor })).json.server.id;
    await env.until(alpha.member, id, ['ACTIVE']);
    expect((await env.as(env.admin).action(id, { lock: { locked_reason: 'maintenance' } })).status).toBe(202);
    const shown = (await env.server(alpha.member, id)).json.server;
    expect(shown).toMatchObject({ locked: true, locked_reason: 'maintenance' });
    const stop = await env.as(alpha.member).action(id, { 'os-stop': null });
    expect(stop.json).toEqual({ conflictingRequest: { code: 409, message: `Instance ${id} is locked` } });
    expect((await env.as(alpha.member).del(`/servers/${id}`)).status).toBe(409);
    expect((await env.as(alpha.member).action(id, { unlock: null })).status).toBe(403);
    expect((await env.as(alpha.reader).action(id, { unlock: null })).status).toBe(403);
    expect((await env.as(env.admin).action(id, { unlock: null })).status).toBe(202);
    expect((await env.server(alpha.member, id)).json.server.locked).toBe(false);
  });

  it("hides other projects' servers (404) and admin-only listings (403)", async () => {
    const id = (await env.boot(alpha.member, { name: 'private', imageRef: image, flavorRef: flavor })).json.server.id;
    const other = await env.server(beta.member, id);
    expect(other.json).toEqual({ itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } });
    expect((await env.as(beta.member).action(id, { 'os-stop': null })).status).toBe(404);
    expect((await env.as(beta.member).get('/servers?all_tenants=1')).status).toBe(403);
    expect((await env.as(alpha.reader).action(id, { 'os-stop': null })).status).toBe(403);
    const all = await env.as(env.admin).get('/servers/detail?all_tenants=1');
    expect((all.json.servers as { id: string }[]).map((s) => s.id)).toContain(id);
  });

  it('lists with Nova filters and paging', async () => {
    const ids: string[] = [];
    for (const name of ['list-a', 'list-b', 'list-c']) ids.push((await env.boot(beta.member, { name, imageRef: image, flavorRef: flavor })).json.server.id);
    for (const id of ids) await env.until(beta.member, id, ['ACTIVE']);
    const named = await env.as(beta.member).get('/servers?name=^list-[ab]$');
    expect((named.json.servers as { name: string }[]).map((s) => s.name).sort()).toEqual(['list-a', 'list-b']);
    const page = await env.as(beta.member).get('/servers?limit=2');
    expect(page.json.servers).toHaveLength(2);
    expect(page.json.servers_links[0].href).toContain(`marker=${page.json.servers[1].id}`);
    expect(page.json.servers_links[0].href).toMatch(/\/v2\.1\/servers\?/);
    const detailPage = await env.as(beta.member).get('/servers/detail?limit=2');
    expect(detailPage.json.servers_links[0].href).toMatch(new RegExp(`/v2\\.1/servers/detail\\?limit=2&marker=${detailPage.json.servers[1].id}$`));
    const rest = await env.as(beta.member).get(`/servers?limit=2&marker=${page.json.servers[1].id}`);
    expect(rest.json.servers).toHaveLength(1);
    expect((await env.as(beta.member).get('/servers?status=SHUTOFF')).json.servers).toEqual([]);
    expect((await env.as(beta.member).get('/servers?status=BOGUS')).status).toBe(400);
    expect((await env.as(beta.member).get('/servers?marker=00000000-0000-4000-8000-000000000000')).status).toBe(400);
  });

  it('deletes a server; changes-since still shows it as DELETED', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const id = (await env.boot(beta.member, { name: 'doomed', imageRef: image, flavorRef: flavor })).json.server.id;
    await env.until(beta.member, id, ['ACTIVE']);
    expect((await env.as(beta.member).del(`/servers/${id}`)).status).toBe(204);
    await waitFor('server gone', async () => ((await env.server(beta.member, id)).status === 404 ? true : undefined), 20_000);
    expect((await env.as(beta.member).get('/servers')).json.servers.map((s: { id: string }) => s.id)).not.toContain(id);
    const changed = await env.as(beta.member).get(`/servers/detail?changes-since=${encodeURIComponent(since)}`);
    expect(changed.json.servers.find((s: { id: string }) => s.id === id)).toMatchObject({ status: 'DELETED' });
  });

  it('puts a server that fits no host in ERROR with "No valid host was found"', async () => {
    const id = (await env.boot(env.admin, { name: 'too-big', imageRef: image, flavorRef: big })).json.server.id;
    const s = await env.until(env.admin, id, ['ERROR', 'ACTIVE']);
    expect(s.status).toBe('ERROR');
    expect(s.fault).toMatchObject({ code: 500, message: 'No valid host was found. ' });
  });
});
