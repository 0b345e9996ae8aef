import { waitFor } from '../e2e/support/strata-process';
import { StrataCompute } from './support/strata-compute';

const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';

async function memoryUsed(env: StrataCompute): Promise<number> {
  const r = await env.as(env.admin, '2.1').get('/os-hypervisors/detail');
  return (r.json.hypervisors as { memory_mb_used: number }[]).reduce((sum, h) => sum + h.memory_mb_used, 0);
}

const hostOf = async (env: StrataCompute, id: string) => (await env.server(env.admin, id)).json.server['OS-EXT-SRV-ATTR:host'] as string;

describe('Server lifecycle: resize, rebuild, server groups, reschedules, deletion while building', () => {
  // Spawns of servers named flaky-* fail once, doomed-* always: the saga reschedules, then gives up.
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2', STRATA_FAKE_FAIL: 'spawn:^flaky-:1,spawn:^doomed-', STRATA_FAKE_HOST_RESOURCES: 'vcpus=16,ram=16896,disk=200' });
  let small: string;
  let medium: string;
  let image: string;
  let other: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    small = await env.flavor({ name: 'small', vcpus: 1, ram: 1024, disk: 1, id: 's1' });
    medium = await env.flavor({ name: 'medium', vcpus: 2, ram: 2048, disk: 2, id: 's2' });
    image = await env.image('first');
    other = await env.image('second');
    expect((await env.as(env.admin).put(`/os-quota-sets/${env.adminProject}`, { quota_set: { instances: 100, cores: 200, ram: 1_000_000 } })).status).toBe(200);
  }, 180_000);

  afterAll(() => env.stop());

  it('resizes to VERIFY_RESIZE, confirms to the new flavor and keeps only the new claim', async () => {
    const before = await memoryUsed(env);
    const id = (await env.boot(env.admin, { name: 'grow', imageRef: image, flavorRef: small })).json.server.id;
    await env.until(env.admin, id, ['ACTIVE']);
    expect((await env.as(env.admin).action(id, { resize: { flavorRef: medium } })).status).toBe(202);
    const resized = await env.until(env.admin, id, ['VERIFY_RESIZE', 'ERROR']);
    expect(resized.status).toBe('VERIFY_RESIZE');
    expect(resized.flavor).toMatchObject({ original_name: 'medium', ram: 2048 });
    expect(await memoryUsed(env)).toBe(before + 1024 + 2048);
    expect((await env.as(env.admin).action(id, { confirmResize: null })).status).toBe(204);
    const confirmed = await env.until(env.admin, id, ['ACTIVE']);
    expect(confirmed.flavor.original_name).toBe('medium');
    await waitFor('old claim released', async () => ((await memoryUsed(env)) === before + 2048 ? true : undefined), 15_000);
    const same = await env.as(env.admin).action(id, { resize: { flavorRef: medium } });
    expect(same.json).toEqual({ badRequest: { code: 400, message: 'When resizing, instances must change flavor!' } });
  });

  it('reverts a resize to the old flavor and releases the new claim', async () => {
    const before = await memoryUsed(env);
    const id = (await env.boot(env.admin, { name: 'undo', imageRef: image, flavorRef: small })).json.server.id;
    await env.until(env.admin, id, ['ACTIVE']);
    await env.as(env.admin).action(id, { resize: { flavorRef: medium } });
    await env.until(env.admin, id, ['VERIFY_RESIZE']);
    expect((await env.as(env.admin).action(id, { revertResize: null })).status).toBe(202);
    const reverted = await env.until(env.admin, id, ['ACTIVE']);
    expect(reverted.flavor.original_name).toBe('small');
    await waitFor('new claim released', async () => ((await memoryUsed(env)) === before + 1024 ? true : undefined), 15_000);
    const actions = (await env.as(env.admin).get(`/servers/${id}/os-instance-actions`)).json.instanceActions.map((a: { action: string }) => a.action);
    expect(actions).toEqual(['revertResize', 'resize', 'create']);
  });

  it('rebuilds onto another image; a stopped server stays stopped', async () => {
    const id = (await env.boot(env.admin, { name: 'renew', imageRef: image, flavorRef: small })).json.server.id;
    await env.until(env.admin, id, ['ACTIVE']);
    const rebuilt = await env.as(env.admin).action(id, { rebuild: { imageRef: other, name: 'renewed' } });
    expect(rebuilt.status).toBe(202);
    expect(rebuilt.json.server).toMatchObject({ id, name: 'renewed', image: { id: other }, adminPass: expect.any(String) });
    expect((await env.until(env.admin, id, ['ACTIVE'])).image.id).toBe(other);
    await env.as(env.admin).action(id, { 'os-stop': null });
    await env.until(env.admin, id, ['SHUTOFF']);
    await env.as(env.admin).action(id, { rebuild: { imageRef: image } });
    const s = await env.until(env.admin, id, ['SHUTOFF', 'ACTIVE', 'ERROR']);
    expect(s.status).toBe('SHUTOFF');
  });

  it('places an anti-affinity group on different hosts and refuses a third member with no valid host', async () => {
    const group = await env.as(env.admin).post('/os-server-groups', { server_group: { name: 'apart', policy: 'anti-affinity' } });
    expect(group.status).toBe(200);
    const gid = group.json.server_group.id;
    // All three at once: the group's members must still see each other's hosts.
    const ids = (await Promise.all([1, 2, 3].map((n) => env.boot(env.admin, { name: `apart-${n}`, imageRef: image, flavorRef: small }, { group: gid })))).map((r) => r.json.server.id as string);
    const statuses = await Promise.all(ids.map((id) => env.until(env.admin, id, ['ACTIVE', 'ERROR'])));
    expect(statuses.map((s) => s.status).sort()).toEqual(['ACTIVE', 'ACTIVE', 'ERROR']);
    const active = statuses.filter((s) => s.status === 'ACTIVE');
    expect(new Set(await Promise.all(active.map((s) => hostOf(env, s.id)))).size).toBe(2);
    expect(statuses.find((s) => s.status === 'ERROR')!.fault.message).toBe(NO_VALID_HOST);
    const shown = await env.as(env.admin).get(`/os-server-groups/${gid}`);
    expect([...shown.json.server_group.members].sort()).toEqual([...ids].sort());
  });

  it('places an affinity group on one host', async () => {
    const gid = (await env.as(env.admin).post('/os-server-groups', { server_group: { name: 'together', policy: 'affinity' } })).json.server_group.id;
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const id = (await env.boot(env.admin, { name: `together-${n}`, imageRef: image, flavorRef: small }, { group: gid })).json.server.id;
      await env.until(env.admin, id, ['ACTIVE']);
      ids.push(id);
    }
    expect(new Set(await Promise.all(ids.map((id) => hostOf(env, id)))).size).toBe(1);
  });

  it('reschedules a failed spawn to the other host, and fails visibly after every host failed', async () => {
    const flaky = (await env.boot(env.admin, { name: 'flaky-1', imageRef: image, flavorRef: small })).json.server.id;
    expect((await env.until(env.admin, flaky, ['ACTIVE', 'ERROR'])).status).toBe('ACTIVE');
    const doomed = (await env.boot(env.admin, { name: 'doomed-1', imageRef: image, flavorRef: small })).json.server.id;
    const s = await env.until(env.admin, doomed, ['ERROR', 'ACTIVE']);
    expect(s.status).toBe('ERROR');
    expect(s.fault.message).toBe(`Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${doomed}.`);
    const create = (await env.as(env.admin).get(`/servers/${doomed}/os-instance-actions`)).json.instanceActions[0];
    const shown = await env.as(env.admin).get(`/servers/${doomed}/os-instance-actions/${create.request_id}`);
    expect(shown.json.instanceAction.message).toBe('Error');
  });

  it('forced-down hosts are skipped by the scheduler and shown down', async () => {
    const services = await env.as(env.admin, '2.53').get('/os-services?binary=nova-compute');
    const fake1 = services.json.services.find((s: { host: string }) => s.host === 'fake-1');
    const down = await env.as(env.admin, '2.53').put(`/os-services/${fake1.id}`, { forced_down: true });
    expect(down.status).toBe(200);
    expect(down.json.service).toMatchObject({ forced_down: true, state: 'down' });
    const ids: string[] = [];
    for (const n of [1, 2]) ids.push((await env.boot(env.admin, { name: `avoid-${n}`, imageRef: image, flavorRef: small })).json.server.id);
    for (const id of ids) {
      await env.until(env.admin, id, ['ACTIVE']);
      expect(await hostOf(env, id)).toBe('fake-2');
    }
    expect((await env.as(env.admin, '2.53').put(`/os-services/${fake1.id}`, { forced_down: false })).json.service.state).toBe('up');
  });
  it('deletes locally when the host is down, and forceDelete deletes an ACTIVE server', async () => {
    const id = (await env.boot(env.admin, { name: 'stranded', imageRef: image, flavorRef: small, availability_zone: 'nova:fake-1' })).json.server.id;
    await env.until(env.admin, id, ['ACTIVE']);
    const services = await env.as(env.admin, '2.53').get('/os-services?binary=nova-compute');
    const fake1 = services.json.services.find((s: { host: string }) => s.host === 'fake-1');
    await env.as(env.admin, '2.53').put(`/os-services/${fake1.id}`, { forced_down: true });
    expect((await env.as(env.admin).del(`/servers/${id}`)).status).toBe(204);
    // No agent to wait for: the answer comes after the server is already gone.
    expect((await env.server(env.admin, id)).status).toBe(404);
    await env.as(env.admin, '2.53').put(`/os-services/${fake1.id}`, { forced_down: false });
    const other = (await env.boot(env.admin, { name: 'forced', imageRef: image, flavorRef: small })).json.server.id;
    await env.until(env.admin, other, ['ACTIVE']);
    expect((await env.as(env.admin).action(other, { forceDelete: null })).status).toBe(202);
    await waitFor('server gone', async () => ((await env.server(env.admin, other)).status === 404 ? true : undefined), 20_000);
  });
});

