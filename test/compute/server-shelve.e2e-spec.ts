import { call } from '../identity/support/identity-http';
import { waitFor } from '../e2e/support/strata-process';
import { StrataCompute } from './support/strata-compute';

/**
 * Shelve, shelveOffload and unshelve (nova/api/openstack/compute/shelve.py) on `strata start` with the
 * fake driver and two hosts: the shelved image in Glance, the host's room given back by the offload,
 * unshelve anywhere, in a zone (2.77) or on a host an admin names (2.91), and Nova's refusals.
 */
describe('Shelve and unshelve (Nova v2.1)', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2', STRATA_FAKE_HOST_RESOURCES: 'vcpus=8,ram=8192,disk=100' });
  let flavor: string;
  let image: string;
  let alpha: { projectId: string; member: string; reader: string };
  let hosts: string[];

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    flavor = await env.flavor({ name: 'm1.shelve', vcpus: 1, ram: 1024, disk: 1, id: '300' });
    image = await env.image('cirros-shelve');
    alpha = await env.project('shelve-alpha');
    hosts = ((await env.as(env.admin).get('/os-hypervisors/detail')).json.hypervisors as { hypervisor_hostname: string }[]).map((h) => h.hypervisor_hostname).sort();
  }, 180_000);

  afterAll(() => env.stop());

  const boot = async (name: string) => {
    const r = await env.boot(alpha.member, { name, imageRef: image, flavorRef: flavor });
    expect(r.status).toBe(202);
    await env.until(alpha.member, r.json.server.id, ['ACTIVE']);
    return r.json.server.id as string;
  };
  const admin = (version = '2.93') => env.as(env.admin, version);
  const shown = async (id: string) => (await admin().get(`/servers/${id}`)).json.server;
  const memoryUsed = async (host: string) =>
    // The usage fields are gone from 2.88.
    ((await admin('2.1').get('/os-hypervisors/detail')).json.hypervisors as { hypervisor_hostname: string; memory_mb_used: number }[]).find((h) => h.hypervisor_hostname === host)!.memory_mb_used;
  const imagesNamed = async (name: string) => (await call('GET', `${env.base}/image/v2/images?name=${encodeURIComponent(name)}`, { token: alpha.member })).json.images as Record<string, unknown>[];
  const shelve = async (id: string) => {
    const r = await env.as(alpha.member).action(id, { shelve: null });
    expect(r.status).toBe(202);
    await env.until(alpha.member, id, ['SHELVED_OFFLOADED']);
  };

  it('shelves into the image <name>-shelved, offloads at once (host cleared, its room given back) and records one shelve action', async () => {
    const id = await boot('shelf-1');
    const host = (await shown(id))['OS-EXT-SRV-ATTR:host'];
    const before = await memoryUsed(host);
    await shelve(id);
    const server = await shown(id);
    expect(server).toMatchObject({
      status: 'SHELVED_OFFLOADED',
      'OS-EXT-STS:vm_state': 'shelved_offloaded',
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:power_state': 4,
      'OS-EXT-SRV-ATTR:host': null,
      'OS-EXT-AZ:availability_zone': '',
    });
    // The room comes back with the conductor's release of the claim, a step after the offload.
    await waitFor('the claim released', async () => ((await memoryUsed(host)) === before - 1024 ? true : undefined), 15_000);

    const images = await imagesNamed('shelf-1-shelved');
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ status: 'active', visibility: 'private', owner: alpha.projectId, disk_format: 'raw', container_format: 'bare', image_type: 'snapshot', instance_uuid: id, base_image_ref: image });
    expect(images[0].size).toBeGreaterThan(0);

    const actions = (await env.as(alpha.member).get(`/servers/${id}/os-instance-actions`)).json.instanceActions as { action: string; request_id: string }[];
    expect(actions.map((a) => a.action)).toEqual(['shelve', 'create']);
    const detail = (await admin().get(`/servers/${id}/os-instance-actions/${actions[0].request_id}`)).json.instanceAction;
    // Nova's shelve with shelved_offload_time 0: one step, the offload in it.
    expect((detail.events as { event: string; result: string; host: string }[]).map((e) => [e.event, e.result, e.host])).toEqual([['compute_shelve_instance', 'Success', host]]);
  });

  it("refuses Nova's way: shelve of a shelved server and unshelve of an active one (409), shelveOffload to a member (403) and of an offloaded server (409)", async () => {
    const id = await boot('shelf-2');
    const unshelveActive = await env.as(alpha.member).action(id, { unshelve: null });
    expect(unshelveActive.status).toBe(409);
    expect(unshelveActive.json.conflictingRequest.message).toBe(`Cannot 'unshelve' instance ${id} while it is in vm_state active`);
    expect((await env.as(alpha.member).action(id, { shelveOffload: null })).status).toBe(403);
    await shelve(id);
    const again = await env.as(alpha.member).action(id, { shelve: null });
    expect(again.status).toBe(409);
    expect(again.json.conflictingRequest.message).toBe(`Cannot 'shelve' instance ${id} while it is in vm_state shelved_offloaded`);
    const offload = await admin().action(id, { shelveOffload: null });
    expect(offload.status).toBe(409);
    expect(offload.json.conflictingRequest.message).toBe(`Cannot 'shelveOffload' instance ${id} while it is in vm_state shelved_offloaded`);
    // Nothing changed by the refusals; the shelved server deletes locally, its image with it.
    const [img] = await imagesNamed('shelf-2-shelved');
    expect((await env.as(alpha.member).del(`/servers/${id}`)).status).toBe(204);
    await waitFor('the shelved image to go with its server', async () => ((await call('GET', `${env.base}/image/v2/images/${img.id}`, { token: alpha.member })).status === 404 ? true : undefined), 20_000);
  });

  it("shelves another project's server for an admin into an image of the admin's project, shared with the server's; its owner unshelves it", async () => {
    const id = await boot('shelf-admin');
    expect((await admin().action(id, { shelve: null })).status).toBe(202);
    await env.until(alpha.member, id, ['SHELVED_OFFLOADED']);
    const [img] = (await call('GET', `${env.base}/image/v2/images?name=shelf-admin-shelved`, { token: env.admin })).json.images as Record<string, unknown>[];
    expect(img).toMatchObject({ status: 'active', owner: env.adminProject, visibility: 'shared', instance_uuid: id });
    const members = await call('GET', `${env.base}/image/v2/images/${img.id}/members`, { token: env.admin });
    expect(members.json.members).toEqual([expect.objectContaining({ member_id: alpha.projectId, status: 'pending' })]);
    expect((await call('GET', `${env.base}/image/v2/images/${img.id}`, { token: alpha.member })).status).toBe(200);
    expect((await env.as(alpha.member).action(id, { unshelve: null })).status).toBe(202);
    await env.until(alpha.member, id, ['ACTIVE']);
    await waitFor('the shelved image to be deleted', async () => ((await call('GET', `${env.base}/image/v2/images/${img.id}`, { token: env.admin })).status === 404 ? true : undefined), 20_000);
  });

  it('unshelves anywhere, then deletes the shelved image; the server keeps showing the image it was built from', async () => {
    const id = await boot('shelf-3');
    await shelve(id);
    const [img] = await imagesNamed('shelf-3-shelved');
    // From 2.91 an empty object is a plain unshelve, as Nova takes it.
    const r = await env.as(alpha.member, '2.91').action(id, { unshelve: {} });
    expect(r.status).toBe(202);
    const server = await env.until(alpha.member, id, ['ACTIVE']);
    expect(server.image.id).toBe(image);
    expect(hosts).toContain((await shown(id))['OS-EXT-SRV-ATTR:host']);
    await waitFor('the shelved image to be deleted', async () => ((await call('GET', `${env.base}/image/v2/images/${img.id}`, { token: alpha.member })).status === 404 ? true : undefined), 20_000);
    const actions = (await env.as(alpha.member).get(`/servers/${id}/os-instance-actions`)).json.instanceActions as { action: string; request_id: string }[];
    expect(actions[0].action).toBe('unshelve');
    const detail = (await admin().get(`/servers/${id}/os-instance-actions/${actions[0].request_id}`)).json.instanceAction;
    // As the Nova anchor records it: the conductor's image lookup and scheduling, then the host's unshelve.
    expect((detail.events as { event: string; result: string }[]).map((e) => [e.event, e.result]).sort()).toEqual([
      ['compute_unshelve_instance', 'Success'],
      ['get_image_info', 'Success'],
      ['schedule_instances', 'Success'],
    ]);
  });

  it('unshelves on the host an admin names (2.91), each host in turn, as Tempest does', async () => {
    const id = await boot('shelf-4');
    for (const host of [...hosts, ...hosts]) {
      await shelve(id);
      expect((await shown(id))['OS-EXT-SRV-ATTR:host']).toBeNull();
      const r = await admin('2.91').action(id, { unshelve: { host } });
      expect(r.status).toBe(202);
      await env.until(alpha.member, id, ['ACTIVE']);
      expect((await shown(id))['OS-EXT-SRV-ATTR:host']).toBe(host);
    }
  });

  it('checks the unshelve body by microversion, the zone, the host, and who may name one', async () => {
    const id = await boot('shelf-5');
    await shelve(id);
    const member = (v: string) => env.as(alpha.member, v);
    // Below 2.77 the body is not looked at; at 2.77 it is null or has the zone; host from 2.91.
    expect((await member('2.77').action(id, { unshelve: {} })).status).toBe(400);
    expect((await member('2.77').action(id, { unshelve: { host: hosts[0] } })).status).toBe(400);
    const noZone = await member('2.77').action(id, { unshelve: { availability_zone: 'nowhere' } });
    expect(noZone.status).toBe(400);
    expect(noZone.json.badRequest.message).toBe('The requested availability zone is not available');
    const notAdmin = await member('2.91').action(id, { unshelve: { host: hosts[0] } });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.json.forbidden.message).toBe("Policy doesn't allow os_compute_api:os-shelve:unshelve_to_host to be performed.");
    const unknown = await admin('2.91').action(id, { unshelve: { host: 'no-such-host' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.badRequest.message).toBe('Compute host no-such-host could not be found.');
    const wrongZone = await admin('2.91').action(id, { unshelve: { host: hosts[0], availability_zone: 'elsewhere' } });
    expect(wrongZone.status).toBe(400);
    expect((await shown(id))).toMatchObject({ status: 'SHELVED_OFFLOADED', 'OS-EXT-STS:task_state': null });
    // The zone every host is in: accepted, and the server lands there.
    const zone = ((await admin().get('/os-availability-zone')).json.availabilityZoneInfo as { zoneName: string }[])[0].zoneName;
    expect((await member('2.77').action(id, { unshelve: { availability_zone: zone } })).status).toBe(202);
    expect((await env.until(alpha.member, id, ['ACTIVE']))['OS-EXT-AZ:availability_zone']).toBe(zone);
  });

  it('leaves the server SHELVED_OFFLOADED, its action in Error, when no host can take it (the named host disabled)', async () => {
    const id = await boot('shelf-6');
    await shelve(id);
    const service = ((await admin().get(`/os-services?binary=nova-compute&host=${hosts[0]}`)).json.services as { id: string }[])[0];
    expect((await admin().put(`/os-services/${service.id}`, { status: 'disabled', disabled_reason: 'shelve test' })).status).toBe(200);
    const before = await memoryUsed(hosts[0]);
    try {
      const r = await admin('2.91').action(id, { unshelve: { host: hosts[0] } });
      expect(r.status).toBe(202);
      const actions = async () => (await env.as(alpha.member).get(`/servers/${id}/os-instance-actions`)).json.instanceActions as { action: string; request_id: string; message: string | null }[];
      await waitFor('the unshelve to fail', async () => ((await actions())[0].message === 'Error' ? true : undefined), 20_000);
      expect(await shown(id)).toMatchObject({ status: 'SHELVED_OFFLOADED', 'OS-EXT-STS:task_state': null, 'OS-EXT-SRV-ATTR:host': null });
      const detail = (await admin().get(`/servers/${id}/os-instance-actions/${(await actions())[0].request_id}`)).json.instanceAction;
      expect((detail.events as { event: string; result: string }[]).map((e) => [e.event, e.result]).sort()).toEqual([
        ['get_image_info', 'Success'],
        ['schedule_instances', 'Error'],
      ]);
      // Nothing was claimed: the host's usage did not move.
      expect(await memoryUsed(hosts[0])).toBe(before);
    } finally {
      await admin().put(`/os-services/${service.id}`, { status: 'enabled' });
    }
    expect((await env.as(alpha.member).action(id, { unshelve: null })).status).toBe(202);
    await env.until(alpha.member, id, ['ACTIVE']);
  });
});

