import { call } from '../identity/support/identity-http';
import { waitFor } from '../e2e/support/strata-process';
import { StrataCompute } from './support/strata-compute';

/**
 * createImage (nova/api/openstack/compute/servers.py `_action_create_image`) on `strata start` with the fake
 * driver: the image made at once (queued), the copy of the disk recorded on it (active), the server as it was,
 * a new server booted from the image, and Nova's answers by microversion and refusals.
 */
describe('createImage (Nova v2.1)', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '1', STRATA_FAKE_HOST_RESOURCES: 'vcpus=8,ram=8192,disk=100' });
  let flavor: string;
  let image: string;
  let alpha: { projectId: string; member: string; reader: string };

  beforeAll(async () => {
    await env.start();
    await env.hosts(1);
    flavor = await env.flavor({ name: 'm1.snap', vcpus: 1, ram: 512, disk: 1, id: '400' });
    image = await env.image('cirros-snap');
    alpha = await env.project('snap-alpha');
  }, 180_000);

  afterAll(() => env.stop());

  const boot = async (name: string, imageRef = image) => {
    const r = await env.boot(alpha.member, { name, imageRef, flavorRef: flavor });
    expect(r.status).toBe(202);
    await env.until(alpha.member, r.json.server.id, ['ACTIVE']);
    return r.json.server.id as string;
  };
  const glance = (id: string) => call('GET', `${env.base}/image/v2/images/${id}`, { token: alpha.member });
  const activeImage = (id: string) => waitFor(`image ${id} to be active`, async () => {
    const r = await glance(id);
    return r.status === 200 && r.json.status === 'active' ? r.json : undefined;
  }, 30_000);

  it('answers the image id (2.45), copies the disk into it and leaves the server ACTIVE; a new server boots from the image', async () => {
    const id = await boot('snap-1');
    const r = await env.as(alpha.member, '2.45').action(id, { createImage: { name: 'snap-1-image', metadata: { purpose: 'backup' } } });
    expect(r.status).toBe(202);
    const imageId = r.json.image_id as string;
    // The image exists as soon as the API answers (Nova makes it first).
    expect((await glance(imageId)).status).toBe(200);
    const made = await activeImage(imageId);
    expect(made).toMatchObject({
      name: 'snap-1-image',
      visibility: 'private',
      owner: alpha.projectId,
      disk_format: 'raw',
      container_format: 'bare',
      image_type: 'snapshot',
      instance_uuid: id,
      base_image_ref: image,
      purpose: 'backup',
      min_disk: 1,
    });
    expect(made.size).toBeGreaterThan(0);
    expect(await env.until(alpha.member, id, ['ACTIVE'])).toMatchObject({ 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:power_state': 1 });
    const actions = (await env.as(alpha.member).get(`/servers/${id}/os-instance-actions`)).json.instanceActions as { action: string; request_id: string }[];
    expect(actions[0].action).toBe('createImage');
    const detail = (await env.as(env.admin).get(`/servers/${id}/os-instance-actions/${actions[0].request_id}`)).json.instanceAction;
    expect(detail.events).toEqual([expect.objectContaining({ event: 'compute_snapshot_instance', result: 'Success' })]);
    await boot('from-snap-1', imageId);
  });

  it("makes an admin's snapshot of another project's server in the admin's project, shared with the server's (Nova), without the base image's non-inheritable properties", async () => {
    const base = await env.image('cirros-signed');
    const patched = await call('PATCH', `${env.base}/image/v2/images/${base}`, {
      token: env.admin,
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
      body: [
        { op: 'add', path: '/img_signature', value: 'c2ln' },
        { op: 'add', path: '/img_signature_hash_method', value: 'SHA-256' },
        { op: 'add', path: '/cache_in_nova', value: 'True' },
        { op: 'add', path: '/hw_disk_bus', value: 'virtio' },
      ],
    });
    expect(patched.status).toBe(200);
    const id = await boot('snap-admin', base);
    const r = await env.as(env.admin, '2.45').action(id, { createImage: { name: 'snap-admin-image' } });
    expect(r.status).toBe(202);
    const imageId = r.json.image_id as string;
    const made = await activeImage(imageId);
    expect(made).toMatchObject({ owner: env.adminProject, visibility: 'shared', hw_disk_bus: 'virtio', instance_uuid: id, base_image_ref: base });
    for (const key of ['img_signature', 'img_signature_hash_method', 'cache_in_nova']) expect(made).not.toHaveProperty(key);
    const members = await call('GET', `${env.base}/image/v2/images/${imageId}/members`, { token: env.admin });
    expect(members.json.members).toEqual([expect.objectContaining({ member_id: alpha.projectId, status: 'pending' })]);
    // The server's project reaches it as a member, and can boot from it.
    await boot('from-snap-admin', imageId);
  });

  it('keeps a paused server paused and a stopped one stopped', async () => {
    const paused = await boot('snap-paused');
    expect((await env.as(alpha.member).action(paused, { pause: null })).status).toBe(202);
    await env.until(alpha.member, paused, ['PAUSED']);
    const stopped = await boot('snap-stopped');
    expect((await env.as(alpha.member).action(stopped, { 'os-stop': null })).status).toBe(202);
    await env.until(alpha.member, stopped, ['SHUTOFF']);
    for (const [id, status, power] of [
      [paused, 'PAUSED', 3],
      [stopped, 'SHUTOFF', 4],
    ] as const) {
      const r = await env.as(alpha.member, '2.45').action(id, { createImage: { name: `${status}-image` } });
      expect(r.status).toBe(202);
      await activeImage(r.json.image_id);
      await waitFor(`${id} back to ${status} with no task`, async () => {
        const s = (await env.server(alpha.member, id)).json.server;
        return s.status === status && s['OS-EXT-STS:task_state'] === null && s['OS-EXT-STS:power_state'] === power ? true : undefined;
      }, 20_000);
    }
  });

  it('answers the image URL in Location below 2.45, with no body', async () => {
    const id = await boot('snap-old');
    const r = await env.as(alpha.member, '2.44').action(id, { createImage: { name: 'old-style' } });
    expect(r.status).toBe(202);
    expect(r.text).toBe('');
    const location = r.headers.location as string;
    expect(location).toMatch(new RegExp(`/image/images/[0-9a-f-]{36}$`));
    await activeImage(location.split('/').pop()!);
  });

  it("refuses Nova's way and writes nothing: no name (400), a reader (403), a server in ERROR (409)", async () => {
    const id = await boot('snap-refused');
    const images = async () => ((await call('GET', `${env.base}/image/v2/images`, { token: env.admin })).json.images as unknown[]).length;
    const before = await images();
    const noName = await env.as(alpha.member).action(id, { createImage: { metadata: {} } });
    expect(noName.status).toBe(400);
    expect(noName.json.badRequest.message).toMatch(/'name' is a required property/);
    expect((await env.as(alpha.reader).action(id, { createImage: { name: 'x' } })).status).toBe(403);
    expect((await env.as(env.admin).action(id, { 'os-resetState': { state: 'error' } })).status).toBe(202);
    const inError = await env.as(alpha.member).action(id, { createImage: { name: 'from-error' } });
    expect(inError.status).toBe(409);
    expect(inError.json.conflictingRequest.message).toBe(`Cannot 'createImage' instance ${id} while it is in vm_state error`);
    expect(await images()).toBe(before);
    const actions = (await env.as(alpha.member).get(`/servers/${id}/os-instance-actions`)).json.instanceActions as { action: string }[];
    expect(actions.map((a) => a.action)).toEqual(['resetState', 'create']);
  });
});