describe('Server deletion while it builds', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '1', STRATA_FAKE_DELAY_MS: '1500' });
  let flavor: string;
  let image: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(1);
    flavor = await env.flavor({ name: 'f', vcpus: 1, ram: 512, disk: 1, id: 'f1' });
    image = await env.image('i');
  }, 180_000);

  afterAll(() => env.stop());

  it('deletes a server in BUILD: it disappears and its claim is given back', async () => {
    const before = await memoryUsed(env);
    const id = (await env.boot(env.admin, { name: 'brief', imageRef: image, flavorRef: flavor })).json.server.id;
    expect((await env.server(env.admin, id)).json.server.status).toBe('BUILD');
    expect((await env.as(env.admin).del(`/servers/${id}`)).status).toBe(204);
    await waitFor('server gone', async () => ((await env.server(env.admin, id)).status === 404 ? true : undefined), 30_000);
    await waitFor('claim released', async () => ((await memoryUsed(env)) === before ? true : undefined), 30_000);
    const hv = (await env.as(env.admin, '2.1').get('/os-hypervisors/detail')).json.hypervisors[0];
    await waitFor('no guest left on the host', async () => ((await env.as(env.admin, '2.1').get('/os-hypervisors/detail')).json.hypervisors[0].running_vms === 0 ? true : undefined), 30_000);
    expect(hv.hypervisor_hostname).toBe('fake-1');
  });
});