describe('Unshelve: a crash mid-unshelve, then a restart, finishes it with one claim', () => {
  // Every fake operation takes 2 s, so the unshelve's spawn is in flight when the process dies.
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2', STRATA_FAKE_DELAY_MS: '2000' });

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
  }, 180_000);

  afterAll(() => env.stop());

  it('resumes the unshelve after SIGKILL: ACTIVE, its room claimed once', async () => {
    const flavor = await env.flavor({ name: 'm1.slow-shelve', vcpus: 1, ram: 512, disk: 1, id: '301' });
    const image = await env.image('slow-shelve');
    const id = (await env.boot(env.admin, { name: 'crash-shelve', imageRef: image, flavorRef: flavor })).json.server.id as string;
    await env.until(env.admin, id, ['ACTIVE'], 60_000);
    expect((await env.as(env.admin).action(id, { shelve: null })).status).toBe(202);
    await env.until(env.admin, id, ['SHELVED_OFFLOADED'], 60_000);
    expect((await env.as(env.admin).action(id, { unshelve: null })).status).toBe(202);
    const placed = await waitFor('the unshelve to be placed (task_state spawning)', async () => {
      const s = (await env.as(env.admin).get(`/servers/${id}`)).json.server;
      return s['OS-EXT-STS:task_state'] === 'spawning' ? s : undefined;
    }, 20_000);
    expect(placed.status).toBe('SHELVED_OFFLOADED');
    const port = Number(new URL(env.base).port);
    await env.crash();
    await env.start(port);
    const server = await env.until(env.admin, id, ['ACTIVE'], 60_000);
    expect(server['OS-EXT-SRV-ATTR:host']).toEqual(expect.any(String));
    // The two hosts' reserved 512 MiB each, and this server's 512 once: the claim taken before the crash is the one kept.
    const used = ((await env.as(env.admin, '2.1').get('/os-hypervisors/detail')).json.hypervisors as { memory_mb_used: number }[]).reduce((sum, h) => sum + h.memory_mb_used, 0);
    expect(used).toBe(2 * 512 + 512);
  }, 240_000);
});

