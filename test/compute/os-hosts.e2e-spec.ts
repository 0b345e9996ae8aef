import { answer } from './support/nova-http';
import { StrataCompute } from './support/strata-compute';

/**
 * os-hosts (nova/api/openstack/compute/hosts.py, up to 2.42) on `strata start` with two fake hosts: the
 * list, a host's resources, and the driver's host actions, as the Nova 26 (Zed) anchor with its fake
 * driver answered them (test/fixtures/nova/README.md §11).
 */
describe('os-hosts (Nova v2.1, up to 2.42)', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2' });
  let alpha: { projectId: string; member: string; reader: string };
  let host: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    const flavor = await env.flavor({ name: 'm1.hosts', vcpus: 1, ram: 256, disk: 1, 'OS-FLV-EXT-DATA:ephemeral': 2, id: '600' });
    const image = await env.image('cirros-hosts');
    alpha = await env.project('hosts-alpha');
    const r = await env.boot(alpha.member, { name: 'on-a-host', imageRef: image, flavorRef: flavor });
    host = (await env.until(env.admin, r.json.server.id, ['ACTIVE']))['OS-EXT-SRV-ATTR:host'];
  }, 180_000);

  afterAll(() => env.stop());

  const admin = (version = '2.1') => env.as(env.admin, version);

  it('lists the compute hosts with their zone, filtered by zone', async () => {
    const all = await answer(admin().get('/os-hosts'));
    expect(all.status).toBe(200);
    expect((all.json as { hosts: unknown[] }).hosts).toEqual(
      expect.arrayContaining([
        { host_name: 'fake-1', service: 'compute', zone: 'nova' },
        { host_name: 'fake-2', service: 'compute', zone: 'nova' },
      ]),
    );
    expect(((await admin().get('/os-hosts?zone=nova')).json.hosts as unknown[]).length).toBe(2);
    expect(await answer(admin().get('/os-hosts?zone=elsewhere'))).toEqual({ status: 200, json: { hosts: [] } });
  });

  it("shows a host's totals, its use (reserved memory included), its servers' sum and each project's", async () => {
    const r = await admin().get(`/os-hosts/${host}`);
    expect(r.status).toBe(200);
    const rows = (r.json.host as { resource: Record<string, unknown> }[]).map((x) => x.resource);
    expect(rows.map((x) => x.project)).toEqual(['(total)', '(used_now)', '(used_max)', alpha.projectId]);
    // The fake driver's node: 1000 vCPUs, 800000 MB, 600000 GB; 512 MB reserved; the server: 1 vCPU, 256 MB, 1 + 2 GB.
    expect(rows[0]).toEqual({ host, project: '(total)', cpu: 1000, memory_mb: 800000, disk_gb: 600000 });
    expect(rows[1]).toEqual({ host, project: '(used_now)', cpu: 1, memory_mb: 512 + 256, disk_gb: 3 });
    expect(rows[2]).toEqual({ host, project: '(used_max)', cpu: 1, memory_mb: 256, disk_gb: 3 });
    expect(rows[3]).toEqual({ host, project: alpha.projectId, cpu: 1, memory_mb: 256, disk_gb: 3 });
  });

  it("answers the host actions as Nova's fake driver does, changing nothing", async () => {
    expect(await answer(admin().put(`/os-hosts/${host}`, { status: 'disable' }))).toEqual({ status: 200, json: { host, status: 'disabled' } });
    expect(await answer(admin().put(`/os-hosts/${host}`, { maintenance_mode: 'ENABLE', status: 'enable' }))).toEqual({ status: 200, json: { host, status: 'enabled', maintenance_mode: 'on_maintenance' } });
    expect(await answer(admin().put(`/os-hosts/${host}`, {}))).toEqual({ status: 200, json: { host } });
    for (const action of ['startup', 'shutdown', 'reboot']) expect(await answer(admin().get(`/os-hosts/${host}/${action}`))).toEqual({ status: 200, json: { host, power_action: action } });
    // Its compute service is still enabled: os-hosts' status is the driver's, not the service's.
    expect(((await admin().get(`/os-services?host=${host}`)).json.services as { status: string }[])[0].status).toBe('enabled');
  });

  it("refuses Nova's way", async () => {
    const fault = (status: number, kind: string, message: string) => ({ status, json: { [kind]: { code: status, message } } });
    expect(await answer(admin().get('/os-hosts/nope'))).toEqual(fault(404, 'itemNotFound', "Host 'nope' is not mapped to any cell"));
    expect(await answer(admin().get('/os-hosts/nope/reboot'))).toEqual(fault(404, 'itemNotFound', "Host 'nope' is not mapped to any cell"));
    expect(await answer(admin().put('/os-hosts/nope', { status: 'enable' }))).toEqual(fault(404, 'itemNotFound', "Host 'nope' is not mapped to any cell"));
    expect(await answer(admin().put(`/os-hosts/${host}`, { status: 'invalid', maintenance_mode: 'enable' }))).toEqual(
      fault(400, 'badRequest', "Invalid input for field/attribute status. Value: invalid. 'invalid' is not one of ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE']"),
    );
    expect(await answer(admin().put(`/os-hosts/${host}`, { foo: 1 }))).toEqual(fault(400, 'badRequest', "Additional properties are not allowed ('foo' was unexpected)"));
    expect(await answer(env.as(alpha.member, '2.1').get('/os-hosts'))).toEqual(fault(403, 'forbidden', "Policy doesn't allow os_compute_api:os-hosts:list to be performed."));
    expect(await answer(env.as(alpha.member, '2.1').get(`/os-hosts/${host}/shutdown`))).toEqual(fault(403, 'forbidden', "Policy doesn't allow os_compute_api:os-hosts:shutdown to be performed."));
    // Gone from 2.43 (os-hypervisors, os-services and os-availability-zone instead).
    expect(await answer(admin('2.43').get('/os-hosts'))).toEqual(fault(404, 'itemNotFound', 'The resource could not be found.'));
  });
});
