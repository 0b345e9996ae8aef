import { waitFor } from '../e2e/support/strata-process';
import { StrataCompute } from './support/strata-compute';

/** What the Nova 26 (Zed) anchor's fake driver answered (test/fixtures/nova/server-diagnostics-nova.txt), whatever the flavor. */
const NOVA_FAKE_LEGACY = {
  cpu0_time: 17300000000,
  memory: 524288,
  vda_errors: -1,
  vda_read: 262144,
  vda_read_req: 112,
  vda_write: 5778432,
  vda_write_req: 488,
  vnet1_rx: 2070139,
  vnet1_rx_drop: 0,
  vnet1_rx_errors: 0,
  vnet1_rx_packets: 26701,
  vnet1_tx: 140208,
  vnet1_tx_drop: 0,
  vnet1_tx_errors: 0,
  vnet1_tx_packets: 662,
};
const NOVA_FAKE_248 = {
  config_drive: true,
  cpu_details: [{ id: 0, time: 17300000000, utilisation: 15 }],
  disk_details: [{ errors_count: 1, read_bytes: 262144, read_requests: 112, write_bytes: 5778432, write_requests: 488 }],
  driver: 'libvirt',
  hypervisor: 'kvm',
  hypervisor_os: 'ubuntu',
  memory_details: { maximum: 524288, used: 0 },
  nic_details: [
    { mac_address: '01:23:45:67:89:ab', rx_drop: 200, rx_errors: 100, rx_octets: 2070139, rx_packets: 26701, rx_rate: 300, tx_drop: 500, tx_errors: 400, tx_octets: 140208, tx_packets: 662, tx_rate: 600 },
  ],
  num_cpus: 1,
  num_disks: 1,
  num_nics: 1,
  state: 'running',
  uptime: 46664,
};

/**
 * os-server-diagnostics (nova/api/openstack/compute/server_diagnostics.py) on `strata start` with two fake
 * hosts, against what the Nova anchor with its fake driver answered, step for step
 * (test/fixtures/nova/server-diagnostics-capture.py).
 */
describe('os-server-diagnostics (Nova v2.1, the standard form from 2.48)', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2' });
  let alpha: { projectId: string; member: string; reader: string };
  let image: string;
  let flavor: string;
  let active: string;
  let members: string;
  let errored: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    flavor = await env.flavor({ name: 'diag-tiny', vcpus: 1, ram: 128, disk: 1, id: 'diag-tiny' });
    // A root disk no fake host has: the server ends in ERROR, on no host.
    const huge = await env.flavor({ name: 'diag-huge', vcpus: 1, ram: 128, disk: 10_000_000, id: 'diag-huge' });
    image = await env.image('cirros-diagnostics');
    alpha = await env.project('diag-alpha');
    active = (await env.boot(env.admin, { name: 'diag-active', imageRef: image, flavorRef: flavor })).json.server.id;
    members = (await env.boot(alpha.member, { name: 'diag-member', imageRef: image, flavorRef: flavor })).json.server.id;
    errored = (await env.boot(env.admin, { name: 'diag-error', imageRef: image, flavorRef: huge })).json.server.id;
    await env.until(env.admin, active, ['ACTIVE']);
    await env.until(env.admin, members, ['ACTIVE']);
    await env.until(env.admin, errored, ['ERROR']);
  }, 180_000);

  afterAll(() => env.stop());

  const diagnostics = async (id: string, version: string, token = env.admin) => {
    const r = await env.as(token, version).get(`/servers/${id}/diagnostics`);
    return { status: r.status, json: r.json };
  };
  const fault = (status: number, kind: string, message: string) => ({ status, json: { [kind]: { code: status, message } } });
  const act = async (id: string, body: unknown, statuses: string[]) => {
    expect((await env.as(env.admin, '2.1').action(id, body)).status).toBe(202);
    await env.until(env.admin, id, statuses);
  };

  it("answers below 2.48 with the driver's own figures, Nova's fake driver's", async () => {
    for (const version of ['2.1', '2.47']) expect(await diagnostics(active, version)).toEqual({ status: 200, json: NOVA_FAKE_LEGACY });
  });

  it('answers from 2.48 in the standard form, counts included', async () => {
    for (const version of ['2.48', '2.93']) expect(await diagnostics(active, version)).toEqual({ status: 200, json: NOVA_FAKE_248 });
    expect(await diagnostics(members, '2.48')).toEqual({ status: 200, json: NOVA_FAKE_248 });
  });

  it('is for admins: a member is refused on a server of its own project, and sees no other', async () => {
    for (const version of ['2.1', '2.48']) {
      expect(await diagnostics(members, version, alpha.member)).toEqual(fault(403, 'forbidden', "Policy doesn't allow os_compute_api:os-server-diagnostics to be performed."));
    }
    expect(await diagnostics(active, '2.1', alpha.member)).toEqual(fault(404, 'itemNotFound', `Instance ${active} could not be found.`));
  });

  it('404 for a server that does not exist', async () => {
    const missing = '00000000-0000-0000-0000-000000000000';
    for (const version of ['2.1', '2.48']) expect(await diagnostics(missing, version)).toEqual(fault(404, 'itemNotFound', `Instance ${missing} could not be found.`));
    expect(await diagnostics(missing, '2.1', alpha.member)).toEqual(fault(404, 'itemNotFound', `Instance ${missing} could not be found.`));
    expect(await diagnostics('abc', '2.1')).toEqual(fault(404, 'itemNotFound', 'Instance abc could not be found.'));
  });

  it('409 for a server on no host (never scheduled)', async () => {
    for (const version of ['2.1', '2.48']) expect(await diagnostics(errored, version)).toEqual(fault(409, 'conflictingRequest', `Instance ${errored} is not ready`));
  });

  it("a paused or suspended server answers, as on the Nova anchor (its fake driver leaves them running); a stopped one is refused", async () => {
    await act(active, { pause: null }, ['PAUSED']);
    expect(await diagnostics(active, '2.1')).toEqual({ status: 200, json: NOVA_FAKE_LEGACY });
    expect(await diagnostics(active, '2.48')).toEqual({ status: 200, json: NOVA_FAKE_248 });
    await act(active, { unpause: null }, ['ACTIVE']);
    await act(active, { suspend: null }, ['SUSPENDED']);
    expect(await diagnostics(active, '2.48')).toEqual({ status: 200, json: NOVA_FAKE_248 });
    await act(active, { resume: null }, ['ACTIVE']);
    await act(active, { 'os-stop': null }, ['SHUTOFF']);
    for (const version of ['2.1', '2.48']) {
      expect(await diagnostics(active, version)).toEqual(fault(409, 'conflictingRequest', `Cannot 'get_diagnostics' instance ${active} while it is in power state shutdown`));
    }
  });

  it('409 once shelved and offloaded (on no host), 404 once deleted', async () => {
    await act(active, { shelve: null }, ['SHELVED_OFFLOADED']);
    for (const version of ['2.1', '2.48']) expect(await diagnostics(active, version)).toEqual(fault(409, 'conflictingRequest', `Instance ${active} is not ready`));
    expect((await env.as(env.admin).del(`/servers/${active}`)).status).toBe(204);
    await waitFor(`server ${active} gone`, async () => ((await env.server(env.admin, active)).status === 404 ? true : undefined), 30_000);
    expect(await diagnostics(active, '2.48')).toEqual(fault(404, 'itemNotFound', `Instance ${active} could not be found.`));
  });
});
