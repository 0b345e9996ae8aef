import { call } from '../identity/support/identity-http';
import { waitFor } from '../e2e/support/strata-process';
import { StrataCompute } from './support/strata-compute';

/**
 * Nova's image proxy (nova/api/openstack/compute/images.py, image_metadata.py) on `strata start`:
 * the images Glance shows the caller in Nova's view, filtered and paged as Nova passes the query on,
 * a snapshot's server link, delete, the custom properties as metadata, and the 404 from 2.36 / 2.39.
 */
describe("Nova's image proxy (up to 2.35, metadata up to 2.38)", () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '1', STRATA_FAKE_HOST_RESOURCES: 'vcpus=8,ram=8192,disk=100' });
  let flavor: string;
  let image: string;
  let alpha: { projectId: string; member: string; reader: string };
  let beta: { projectId: string; member: string; reader: string };
  let serverId: string;
  let snapshot: string;

  const glance = (method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>) => call(method, `${env.base}/image/v2${path}`, { token, body, headers });

  beforeAll(async () => {
    await env.start();
    await env.hosts(1);
    flavor = await env.flavor({ name: 'm1.proxy', vcpus: 1, ram: 512, disk: 1, id: '500' });
    image = await env.image('cirros-proxy');
    alpha = await env.project('proxy-alpha');
    beta = await env.project('proxy-beta');
    const r = await env.boot(alpha.member, { name: 'proxy-1', imageRef: image, flavorRef: flavor });
    serverId = r.json.server.id;
    await env.until(alpha.member, serverId, ['ACTIVE']);
    const snap = await env.as(alpha.member, '2.45').action(serverId, { createImage: { name: 'proxy-snap', metadata: { purpose: 'backup', auto_disk_config: 'true' } } });
    expect(snap.status).toBe(202);
    snapshot = snap.json.image_id;
    await waitFor('the snapshot to be active', async () => ((await glance('GET', `/images/${snapshot}`, alpha.member)).json?.status === 'active' ? true : undefined), 30_000);
  }, 180_000);

  afterAll(() => env.stop());

  it("shows an image in Nova's view: status, progress, sizes, metadata, the snapshot's server, links", async () => {
    const r = await env.as(alpha.member, '2.1').get(`/images/${snapshot}`);
    expect(r.status).toBe(200);
    const g = (await glance('GET', `/images/${snapshot}`, alpha.member)).json;
    expect(r.json.image).toMatchObject({
      id: snapshot,
      name: 'proxy-snap',
      status: 'ACTIVE',
      progress: 100,
      minRam: 0,
      minDisk: g.min_disk,
      'OS-EXT-IMG-SIZE:size': g.size,
      'OS-DCF:diskConfig': 'AUTO',
      server: { id: serverId, links: [{ rel: 'self', href: `${env.base}/compute/v2.1/servers/${serverId}` }, { rel: 'bookmark', href: `${env.base}/compute/servers/${serverId}` }] },
      links: [
        { rel: 'self', href: `${env.base}/compute/v2.1/images/${snapshot}` },
        { rel: 'bookmark', href: `${env.base}/compute/images/${snapshot}` },
        { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${env.base}/image/images/${snapshot}` },
      ],
    });
    expect(r.json.image.metadata).toMatchObject({ purpose: 'backup', instance_uuid: serverId, image_type: 'snapshot' });
    expect(r.json.image.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r.json.image.updated).toBe(`${new Date(g.updated_at).toISOString().slice(0, 19)}Z`);
    // Another project's private image, an unknown one: Nova's 404.
    expect((await env.as(beta.member, '2.1').get(`/images/${snapshot}`)).json).toEqual({ itemNotFound: { code: 404, message: 'Image not found.' } });
    expect((await env.as(alpha.member, '2.1').get('/images/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('is gone from 2.36 (images) and 2.39 (metadata)', async () => {
    expect((await env.as(alpha.member, '2.35').get(`/images/${snapshot}`)).status).toBe(200);
    const gone = await env.as(alpha.member, '2.36').get(`/images/${snapshot}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
    expect((await env.as(alpha.member, '2.36').get('/images')).status).toBe(404);
    expect((await env.as(alpha.member, '2.38').get(`/images/${snapshot}/metadata`)).status).toBe(200);
    expect((await env.as(alpha.member, '2.39').get(`/images/${snapshot}/metadata`)).status).toBe(404);
  });

  it('lists what Glance shows the caller, filtered by server, type, name and status, and pages with images_links', async () => {
    const ids = (r: { json: { images: { id: string }[] } }) => r.json.images.map((i) => i.id);
    const api = env.as(alpha.member, '2.1');
    const all = await api.get('/images');
    expect(all.status).toBe(200);
    expect(ids(all)).toEqual(expect.arrayContaining([snapshot, image]));
    expect(all.json.images.find((i: { id: string }) => i.id === snapshot)).toEqual({ id: snapshot, name: 'proxy-snap', links: expect.any(Array) });
    // beta sees the public base image, not alpha's snapshot.
    const other = ids(await env.as(beta.member, '2.1').get('/images'));
    expect(other).toContain(image);
    expect(other).not.toContain(snapshot);
    expect(ids(await api.get(`/images?server=${env.base}/compute/v2.1/servers/${serverId}`))).toEqual([snapshot]);
    expect(ids(await api.get(`/images/detail?server=${serverId}`))).toEqual([snapshot]);
    expect(ids(await api.get('/images/detail?type=snapshot'))).toEqual([snapshot]);
    expect(ids(await api.get('/images?name=cirros-proxy'))).toEqual([image]);
    expect(ids(await api.get('/images?status=ACTIVE'))).toEqual(expect.arrayContaining([snapshot, image]));
    expect(ids(await api.get('/images?status=SAVING'))).toEqual([]);
    expect(ids(await api.get(`/images?changes-since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`))).toEqual([]);

    // Newest first, as Glance lists them; a page as long as the limit links to the next.
    const first = await api.get('/images/detail?limit=1');
    expect(first.json.images).toHaveLength(1);
    expect(first.json.images[0].id).toBe(ids(all)[0]);
    expect(first.json.images_links).toEqual([{ rel: 'next', href: `${env.base}/compute/v2.1/images/detail?limit=1&marker=${ids(all)[0]}` }]);
    const second = await api.get(`/images/detail?limit=1&marker=${ids(all)[0]}`);
    expect(ids(second)).toEqual([ids(all)[1]]);
    expect((await api.get('/images?marker=00000000-0000-4000-8000-000000000000')).json).toEqual({
      badRequest: { code: 400, message: 'HTTP 400 Bad Request: No image found with ID 00000000-0000-4000-8000-000000000000' },
    });
    expect((await api.get('/images')).json).not.toHaveProperty('images_links');
  });

  it("sets, replaces and removes the image's custom properties as metadata, within the metadata quota", async () => {
    const api = env.as(alpha.member, '2.1');
    const props = async () => (await glance('GET', `/images/${snapshot}`, alpha.member)).json;
    const added = await api.post(`/images/${snapshot}/metadata`, { metadata: { color: 'blue', purpose: 'archive' } });
    expect(added.status).toBe(200);
    expect(added.json.metadata).toMatchObject({ color: 'blue', purpose: 'archive', instance_uuid: serverId });
    expect(await props()).toMatchObject({ color: 'blue', purpose: 'archive' });
    expect((await api.get(`/images/${snapshot}/metadata/color`)).json).toEqual({ meta: { color: 'blue' } });
    expect((await api.put(`/images/${snapshot}/metadata/color`, { meta: { color: 'red' } })).json).toEqual({ meta: { color: 'red' } });
    expect((await api.put(`/images/${snapshot}/metadata/color`, { meta: { other: 'x' } })).json).toEqual({ badRequest: { code: 400, message: 'Request body and URI mismatch' } });
    expect((await api.del(`/images/${snapshot}/metadata/color`)).status).toBe(204);
    expect(await props()).not.toHaveProperty('color');
    expect((await api.get(`/images/${snapshot}/metadata/color`)).status).toBe(404);
    expect((await api.del(`/images/${snapshot}/metadata/color`)).json).toEqual({ itemNotFound: { code: 404, message: 'Invalid metadata key' } });

    const replaced = await api.put(`/images/${snapshot}/metadata`, { metadata: { only: 'this' } });
    expect(replaced.json).toEqual({ metadata: { only: 'this' } });
    expect((await api.get(`/images/${snapshot}/metadata`)).json).toEqual({ metadata: { only: 'this' } });
    expect((await api.post(`/images/${snapshot}/metadata`, { metadata: { 'bad/key': 'x' } })).status).toBe(400);

    // The project's metadata_items quota (128 by default) bounds the properties.
    const many = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v']));
    expect((await api.put(`/images/${snapshot}/metadata`, { metadata: many })).json).toEqual({ forbidden: { code: 403, message: 'Image metadata limit exceeded' } });
    expect((await api.get(`/images/${snapshot}/metadata`)).json).toEqual({ metadata: { only: 'this' } });
    // Another project cannot change what it can see but does not own (the public base image).
    expect((await env.as(beta.member, '2.1').post(`/images/${image}/metadata`, { metadata: { x: 'y' } })).json).toEqual({ forbidden: { code: 403, message: `Not authorized for image ${image}.` } });
  });

  it("deletes an image its project owns, with its bytes; another project's answer is 403", async () => {
    const api = env.as(alpha.member, '2.1');
    expect((await env.as(beta.member, '2.1').del(`/images/${image}`)).json).toEqual({ forbidden: { code: 403, message: 'You are not allowed to delete the image.' } });
    expect((await api.del(`/images/${snapshot}`)).status).toBe(204);
    expect((await api.get(`/images/${snapshot}`)).status).toBe(404);
    expect((await glance('GET', `/images/${snapshot}`, alpha.member)).status).toBe(404);
    expect((await api.del(`/images/${snapshot}`)).json).toEqual({ itemNotFound: { code: 404, message: 'Image not found.' } });
  });
});