describe('STRATA_SHELVED_OFFLOAD_TIME: -1 keeps shelved servers on their hosts until an admin offloads them; N seconds offloads them after N', () => {
  const never = new StrataCompute({ STRATA_FAKE_HOSTS: '2', STRATA_SHELVED_OFFLOAD_TIME: '-1' });
  const later = new StrataCompute({ STRATA_FAKE_HOSTS: '1', STRATA_SHELVED_OFFLOAD_TIME: '1' });

  beforeAll(async () => {
    await Promise.all([never.start(), later.start()]);
    await Promise.all([never.hosts(2), later.hosts(1)]);
  }, 180_000);

  afterAll(() => Promise.all([never.stop(), later.stop()]));

  const bootOn = async (env: StrataCompute, name: string) => {
    const flavor = await env.flavor({ name: `m1.${name}`, vcpus: 1, ram: 1024, disk: 1 });
    const image = await env.image(`img-${name}`);
    const id = (await env.boot(env.admin, { name, imageRef: image, flavorRef: flavor })).json.server.id as string;
    return (await env.until(env.admin, id, ['ACTIVE'])) as Record<string, any>;
  };
  const memoryUsed = async (env: StrataCompute, host: string) =>
    ((await env.as(env.admin, '2.1').get('/os-hypervisors/detail')).json.hypervisors as { hypervisor_hostname: string; memory_mb_used: number }[]).find((h) => h.hypervisor_hostname === host)!.memory_mb_used;

  it('-1: SHELVED on its host with its room; unshelve powers it on there; an admin offloads it (its own action) and frees the room', async () => {
    const server = await bootOn(never, 'keep');
    const id = server.id as string;
    const host = server['OS-EXT-SRV-ATTR:host'] as string;
    const used = await memoryUsed(never, host);
    expect((await never.as(never.admin).action(id, { shelve: null })).status).toBe(202);
    expect(await never.until(never.admin, id, ['SHELVED'])).toMatchObject({ 'OS-EXT-SRV-ATTR:host': host, 'OS-EXT-STS:power_state': 4, 'OS-EXT-STS:task_state': null });
    expect(await memoryUsed(never, host)).toBe(used);
    expect((await never.as(never.admin).action(id, { unshelve: null })).status).toBe(202);
    expect(await never.until(never.admin, id, ['ACTIVE'])).toMatchObject({ 'OS-EXT-SRV-ATTR:host': host, 'OS-EXT-STS:power_state': 1 });

    expect((await never.as(never.admin).action(id, { shelve: null })).status).toBe(202);
    await never.until(never.admin, id, ['SHELVED']);
    expect((await never.as(never.admin).action(id, { shelveOffload: null })).status).toBe(202);
    expect(await never.until(never.admin, id, ['SHELVED_OFFLOADED'])).toMatchObject({ 'OS-EXT-SRV-ATTR:host': null });
    await waitFor('the claim released', async () => ((await memoryUsed(never, host)) === used - 1024 ? true : undefined), 15_000);
    const actions = (await never.as(never.admin).get(`/servers/${id}/os-instance-actions`)).json.instanceActions as { action: string }[];
    expect(actions.map((a) => a.action).slice(0, 4)).toEqual(['shelveOffload', 'shelve', 'unshelve', 'shelve']);
  });

  it('-1: deleting a SHELVED server destroys the guest on its host and deletes its image', async () => {
    const server = await bootOn(never, 'gone');
    const id = server.id as string;
    expect((await never.as(never.admin).action(id, { shelve: null })).status).toBe(202);
    await never.until(never.admin, id, ['SHELVED']);
    const [image] = (await call('GET', `${never.base}/image/v2/images?name=gone-shelved`, { token: never.admin })).json.images as { id: string }[];
    expect((await never.as(never.admin).del(`/servers/${id}`)).status).toBe(204);
    await waitFor('the server to be deleted', async () => ((await never.server(never.admin, id)).status === 404 ? true : undefined), 20_000);
    await waitFor('its image to be deleted', async () => ((await call('GET', `${never.base}/image/v2/images/${image.id}`, { token: never.admin })).status === 404 ? true : undefined), 20_000);
    await waitFor('the claim released', async () => ((await memoryUsed(never, server['OS-EXT-SRV-ATTR:host'])) === 512 ? true : undefined), 15_000);
  });

  it('1 second: SHELVED first, then offloaded by the conductor', async () => {
    const server = await bootOn(later, 'later');
    expect((await later.as(later.admin).action(server.id, { shelve: null })).status).toBe(202);
    await later.until(later.admin, server.id, ['SHELVED']);
    expect(await later.until(later.admin, server.id, ['SHELVED_OFFLOADED'], 20_000)).toMatchObject({ 'OS-EXT-SRV-ATTR:host': null });
  });
});
