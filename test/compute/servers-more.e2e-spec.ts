import { call } from '../identity/support/identity-http';
import { StrataCompute } from './support/strata-compute';

/**
 * More of Nova's servers API on `strata start` with the fake driver: the update and rebuild views
 * (base fields below 2.75), OS-DCF:diskConfig, access addresses, server tags (2.26),
 * the ips of a server, os-server-password, os-resetState, restore, migrate of an unknown server, resize over quota,
 * quota classes, the reservation_id filter and the v2 version document.
 */
describe('Servers API (Nova v2.1): update, rebuild, tags, reset state and friends', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2', STRATA_FAKE_HOST_RESOURCES: 'vcpus=64,ram=65536,disk=200' });
  let flavor: string;
  let bigger: string;
  let image: string;
  let alpha: { projectId: string; member: string; reader: string };
  let serverId: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    flavor = await env.flavor({ name: 'm1.small', vcpus: 1, ram: 512, disk: 1, id: '200' });
    bigger = await env.flavor({ name: 'm1.ram', vcpus: 1, ram: 4096, disk: 1, id: '201' });
    image = await env.image('cirros');
    alpha = await env.project('alpha');
    const r = await env.boot(alpha.member, { name: 'more-1', imageRef: image, flavorRef: flavor, adminPass: 'my-pass', accessIPv4: '1.1.1.1', accessIPv6: '0000:0000:0000:0000:0000:babe:220.12.22.2', 'OS-DCF:diskConfig': 'AUTO' });
    expect(r.status).toBe(202);
    expect(r.json.server).toMatchObject({ adminPass: 'my-pass', 'OS-DCF:diskConfig': 'AUTO' });
    serverId = r.json.server.id;
    await env.until(alpha.member, serverId, ['ACTIVE']);
  }, 180_000);

  afterAll(() => env.stop());

  const show = async (version = '2.93') => (await env.as(alpha.member, version).get(`/servers/${serverId}`)).json.server;

  it('keeps the access addresses as Nova does (IPv6 compressed) and refuses invalid ones', async () => {
    expect(await show()).toMatchObject({ accessIPv4: '1.1.1.1', accessIPv6: '::babe:dc0c:1602', 'OS-DCF:diskConfig': 'AUTO' });
    for (const [field, value] of [
      ['accessIPv4', '1.1.1.1.1.1'],
      ['accessIPv6', 'notvalid'],
    ]) {
      const r = await env.boot(alpha.member, { name: 'bad-ip', imageRef: image, flavorRef: flavor, [field]: value });
      expect(r.status).toBe(400);
      expect(r.json.badRequest.message).toBe(`Invalid input for field/attribute ${field}. Value: ${value}. '${value}' is not a '${field === 'accessIPv4' ? 'ipv4' : 'ipv6'}'`);
    }
    const bad = await env.as(alpha.member).put(`/servers/${serverId}`, { server: { accessIPv4: 'x' } });
    expect(bad.status).toBe(400);
  });

  it('answers PUT with the base view below 2.75 and the whole view from 2.75; OS-DCF:diskConfig is updated', async () => {
    const old = await env.as(alpha.member, '2.1').put(`/servers/${serverId}`, { server: { name: 'more-renamed', 'OS-DCF:diskConfig': 'MANUAL' } });
    expect(old.status).toBe(200);
    expect(old.json.server).toMatchObject({ name: 'more-renamed', 'OS-DCF:diskConfig': 'MANUAL' });
    for (const key of ['OS-EXT-STS:vm_state', 'OS-EXT-AZ:availability_zone', 'config_drive', 'key_name', 'OS-SRV-USG:launched_at', 'os-extended-volumes:volumes_attached']) {
      expect(old.json.server).not.toHaveProperty(key);
    }
    const current = await env.as(env.admin, '2.75').put(`/servers/${serverId}`, { server: { accessIPv6: '::1' } });
    expect(current.status).toBe(200);
    expect(current.json.server).toMatchObject({ accessIPv6: '::1', 'OS-EXT-STS:vm_state': 'active', key_name: null });
    expect(current.json.server).toHaveProperty('OS-EXT-SRV-ATTR:host');
    expect(current.json.server).not.toHaveProperty('OS-EXT-SRV-ATTR:user_data');
    expect((await show())['OS-DCF:diskConfig']).toBe('MANUAL');
  });

  it('manages tags from 2.26: add (201, then 204), check, replace, delete one and all', async () => {
    const api = env.as(alpha.member, '2.26');
    expect((await env.as(alpha.member, '2.25').get(`/servers/${serverId}/tags`)).status).toBe(404);
    expect((await api.get(`/servers/${serverId}/tags`)).json).toEqual({ tags: [] });
    const added = await api.put(`/servers/${serverId}/tags/blue`);
    expect(added.status).toBe(201);
    expect(added.headers.location).toContain(`/compute/v2.1/servers/${serverId}/tags/blue`);
    expect((await api.put(`/servers/${serverId}/tags/blue`)).status).toBe(204);
    expect((await api.get(`/servers/${serverId}/tags/blue`)).status).toBe(204);
    expect((await api.get(`/servers/${serverId}/tags/red`)).status).toBe(404);
    expect((await api.put(`/servers/${serverId}/tags/a,b`)).status).toBe(400);
    const replaced = await api.put(`/servers/${serverId}/tags`, { tags: ['x', 'y'] });
    expect(replaced.status).toBe(200);
    expect(replaced.json.tags.sort()).toEqual(['x', 'y']);
    expect((await api.del(`/servers/${serverId}/tags/x`)).status).toBe(204);
    const missing = await api.del(`/servers/${serverId}/tags/x`);
    expect(missing.status).toBe(404);
    expect((await show()).tags).toEqual(['y']);
    expect((await api.del(`/servers/${serverId}/tags`)).status).toBe(204);
    expect((await api.get(`/servers/${serverId}/tags`)).json).toEqual({ tags: [] });
    expect((await env.as(alpha.reader, '2.26').put(`/servers/${serverId}/tags/z`)).status).toBe(403);
  });

  it('takes tags at create (2.52) and filters the list by reservation_id', async () => {
    const r = await env.as(alpha.member, '2.52').post('/servers', { server: { name: 'tagged', imageRef: image, flavorRef: flavor, networks: 'none', tags: ['t1'], min_count: 2, return_reservation_id: true } });
    expect(r.status).toBe(202);
    const listed = (await env.as(alpha.member).get(`/servers/detail?reservation_id=${r.json.reservation_id}`)).json.servers;
    expect(listed).toHaveLength(2);
    expect(listed.map((s: { tags: string[] }) => s.tags)).toEqual([['t1'], ['t1']]);
    for (const s of listed) await env.as(alpha.member).del(`/servers/${s.id}`);
  });

  it('lists the addresses by network (ips): a reader of the project sees them, a network the server is not on is 404', async () => {
    // No network service yet: the server is on no network, as the server view shows.
    expect((await show()).addresses).toEqual({});
    const ips = await env.as(alpha.reader).get(`/servers/${serverId}/ips`);
    expect(ips.status).toBe(200);
    expect(ips.json).toEqual({ addresses: {} });
    const none = await env.as(alpha.reader).get(`/servers/${serverId}/ips/private`);
    expect(none.status).toBe(404);
    expect(none.json.itemNotFound.message).toBe('Instance is not a member of specified network');
    const other = await env.project('ips-other');
    expect((await env.as(other.member).get(`/servers/${serverId}/ips`)).status).toBe(404);
    expect((await env.as(alpha.reader).get('/servers/00000000-0000-0000-0000-000000000000/ips')).json.itemNotFound.message).toBe('Instance 00000000-0000-0000-0000-000000000000 could not be found.');
  });

  it('shows an empty os-server-password and clears it with 204', async () => {
    const got = await env.as(alpha.member).get(`/servers/${serverId}/os-server-password`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({ password: '' });
    expect((await env.as(alpha.member).del(`/servers/${serverId}/os-server-password`)).status).toBe(204);
  });

  it('answers rebuild with its own view: adminPass asked for, key_name from 2.54, user_data from 2.57, diskConfig kept', async () => {
    const r = await env.as(alpha.member, '2.57').action(serverId, { rebuild: { imageRef: image, adminPass: 'rebuilt-pass', 'OS-DCF:diskConfig': 'AUTO' } });
    expect(r.status).toBe(202);
    expect(r.json.server).toMatchObject({ adminPass: 'rebuilt-pass', key_name: null, user_data: null, 'OS-DCF:diskConfig': 'AUTO', status: 'REBUILD' });
    expect(r.json.server).not.toHaveProperty('OS-EXT-STS:task_state');
    const s = await env.until(alpha.member, serverId, ['ACTIVE']);
    expect(s['OS-DCF:diskConfig']).toBe('AUTO');
  });

  it('resets the state (admin only) and records the resetState action; an error server can be rebuilt', async () => {
    expect((await env.as(alpha.member).action(serverId, { 'os-resetState': { state: 'error' } })).status).toBe(403);
    expect((await env.as(env.admin).action('6f0a6c4e-0000-4000-8000-00000000dead', { 'os-resetState': { state: 'error' } })).status).toBe(404);
    const bad = await env.as(env.admin).action(serverId, { 'os-resetState': { state: 'stopped' } });
    expect(bad.status).toBe(400);
    const r = await env.as(env.admin).action(serverId, { 'os-resetState': { state: 'error' } });
    expect(r.status).toBe(202);
    expect(r.headers['x-compute-request-id']).toBe(r.headers['x-openstack-request-id']);
    expect((await show()).status).toBe('ERROR');
    const errored = (await env.as(env.admin).get(`/servers/detail?status=ERROR&all_tenants=1`)).json.servers.map((s: { id: string }) => s.id);
    expect(errored).toContain(serverId);
    const actions = (await env.as(alpha.member).get(`/servers/${serverId}/os-instance-actions`)).json.instanceActions;
    expect(actions.find((a: { request_id: string }) => a.request_id === r.headers['x-openstack-request-id'])).toMatchObject({ action: 'resetState' });
    expect((await env.as(env.admin).action(serverId, { rebuild: { imageRef: image } })).status).toBe(202);
    // The fake agent may finish before the next look: REBUILD is only passed through.
    expect((await env.until(alpha.member, serverId, ['ACTIVE', 'ERROR'])).status).toBe('ACTIVE');
    const rebuilt = (await env.as(alpha.member).get(`/servers/${serverId}/os-instance-actions`)).json.instanceActions[0];
    expect(rebuilt).toMatchObject({ action: 'rebuild', message: null });
  });

  it('refuses restore of a server that is not soft-deleted (409) and migrate/restore of an unknown one (404)', async () => {
    const r = await env.as(alpha.member).action(serverId, { restore: null });
    expect(r.status).toBe(409);
    expect(r.json.conflictingRequest.message).toBe(`Cannot 'restore' instance ${serverId} while it is in vm_state active`);
    expect((await env.as(alpha.member).action('6f0a6c4e-0000-4000-8000-00000000dead', { restore: null })).status).toBe(404);
    expect((await env.as(env.admin).action('6f0a6c4e-0000-4000-8000-00000000dead', { migrate: null })).status).toBe(404);
  });

  it('refuses a resize whose growth exceeds the ram quota (403) and changes nothing', async () => {
    const quota = await env.as(env.admin).put(`/os-quota-sets/${alpha.projectId}`, { quota_set: { ram: 2048 } });
    expect(quota.status).toBe(200);
    const r = await env.as(alpha.member).action(serverId, { resize: { flavorRef: bigger } });
    expect(r.status).toBe(403);
    expect(r.json.forbidden.message).toMatch(/^Quota exceeded for ram: Requested 3584, but already used \d+ of 2048 ram$/);
    expect((await show()).status).toBe('ACTIVE');
    await env.as(env.admin).del(`/os-quota-sets/${alpha.projectId}`);
  });

  it('boots against what the read models say now: a lowered quota, a deleted flavor and a deactivated image refuse the very next boot', async () => {
    // The API answers a boot's flavor, image and limits from memory while their read models do not change.
    const used = (await env.as(env.admin).get(`/os-quota-sets/${alpha.projectId}/detail`)).json.quota_set.instances.in_use as number;
    const once = await env.flavor({ name: 'm1.once', vcpus: 1, ram: 256, disk: 1, id: '299' });
    const first = await env.boot(alpha.member, { name: 'fresh-1', imageRef: image, flavorRef: once });
    expect(first.status).toBe(202);
    await env.until(alpha.member, first.json.server.id, ['ACTIVE']);

    expect((await env.as(env.admin).put(`/os-quota-sets/${alpha.projectId}`, { quota_set: { instances: used + 1 } })).status).toBe(200);
    const overQuota = await env.boot(alpha.member, { name: 'fresh-2', imageRef: image, flavorRef: once });
    expect(overQuota.status).toBe(403);
    expect(overQuota.json.forbidden.message).toBe(`Quota exceeded for instances: Requested 1, but already used ${used + 1} of ${used + 1} instances`);
    expect((await env.as(env.admin).del(`/os-quota-sets/${alpha.projectId}`)).status).toBe(202);

    expect((await env.as(env.admin).del(`/flavors/${once}`)).status).toBe(202);
    const goneFlavor = await env.boot(alpha.member, { name: 'fresh-3', imageRef: image, flavorRef: once });
    expect(goneFlavor.status).toBe(400);
    expect(goneFlavor.json.badRequest.message).toBe('Invalid flavorRef provided.');

    const imageAction = (action: string) => call('POST', `${env.base}/image/v2/images/${image}/actions/${action}`, { token: env.admin });
    expect((await imageAction('deactivate')).status).toBe(204);
    try {
      const inactive = await env.boot(alpha.member, { name: 'fresh-4', imageRef: image, flavorRef: flavor });
      expect(inactive.status).toBe(400);
      expect(inactive.json.badRequest.message).toBe(`Image ${image} is not active.`);
    } finally {
      expect((await imageAction('reactivate')).status).toBe(204);
    }
    const again = await env.boot(alpha.member, { name: 'fresh-5', imageRef: image, flavorRef: flavor });
    expect(again.status).toBe(202);
    await env.until(alpha.member, again.json.server.id, ['ACTIVE']);
    for (const id of [first.json.server.id, again.json.server.id]) expect((await env.as(alpha.member).del(`/servers/${id}`)).status).toBe(204);
  });

  it('answers a metadata POST with 200 and the whole metadata, as Nova does', async () => {
    const r = await env.as(alpha.member).post(`/servers/${serverId}/metadata`, { metadata: { tier: 'gold' } });
    expect(r.status).toBe(200);
    expect(r.json.metadata).toMatchObject({ tier: 'gold' });
    expect((await env.as(alpha.member).del(`/servers/${serverId}/metadata/tier`)).status).toBe(204);
  });

  it('rejects an invalid changes-since date', async () => {
    const r = await env.as(alpha.member).get('/servers?changes-since=2011/01/01');
    expect(r.status).toBe(400);
  });

  it('updates the default quota class, which changes every project default', async () => {
    const api = env.as(env.admin, '2.57');
    expect((await env.as(alpha.member).put('/os-quota-class-sets/default', { quota_class_set: { instances: 11 } })).status).toBe(403);
    const r = await api.put('/os-quota-class-sets/default', { quota_class_set: { instances: 110, cores: 120 } });
    expect(r.status).toBe(200);
    expect(r.json.quota_class_set).toMatchObject({ instances: 110, cores: 120 });
    expect(r.json.quota_class_set).not.toHaveProperty('id');
    expect((await api.get('/os-quota-class-sets/default')).json.quota_class_set).toMatchObject({ id: 'default', instances: 110 });
    expect((await api.get(`/os-quota-sets/${alpha.projectId}`)).json.quota_set).toMatchObject({ instances: 110, cores: 120 });
    await api.put('/os-quota-class-sets/default', { quota_class_set: { instances: 10, cores: 20 } });
  });

  it('serves the v2 version document', async () => {
    const r = await fetch(`${env.compute.replace(/\/v2\.1$/, '')}/v2/`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { version: unknown }).version).toMatchObject({ id: 'v2.0', status: 'SUPPORTED' });
  });
});