describe('createImage cut short by a deletion', () => {
  // Every fake operation takes 1.5 s: the copy is in flight when the server is deleted.
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '1', STRATA_FAKE_DELAY_MS: '1500' });

  beforeAll(async () => {
    await env.start();
    await env.hosts(1);
  }, 180_000);

  afterAll(() => env.stop());

  it('deletes the server and its image: nothing is left queued or active', async () => {
    const flavor = await env.flavor({ name: 'm1.snap-slow', vcpus: 1, ram: 512, disk: 1, id: '401' });
    const image = await env.image('snap-slow');
    const id = (await env.boot(env.admin, { name: 'snap-deleted', imageRef: image, flavorRef: flavor })).json.server.id as string;
    await env.until(env.admin, id, ['ACTIVE'], 60_000);
    const r = await env.as(env.admin, '2.45').action(id, { createImage: { name: 'never-finished' } });
    expect(r.status).toBe(202);
    const imageId = r.json.image_id as string;
    expect((await call('GET', `${env.base}/image/v2/images/${imageId}`, { token: env.admin })).json.status).toBe('queued');
    expect((await env.as(env.admin).del(`/servers/${id}`)).status).toBe(204);
    await waitFor('the server to be deleted', async () => ((await env.server(env.admin, id)).status === 404 ? true : undefined), 60_000);
    await waitFor('its image to be deleted', async () => ((await call('GET', `${env.base}/image/v2/images/${imageId}`, { token: env.admin })).status === 404 ? true : undefined), 30_000);
    // The agent reports the copy before it destroys the guest (one lane per server); whenever the conductor
    // handles that report, the server no longer waits for it, and the image stays deleted.
    expect((await call('GET', `${env.base}/image/v2/images/${imageId}`, { token: env.admin })).status).toBe(404);
    const names = ((await call('GET', `${env.base}/image/v2/images`, { token: env.admin })).json.images as { name: string }[]).map((i) => i.name);
    expect(names).not.toContain('never-finished');
  }, 180_000);
});
