import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openrc, openstackBinary, openstackCli } from '../e2e/support/openstack-cli';
import { waitFor } from '../e2e/support/strata-process';
import { StrataCompute } from './support/strata-compute';

const OPENSTACK = openstackBinary();
const LIBVIRT_URI = process.env.STRATA_TEST_LIBVIRT_URI ?? 'qemu:///system';

/** Why the libvirt end-to-end cannot run here, or null when virsh answers on the URI. */
function libvirtMissing(): string | null {
  const r = spawnSync('virsh', ['-c', LIBVIRT_URI, 'version'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error) return `virsh is not installed (${r.error.message})`;
  if (r.status !== 0) return `virsh -c ${LIBVIRT_URI} version failed: ${r.stderr.trim()}`;
  return null;
}
const MISSING = OPENSTACK ? libvirtMissing() : 'the `openstack` CLI is not installed';
if (MISSING) process.stdout.write(`libvirt-cli.e2e-spec: skipped: ${MISSING} (scripts/provision.sh installs and starts libvirt and QEMU)\n`);
const describeWithLibvirt = MISSING ? describe.skip : describe;

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const virsh = (...args: string[]) => execFileSync('virsh', ['-c', LIBVIRT_URI, ...args], { encoding: 'utf8', timeout: 60_000 });
/** The domain's state as virsh says it ("running", "shut off", "paused"), or null when there is no such domain. */
const domstate = (uuid: string): string | null => {
  const r = spawnSync('virsh', ['-c', LIBVIRT_URI, 'domstate', uuid], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : null;
};
const dominfo = (uuid: string): Record<string, string> =>
  Object.fromEntries(
    virsh('dominfo', uuid)
      .split('\n')
      .map((l) => /^([^:]+):\s*(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1].trim(), m[2].trim()]),
  );
const domainUuids = () => virsh('list', '--all', '--uuid').split('\n').map((l) => l.trim()).filter(Boolean);

/**
 * Real guests: `strata start` with COMPUTE_DRIVER=libvirt on this machine's libvirtd (TCG: no KVM
 * here), driven by the real `openstack` CLI, and every effect checked with virsh and on disk. The
 * image is an empty 64 MiB qcow2: SeaBIOS finds nothing to boot and says so on the serial console,
 * which is all a console test needs, and the guest stays up (running) for the power operations.
 */
describeWithLibvirt('COMPUTE_DRIVER=libvirt: real QEMU guests through the openstack CLI', () => {
  const env = new StrataCompute({ COMPUTE_DRIVER: 'libvirt', STRATA_COMPUTE_HOST: 'hv-e2e', STRATA_LIBVIRT_URI: LIBVIRT_URI, STRATA_LIBVIRT_VIRT_TYPE: 'qemu', STRATA_SYNC_POWER_STATE_INTERVAL: '2', STRATA_SHUTDOWN_TIMEOUT: '2', STRATA_SOFT_REBOOT_TIMEOUT: '2' });
  const root = env.dir.root;
  const instances = path.join(env.dir.dataDir, 'instances');
  let adminEnv: Record<string, string>;
  const { ok, json } = openstackCli(OPENSTACK!, root, () => adminEnv);
  const at = (version: string, args: string[]) => ['--os-compute-api-version', version, ...args];
  const made: string[] = [];

  const showUntil = (what: string, server: string, accept: (s: Row) => boolean, timeoutMs = 120_000): Promise<Row> =>
    waitFor(
      `server ${server} ${what}`,
      () => {
        const s = json(['server', 'show', server]) as Row;
        return accept(s) ? s : undefined;
      },
      timeoutMs,
      () => env.strata?.output().slice(-3000) ?? '',
    );
  const domainUntil = (uuid: string, wanted: string | null) =>
    waitFor(`domain ${uuid} to be ${wanted ?? 'gone'}`, () => (domstate(uuid) === wanted ? true : undefined), 120_000, () => env.strata?.output().slice(-3000) ?? '');

  let imageId: string;
  let serverId: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(1);
    adminEnv = openrc(path.join(env.dir.dataDir, 'admin-openrc.sh'));
    const disk = path.join(root, 'empty.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
    imageId = json(['image', 'create', '--disk-format', 'qcow2', '--container-format', 'bare', '--file', disk, '--public', 'empty-disk']).id;
    json(['flavor', 'create', '--ram', '128', '--disk', '1', '--vcpus', '1', 'lv.small']);
    json(['flavor', 'create', '--ram', '192', '--disk', '2', '--vcpus', '1', 'lv.medium']);
  }, 240_000);

  afterAll(async () => {
    try {
      await env.stop();
    } finally {
      // Whatever a failed test left behind: this run's domains only.
      for (const uuid of made) {
        spawnSync('virsh', ['-c', LIBVIRT_URI, 'destroy', uuid]);
        spawnSync('virsh', ['-c', LIBVIRT_URI, 'undefine', uuid, '--managed-save']);
      }
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  it('the hypervisor is this machine, seen through libvirt', () => {
    const hv = json(['hypervisor', 'show', 'hv-e2e']) as Row;
    expect(hv).toMatchObject({ hypervisor_type: 'QEMU', state: 'up', status: 'enabled' });
  });

  it("os-hosts: the host's resources; its host actions are not libvirt's (501, as Nova's libvirt driver)", async () => {
    expect(json(['host', 'show', 'hv-e2e']) as Row[]).toEqual(expect.arrayContaining([expect.objectContaining({ Host: 'hv-e2e', Project: '(total)' })]));
    const notSupported = { notImplemented: { code: 501, message: 'The requested functionality is not supported.' } };
    const reboot = await env.as(env.admin, '2.1').get('/os-hosts/hv-e2e/reboot');
    expect({ status: reboot.status, json: reboot.json }).toEqual({ status: 501, json: notSupported });
    const disable = await env.as(env.admin, '2.1').put('/os-hosts/hv-e2e', { status: 'disable' });
    expect({ status: disable.status, json: disable.json }).toEqual({ status: 501, json: notSupported });
  });

  it('server create --wait boots a real guest: a running domain with the flavor, on a qcow2 overlay of the cached image', () => {
    const server = json(at('2.37', ['server', 'create', '--image', imageId, '--flavor', 'lv.small', '--nic', 'none', '--wait', 'lv-1']), undefined) as Row;
    serverId = server.id;
    made.push(serverId);
    expect(server.status).toBe('ACTIVE');
    expect(domstate(serverId)).toBe('running');
    expect(dominfo(serverId)).toMatchObject({ 'Max memory': `${128 * 1024} KiB`, 'CPU(s)': '1' });
    const overlay = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', path.join(instances, serverId, 'disk')], { encoding: 'utf8' }));
    expect(overlay).toMatchObject({ format: 'qcow2', 'virtual-size': 1024 ** 3 });
    expect(overlay['backing-filename']).toContain(path.join(instances, '_base'));
  }, 240_000);

  it('console log show gives what SeaBIOS wrote on the serial console', async () => {
    const log = await waitFor('SeaBIOS on the console', () => {
      const out = ok(['console', 'log', 'show', serverId]);
      return /SeaBIOS|No bootable device/.test(out) ? out : undefined;
    }, 120_000);
    expect(log).toMatch(/SeaBIOS|No bootable device/);
  }, 180_000);

  it("diagnostics are libvirt's figures of the running guest: the flavor's vCPU and memory, its disk's counters", async () => {
    const standard = await env.as(env.admin, '2.48').get(`/servers/${serverId}/diagnostics`);
    expect(standard.status).toBe(200);
    expect(standard.json).toMatchObject({ state: 'running', driver: 'libvirt', hypervisor: 'qemu', hypervisor_os: 'linux', config_drive: false, num_cpus: 1, num_nics: 0 });
    expect(standard.json.memory_details.maximum).toBe(128);
    expect(standard.json.cpu_details).toEqual([{ id: 0, time: expect.any(Number), utilisation: null }]);
    expect(standard.json.disk_details.length).toBeGreaterThan(0);
    expect(standard.json.num_disks).toBe(standard.json.disk_details.length);
    // SeaBIOS has read the boot sector by now.
    expect(standard.json.disk_details[0]).toMatchObject({ read_requests: expect.any(Number), errors_count: -1 });
    expect(standard.json.disk_details[0].read_bytes).toBeGreaterThan(0);
    expect(standard.json.uptime).toBeGreaterThanOrEqual(0);
    const legacy = await env.as(env.admin, '2.1').get(`/servers/${serverId}/diagnostics`);
    expect(legacy.status).toBe(200);
    expect(legacy.json).toMatchObject({ memory: 128 * 1024, cpu0_time: expect.any(Number), vda_read_req: expect.any(Number), vda_errors: -1 });
  });

  it('stop shuts the domain off, start runs it again', async () => {
    ok(['server', 'stop', serverId]);
    await showUntil('SHUTOFF', serverId, (s) => s.status === 'SHUTOFF');
    expect(domstate(serverId)).toBe('shut off');
    ok(['server', 'start', serverId]);
    await showUntil('ACTIVE', serverId, (s) => s.status === 'ACTIVE');
    expect(domstate(serverId)).toBe('running');
  }, 300_000);

  it('reboot --hard resets the guest and leaves it running', async () => {
    ok(['server', 'reboot', '--hard', '--wait', serverId]);
    const s = await showUntil('ACTIVE after the reboot', serverId, (x) => x.status === 'ACTIVE');
    expect(s['OS-EXT-STS:task_state']).toBeNull();
    expect(domstate(serverId)).toBe('running');
  }, 300_000);

  it('pause and unpause, suspend (managed save) and resume', async () => {
    ok(['server', 'pause', serverId]);
    await showUntil('PAUSED', serverId, (s) => s.status === 'PAUSED');
    expect(domstate(serverId)).toBe('paused');
    ok(['server', 'unpause', serverId]);
    await showUntil('ACTIVE', serverId, (s) => s.status === 'ACTIVE');
    expect(domstate(serverId)).toBe('running');
    ok(['server', 'suspend', serverId]);
    await showUntil('SUSPENDED', serverId, (s) => s.status === 'SUSPENDED');
    expect(domstate(serverId)).toBe('shut off');
    expect(virsh('dominfo', serverId)).toMatch(/Managed save:\s+yes/);
    ok(['server', 'resume', serverId]);
    await showUntil('ACTIVE', serverId, (s) => s.status === 'ACTIVE');
    expect(domstate(serverId)).toBe('running');
  }, 300_000);

  it('resize and confirm: the domain has the new flavor\'s memory and the bigger disk', async () => {
    ok(['server', 'resize', '--flavor', 'lv.medium', '--wait', serverId]);
    await showUntil('VERIFY_RESIZE', serverId, (s) => s.status === 'VERIFY_RESIZE');
    ok(['server', 'resize', 'confirm', serverId]);
    const s = await showUntil('ACTIVE on lv.medium', serverId, (x) => x.status === 'ACTIVE');
    expect(s.flavor).toMatch(/lv\.medium/);
    expect(dominfo(serverId)).toMatchObject({ 'Max memory': `${192 * 1024} KiB` });
    const overlay = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', path.join(instances, serverId, 'disk')], { encoding: 'utf8' }));
    expect(overlay['virtual-size']).toBe(2 * 1024 ** 3);
  }, 300_000);

  it('a guest powered off behind Strata\'s back (virsh destroy) becomes SHUTOFF through the power state sync', async () => {
    virsh('destroy', serverId);
    const s = await showUntil('SHUTOFF after the sync', serverId, (x) => x.status === 'SHUTOFF', 60_000);
    expect(s['OS-EXT-STS:power_state']).toBe(4); // Shutdown
    ok(['server', 'start', serverId]);
    await showUntil('ACTIVE', serverId, (x) => x.status === 'ACTIVE');
  }, 180_000);

  it('shelve --wait copies the disk into the image lv-1-shelved and removes the guest; unshelve --wait boots a guest from it, the disk as it was', async () => {
    const disk = path.join(instances, serverId, 'disk');
    /** Whether the 64 KiB at 1 MiB of the guest's disk hold a byte pattern, as qemu-io finds it (the guest must be off). */
    const holds = (pattern: string): boolean => {
      const r = spawnSync('qemu-io', ['-f', 'qcow2', '-c', `read -P ${pattern} 1M 64k`, disk], { encoding: 'utf8', timeout: 60_000 });
      if (r.error) throw r.error;
      return r.status === 0 && !/Pattern verification failed/.test(`${r.stdout}${r.stderr}`);
    };
    ok(['server', 'stop', serverId]);
    await showUntil('SHUTOFF', serverId, (s) => s.status === 'SHUTOFF');
    // A mark on the disk, written while the guest is off: it must survive the shelve.
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 1M 64k', disk]);
    expect(holds('0x5a')).toBe(true);

    ok(['server', 'shelve', '--wait', serverId]);
    expect(json(['server', 'show', serverId])).toMatchObject({ status: 'SHELVED_OFFLOADED', 'OS-EXT-SRV-ATTR:host': null });
    expect(domainUuids()).not.toContain(serverId);
    expect(fs.existsSync(path.join(instances, serverId))).toBe(false);
    const image = json(['image', 'show', 'lv-1-shelved']) as Row;
    expect(image).toMatchObject({ status: 'active', disk_format: 'qcow2', container_format: 'bare', visibility: 'private' });
    expect(image.size).toBeGreaterThan(0);

    ok(['server', 'unshelve', '--wait', serverId]);
    await showUntil('ACTIVE', serverId, (s) => s.status === 'ACTIVE');
    expect(domstate(serverId)).toBe('running');
    await waitFor('the shelved image to be deleted', () => ((json(['image', 'list', '--name', 'lv-1-shelved']) as Row[]).length === 0 ? true : undefined), 60_000);

    ok(['server', 'stop', serverId]);
    await showUntil('SHUTOFF', serverId, (s) => s.status === 'SHUTOFF');
    expect(holds('0x5a')).toBe(true);
    // The check can fail: the same bytes are not zeros.
    expect(holds('0x00')).toBe(false);
    ok(['server', 'start', serverId]);
    await showUntil('ACTIVE', serverId, (s) => s.status === 'ACTIVE');
  }, 600_000);

  it('server image create of the running guest: it keeps running (suspended for the copy), and a server booted from the image has its disk', async () => {
    const snapshot = json(['server', 'image', 'create', '--name', 'lv-1-snap', '--wait', serverId]) as Row;
    expect(snapshot).toMatchObject({ status: 'active', disk_format: 'qcow2' });
    await showUntil('ACTIVE with no task', serverId, (s) => s.status === 'ACTIVE' && s['OS-EXT-STS:task_state'] === null);
    expect(domstate(serverId)).toBe('running');
    const copy = json(at('2.37', ['server', 'create', '--image', 'lv-1-snap', '--flavor', 'lv.medium', '--nic', 'none', '--wait', 'lv-from-snap'])) as Row;
    const id = copy.id as string;
    made.push(id);
    expect(copy.status).toBe('ACTIVE');
    ok(['server', 'stop', id]);
    await showUntil('SHUTOFF', id, (s) => s.status === 'SHUTOFF');
    // The mark the shelve test wrote on lv-1's disk is on the new server's.
    const r = spawnSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x5a 1M 64k', path.join(instances, id, 'disk')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/Pattern verification failed/);
    ok(['server', 'delete', '--wait', id]);
  }, 600_000);

  it('delete --wait leaves no domain and no instance files', async () => {
    ok(['server', 'delete', '--wait', serverId]);
    expect(domainUuids()).not.toContain(serverId);
    expect(fs.existsSync(path.join(instances, serverId))).toBe(false);
  }, 300_000);

  it('a crash of the whole process mid-spawn ends, after a restart, with one running domain and one overlay', async () => {
    const created = json(at('2.37', ['server', 'create', '--image', imageId, '--flavor', 'lv.small', '--nic', 'none', 'lv-crash'])) as Row;
    made.push(created.id);
    // The overlay exists before the domain is defined: kill the process between the two, or right after.
    await waitFor('the spawn to begin', () => (fs.existsSync(path.join(instances, created.id)) ? true : undefined), 120_000);
    await env.crash();
    await env.start(Number(new URL(env.base).port));
    const s = await showUntil('ACTIVE after the restart', created.id, (x) => x.status === 'ACTIVE', 240_000);
    expect(s.status).toBe('ACTIVE');
    expect(domainUuids().filter((u) => u === created.id)).toHaveLength(1);
    expect(domstate(created.id)).toBe('running');
    expect(fs.readdirSync(instances).filter((f) => f === created.id)).toHaveLength(1);
    ok(['server', 'delete', '--wait', created.id]);
    await domainUntil(created.id, null);
  }, 600_000);
});
