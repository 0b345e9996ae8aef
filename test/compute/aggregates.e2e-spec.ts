import { waitFor } from '../e2e/support/strata-process';
import { call } from '../identity/support/identity-http';
import { answer, novaFault, policyDenied } from './support/nova-http';
import { StrataCompute } from './support/strata-compute';

/**
 * os-aggregates (nova/api/openstack/compute/aggregates.py, Zed) on `strata start` with two fake hosts:
 * the aggregate's life, Nova's views at 2.1 and 2.41, every refusal (and that a refusal writes
 * nothing), and the availability zone an aggregate gives its hosts: listed, used by the scheduler,
 * shown on the server, and kept still while servers run in it.
 */
describe('os-aggregates (Nova v2.1)', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2' });
  let alpha: { projectId: string; member: string; reader: string };
  let flavor: string;
  let image: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    flavor = await env.flavor({ name: 'm1.agg', vcpus: 1, ram: 128, disk: 1, id: '700' });
    image = await env.image('cirros-agg');
    alpha = await env.project('agg-alpha');
  }, 180_000);

  afterAll(() => env.stop());

  const admin = (version = '2.1') => env.as(env.admin, version);
  /**
   * The events on aggregates in the audit trail, once it holds `type` on aggregate `id` (the audit
   * trail is a read model: it follows the log).
   */
  const aggregateEventsAfter = (type: string, id: number) =>
    waitFor(
      `${type} of aggregate ${id} in the audit trail`,
      async () => {
        const events = (await call('GET', `${env.base}/strata/v1/audit?resource_type=aggregate&limit=1000`, { token: env.admin })).json.events as { type: string; resource: { id: string } }[];
        return events.some((e) => e.type === type && e.resource.id === String(id)) ? events.length : undefined;
      },
      10_000,
    );
  const NOVA_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

  it('creates, lists, shows, renames, sets metadata and deletes, in Nova’s views', async () => {
    const created = await admin().post('/os-aggregates', { aggregate: { name: ' rack-1 '.trim(), availability_zone: 'zone-a' } });
    expect(created.status).toBe(200);
    // A create's answer has no hosts and no metadata (aggregates.py `create`).
    expect(created.json.aggregate).toEqual({ availability_zone: 'zone-a', created_at: expect.stringMatching(NOVA_TIME), deleted: false, deleted_at: null, id: expect.any(Number), name: 'rack-1', updated_at: null });
    const id = created.json.aggregate.id as number;

    const shown = await admin().get(`/os-aggregates/${id}`);
    expect(shown.json.aggregate).toMatchObject({ id, name: 'rack-1', availability_zone: 'zone-a', hosts: [], metadata: { availability_zone: 'zone-a' }, updated_at: null });
    expect(((await admin().get('/os-aggregates')).json.aggregates as { id: number }[]).map((a) => a.id)).toContain(id);

    // 2.41 adds the uuid.
    const v241 = await admin('2.41').get(`/os-aggregates/${id}`);
    expect(v241.json.aggregate.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(shown.json.aggregate.uuid).toBeUndefined();

    const renamed = await admin().put(`/os-aggregates/${id}`, { aggregate: { name: '  rack-1b  ', availability_zone: 'zone-b' } });
    expect(renamed.status).toBe(200);
    expect(renamed.json.aggregate).toMatchObject({ name: 'rack-1b', availability_zone: 'zone-b', metadata: { availability_zone: 'zone-b' }, updated_at: expect.stringMatching(NOVA_TIME) });

    // set_metadata merges: a value sets, null removes, other keys stay.
    await admin().post(`/os-aggregates/${id}/action`, { set_metadata: { metadata: { ssd: 'true', gpu: 'none' } } });
    const merged = await admin().post(`/os-aggregates/${id}/action`, { set_metadata: { metadata: { gpu: null, 'a b:c.d': 'x' } } });
    expect(merged.status).toBe(200);
    expect(merged.json.aggregate.metadata).toEqual({ availability_zone: 'zone-b', ssd: 'true', 'a b:c.d': 'x' });

    const deleted = await admin().del(`/os-aggregates/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('');
    expect(await answer(admin().get(`/os-aggregates/${id}`))).toEqual({ status: 404, json: novaFault(404, `Aggregate ${id} could not be found.`) });
    expect(await answer(admin().get('/os-aggregates/99999999999999999999'))).toEqual({ status: 404, json: novaFault(404, 'Aggregate 99999999999999999999 could not be found.') });
    // Ids are never reused.
    const next = await admin().post('/os-aggregates', { aggregate: { name: 'rack-1' } });
    expect(next.json.aggregate.id).toBeGreaterThan(id);
    expect(next.json.aggregate.availability_zone).toBeNull();
    // Nova's answer to set_metadata carries the time of the change; the aggregate's updated_at stays (only a rename moves it).
    const touched = await admin().post(`/os-aggregates/${next.json.aggregate.id}/action`, { set_metadata: { metadata: { k: 'v' } } });
    expect(touched.json.aggregate).toMatchObject({ metadata: { k: 'v' }, updated_at: expect.stringMatching(NOVA_TIME) });
    expect((await admin().get(`/os-aggregates/${next.json.aggregate.id}`)).json.aggregate).toMatchObject({ metadata: { k: 'v' }, updated_at: null });
    await admin().del(`/os-aggregates/${next.json.aggregate.id}`);
  });

  it("refuses Nova's way, and a refusal writes nothing", async () => {
    const a = (await admin().post('/os-aggregates', { aggregate: { name: 'refusals', availability_zone: 'zone-r' } })).json.aggregate;
    const b = (await admin().post('/os-aggregates', { aggregate: { name: 'other-zone', availability_zone: 'zone-o' } })).json.aggregate;
    expect((await admin().post(`/os-aggregates/${a.id}/action`, { add_host: { host: 'fake-1' } })).status).toBe(200);
    const before = await aggregateEventsAfter('AggregateHostAdded', a.id);
    const fault = (status: number, message: string) => ({ status, json: novaFault(status, message) });

    expect(await answer(admin().post('/os-aggregates', { aggregate: { name: 'Refusals' } }))).toEqual(fault(409, 'Aggregate Refusals already exists.'));
    expect(await answer(admin().post('/os-aggregates', { aggregate: { name: '' } }))).toEqual(fault(400, "Invalid input for field/attribute name. Value: . '' is too short"));
    expect((await admin().post('/os-aggregates', { aggregate: { name: 'a'.repeat(256) } })).status).toBe(400);
    expect(await answer(admin().post('/os-aggregates', { aggregate: { name: 'x', availability_zone: 'a:b' } }))).toEqual(
      fault(400, "Invalid input for field/attribute availability_zone. Value: a:b. 'a:b' is not valid under any of the given schemas"),
    );
    expect(await answer(admin().put(`/os-aggregates/${a.id}`, { aggregate: {} }))).toEqual(fault(400, "Invalid input for field/attribute aggregate. Value: {}. {} is not valid under any of the given schemas"));
    expect(await answer(admin().get('/os-aggregates/abc'))).toEqual(fault(400, 'Invalid input received: id must be an integer'));
    expect(await answer(admin().get('/os-aggregates/-1'))).toEqual(fault(404, 'Aggregate -1 could not be found.'));
    expect(await answer(admin().del('/os-aggregates/-1'))).toEqual(fault(404, 'Aggregate -1 could not be found.'));
    expect(await answer(admin().post(`/os-aggregates/${a.id}/action`, { add_host: { host: 'nonexist_host' } }))).toEqual(fault(404, 'Compute host nonexist_host could not be found.'));
    expect(await answer(admin().post(`/os-aggregates/${a.id}/action`, { add_host: { host: 'fake-1' } }))).toEqual(fault(409, `Aggregate ${a.id} already has host fake-1.`));
    expect(await answer(admin().post(`/os-aggregates/${b.id}/action`, { add_host: { host: 'fake-1' } }))).toEqual(
      fault(409, `Cannot add host to aggregate ${b.id}. Reason: One or more hosts already in availability zone(s) ['zone-r'].`),
    );
    expect(await answer(admin().post(`/os-aggregates/${b.id}/action`, { remove_host: { host: 'fake-1' } }))).toEqual(fault(404, `Cannot remove host fake-1 in aggregate ${b.id}`));
    expect(await answer(admin().post(`/os-aggregates/${a.id}/action`, { remove_host: { host: 'nonexist_host' } }))).toEqual(fault(404, `Cannot remove host nonexist_host in aggregate ${a.id}`));
    expect(await answer(admin().del(`/os-aggregates/${a.id}`))).toEqual(fault(400, `Cannot remove host from aggregate ${a.id}. Reason: Host aggregate is not empty.`));
    expect(await answer(admin().put(`/os-aggregates/${a.id}`, { aggregate: { availability_zone: null } }))).toEqual(
      fault(400, `Cannot update aggregate ${a.id}. Reason: Aggregate refusals does not support empty named availability zone.`),
    );
    expect(await answer(admin().post(`/os-aggregates/${a.id}/action`, { set_metadata: { metadata: { availability_zone: null } } }))).toEqual(
      fault(400, `Cannot update metadata of aggregate ${a.id}. Reason: Aggregate refusals does not support empty named availability zone.`),
    );
    expect(await answer(admin().post(`/os-aggregates/${a.id}/action`, { set_metadata: { metadata: { 'bad/key': 'v' } } }))).toEqual(
      fault(400, "Invalid input for field/attribute metadata. Value: {'bad/key': 'v'}. Additional properties are not allowed ('bad/key' was unexpected)"),
    );
    expect(await answer(admin().post(`/os-aggregates/${a.id}/action`, { reboot: {} }))).toEqual(fault(400, 'There is no such action: reboot'));
    expect(await answer(admin('2.80').post(`/os-aggregates/${a.id}/images`, { cache: [{ id: image }] }))).toEqual(fault(404, 'The resource could not be found.'));
    // 2.81's image pre-caching is not offered: a plain 501, not a 202 that would cache nothing.
    expect(await answer(admin('2.81').post(`/os-aggregates/${a.id}/images`, { cache: [{ id: image }, { id: image }] }))).toEqual(fault(400, 'Duplicate images in request'));
    expect(await answer(admin('2.81').post(`/os-aggregates/${a.id}/images`, { cache: [{ id: image }] }))).toEqual({
      status: 501,
      json: { notImplemented: { code: 501, message: 'Image pre-caching is not implemented by this cloud: images are fetched by the compute host when a server first needs them.' } },
    });

    // Policy: admin only; a bad body is a 400 before the policy is asked.
    const user = env.as(alpha.member, '2.1');
    expect(await answer(user.get('/os-aggregates'))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-aggregates:index') });
    expect(await answer(user.get(`/os-aggregates/${a.id}`))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-aggregates:show') });
    expect(await answer(user.post('/os-aggregates', { aggregate: { name: 'mine' } }))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-aggregates:create') });
    expect((await user.post('/os-aggregates', { aggregate: { name: '' } })).status).toBe(400);
    expect(await answer(user.del(`/os-aggregates/${a.id}`))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-aggregates:delete') });
    expect(await answer(user.post(`/os-aggregates/${a.id}/action`, { add_host: { host: 'fake-2' } }))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-aggregates:add_host') });
    expect(await answer(user.post(`/os-aggregates/${a.id}/action`, { remove_host: { host: 'fake-1' } }))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-aggregates:remove_host') });

    // The next write is the next event: none came between.
    await admin().post(`/os-aggregates/${a.id}/action`, { remove_host: { host: 'fake-1' } });
    expect(await aggregateEventsAfter('AggregateHostRemoved', a.id)).toBe(before + 1);
    for (const x of [a, b]) expect((await admin().del(`/os-aggregates/${x.id}`)).status).toBe(200);
  });

  it('gives its hosts its zone: listed, scheduled into, shown on the server, and held while servers run there', async () => {
    const agg = (await admin().post('/os-aggregates', { aggregate: { name: 'edge', availability_zone: 'edge-zone' } })).json.aggregate;
    const added = await admin().post(`/os-aggregates/${agg.id}/action`, { add_host: { host: 'fake-2' } });
    expect(added.json.aggregate).toMatchObject({ hosts: ['fake-2'], availability_zone: 'edge-zone' });

    const zones = (await admin().get('/os-availability-zone/detail')).json.availabilityZoneInfo as { zoneName: string; hosts: Record<string, unknown> }[];
    expect(zones.find((z) => z.zoneName === 'edge-zone')?.hosts).toEqual({ 'fake-2': expect.any(Object) });
    expect(Object.keys(zones.find((z) => z.zoneName === 'nova')?.hosts ?? {})).toEqual(['fake-1']);
    const services = (await admin().get('/os-services?binary=nova-compute')).json.services as { host: string; zone: string }[];
    expect(Object.fromEntries(services.map((s) => [s.host, s.zone]))).toEqual({ 'fake-1': 'nova', 'fake-2': 'edge-zone' });
    // Nova lists the available zones by name, then the others by name; a zone whose services are all disabled
    // is not available, and the detail lists no hosts for it.
    expect(zones.map((z) => z.zoneName)).toEqual(['edge-zone', 'nova']);
    expect((await admin().put('/os-services/disable', { host: 'fake-2', binary: 'nova-compute' })).status).toBe(200);
    expect((await admin().get('/os-availability-zone')).json.availabilityZoneInfo).toEqual([
      { zoneName: 'nova', zoneState: { available: true }, hosts: null },
      { zoneName: 'edge-zone', zoneState: { available: false }, hosts: null },
    ]);
    expect(((await admin().get('/os-availability-zone/detail')).json.availabilityZoneInfo as unknown[])[1]).toEqual({ zoneName: 'edge-zone', zoneState: { available: false }, hosts: null });
    // A boot into a zone that is not available is refused at the API (nova/compute/api.py, get_only_available).
    expect(await answer(env.boot(alpha.member, { name: 'disabled-zone', imageRef: image, flavorRef: flavor, availability_zone: 'edge-zone' }))).toEqual({
      status: 400,
      json: novaFault(400, 'The requested availability zone is not available'),
    });
    expect((await admin().put('/os-services/enable', { host: 'fake-2', binary: 'nova-compute' })).status).toBe(200);

    // A forced host ('az:host') skips the zone check, as in Nova: the server lands on the host and shows its zone.
    const forced = (await env.boot(env.admin, { name: 'forced', imageRef: image, flavorRef: flavor, availability_zone: 'nowhere:fake-2' })).json.server.id as string;
    const forcedShown = await env.until(env.admin, forced, ['ACTIVE']);
    expect([forcedShown['OS-EXT-SRV-ATTR:host'], forcedShown['OS-EXT-AZ:availability_zone']]).toEqual(['fake-2', 'edge-zone']);
    expect((await admin().del(`/servers/${forced}`)).status).toBe(204);
    await waitFor(`server ${forced} gone`, async () => ((await env.server(env.admin, forced)).status === 404 ? true : undefined), 30_000);

    // Every server asked for in the zone lands on its one host.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await env.boot(alpha.member, { name: `edge-${i}`, imageRef: image, flavorRef: flavor, availability_zone: 'edge-zone' })).json.server.id);
    for (const id of ids) {
      const s = await env.until(env.admin, id, ['ACTIVE']);
      expect(s['OS-EXT-SRV-ATTR:host']).toBe('fake-2');
      expect(s['OS-EXT-AZ:availability_zone']).toBe('edge-zone');
    }

    // Nova does not move a zone that holds servers, nor a host into another zone.
    expect(await answer(admin().put(`/os-aggregates/${agg.id}`, { aggregate: { availability_zone: 'moved' } }))).toEqual({
      status: 400,
      json: novaFault(400, `Cannot update aggregate ${agg.id}. Reason: One or more hosts contain instances in this zone.`),
    });
    const plain = (await admin().post('/os-aggregates', { aggregate: { name: 'plain' } })).json.aggregate;
    expect((await admin().post(`/os-aggregates/${plain.id}/action`, { add_host: { host: 'fake-2' } })).status).toBe(200);
    expect(await answer(admin().post(`/os-aggregates/${plain.id}/action`, { set_metadata: { metadata: { availability_zone: 'third' } } }))).toEqual({
      status: 400,
      json: novaFault(400, `Cannot update metadata of aggregate ${plain.id}. Reason: One or more hosts already in availability zone(s) ['edge-zone'].`),
    });

    // Zed's remove_host does not look at servers: they stay on fake-2 and, as in Nova, show its zone now
    // (`get_instance_availability_zone`: the host's zone), not the one they were scheduled in; back again once it is.
    const zoneShown = async () => (await env.server(env.admin, ids[0])).json.server['OS-EXT-AZ:availability_zone'];
    expect((await admin().post(`/os-aggregates/${agg.id}/action`, { remove_host: { host: 'fake-2' } })).status).toBe(200);
    expect(await zoneShown()).toBe('nova');
    const listed = (await env.as(alpha.member, '2.1').get('/servers/detail')).json.servers as Record<string, unknown>[];
    expect(listed.filter((s) => ids.includes(s.id as string)).map((s) => s['OS-EXT-AZ:availability_zone'])).toEqual(['nova', 'nova', 'nova']);
    expect((await admin().post(`/os-aggregates/${agg.id}/action`, { add_host: { host: 'fake-2' } })).status).toBe(200);
    expect(await zoneShown()).toBe('edge-zone');

    for (const id of ids) await env.as(alpha.member).del(`/servers/${id}`);
    for (const id of ids) await waitFor(`server ${id} gone`, async () => ((await env.server(env.admin, id)).status === 404 ? true : undefined), 30_000);
    await admin().post(`/os-aggregates/${plain.id}/action`, { remove_host: { host: 'fake-2' } });
    await admin().post(`/os-aggregates/${agg.id}/action`, { remove_host: { host: 'fake-2' } });
    // Back in the default zone, and an unknown zone is refused at the API.
    const after = (await admin().get('/os-services?binary=nova-compute')).json.services as { host: string; zone: string }[];
    expect(after.find((s) => s.host === 'fake-2')?.zone).toBe('nova');
    expect(await answer(env.boot(alpha.member, { name: 'nowhere', imageRef: image, flavorRef: flavor, availability_zone: 'edge-zone' }))).toEqual({
      status: 400,
      json: novaFault(400, 'The requested availability zone is not available'),
    });
    for (const x of [agg, plain]) expect((await admin().del(`/os-aggregates/${x.id}`)).status).toBe(200);
  });

  it('takes every request, whatever request id it carries (services pass one global id down all their calls)', async () => {
    const shared = { 'X-OpenStack-Request-ID': 'req-6a1c3f3e-8b0d-4f0e-9d6e-2f4a1b7c9d10', 'OpenStack-API-Version': 'compute 2.1' };
    const post = (path: string, body: unknown) => call('POST', `${env.compute}${path}`, { token: env.admin, body, headers: shared });
    const one = await post('/os-aggregates', { aggregate: { name: 'global-1' } });
    const two = await post('/os-aggregates', { aggregate: { name: 'global-2' } });
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(two.json.aggregate.id).not.toBe(one.json.aggregate.id);
    expect(two.json.aggregate.name).toBe('global-2');
    expect((await post(`/os-aggregates/${one.json.aggregate.id}/action`, { add_host: { host: 'fake-1' } })).status).toBe(200);
    expect((await post(`/os-aggregates/${one.json.aggregate.id}/action`, { add_host: { host: 'fake-2' } })).status).toBe(200);
    expect((await admin().get(`/os-aggregates/${one.json.aggregate.id}`)).json.aggregate.hosts).toEqual(['fake-1', 'fake-2']);
    // The same request again is decided again: Nova's answer to a host already there.
    expect((await post(`/os-aggregates/${one.json.aggregate.id}/action`, { add_host: { host: 'fake-2' } })).status).toBe(409);
    for (const host of ['fake-1', 'fake-2']) await admin().post(`/os-aggregates/${one.json.aggregate.id}/action`, { remove_host: { host } });
    for (const a of [one, two]) expect((await admin().del(`/os-aggregates/${a.json.aggregate.id}`)).status).toBe(200);
  });
});
