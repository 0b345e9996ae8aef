import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openrc, openstackBinary, openstackCli } from '../e2e/support/openstack-cli';
import { waitFor } from '../e2e/support/strata-process';
import { StrataCompute } from './support/strata-compute';

const OPENSTACK = openstackBinary();
if (!OPENSTACK) process.stdout.write('openstack-cli-compute.e2e-spec: skipped: the `openstack` CLI is not installed (apt-get install -y python3-openstackclient, or scripts/provision.sh)\n');
const describeWithCli = OPENSTACK ? describe : describe.skip;

/** ssh-keygen when the machine has it (openssh-client), else null. */
function sshKeygen(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v ssh-keygen'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

// Used when ssh-keygen is absent: a valid ed25519 public key and its MD5 fingerprint.
const FIXED_ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHQW+MyLSoGIVIyh2Fd4He3QN0Av5cxUap5dsJcg+Kdl cli@strata';

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The real Debian `openstack` CLI (python3-openstackclient 6.0.0, novaclient/openstacksdk) against
 * the compute API of `strata start` with two fake hosts, command by command as test/fixtures/nova/CLI.md
 * captured them against the real Nova 26.2. `server create --nic none` needs --os-compute-api-version
 * 2.37: at the default 2.1 novaclient refuses it client-side ("nics must be a list or a tuple").
 */
describeWithCli('the real openstack CLI against the compute API of strata start', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2' });
  const root = env.dir.root;
  const files = path.join(root, 'files');
  let adminEnv: Record<string, string>;
  const { openstack, ok, json } = openstackCli(OPENSTACK!, root, () => adminEnv);
  const at = (version: string, args: string[]) => ['--os-compute-api-version', version, ...args];
  const SSH_KEYGEN = sshKeygen();

  /** `server show -f json` (at `version`, 2.1 unless told) until `accept` holds: bounded, no plain sleep. */
  const showUntil = (what: string, server: string, accept: (s: Row) => boolean, version?: string): Promise<Row> =>
    waitFor(
      `server ${server} ${what}`,
      () => {
        const s = json(version ? at(version, ['server', 'show', server]) : ['server', 'show', server]) as Row;
        return accept(s) ? s : undefined;
      },
      60_000,
      () => env.strata?.output().slice(-3000) ?? '',
    );
  const status = (server: string, wanted: string) => showUntil(`to be ${wanted}`, server, (s) => s.status === wanted);

  let flavorId: string;
  let flavor2Id: string;
  let imageId: string;
  let serverId: string;

  beforeAll(async () => {
    fs.mkdirSync(files, { recursive: true });
    await env.start();
    await env.hosts(2);
    adminEnv = openrc(path.join(env.dir.dataDir, 'admin-openrc.sh'));
  }, 180_000);

  afterAll(async () => {
    await env.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('flavor create with --property: the flavor and its extra specs', () => {
    const created = json(['flavor', 'create', '--ram', '512', '--disk', '1', '--vcpus', '1', '--property', 'hw:cpu_policy=shared', '--property', 'fx:a=b', 'm1.cli']);
    expect(created).toMatchObject({
      name: 'm1.cli',
      ram: 512,
      disk: 1,
      vcpus: 1,
      'os-flavor-access:is_public': true,
      'OS-FLV-DISABLED:disabled': false,
      'OS-FLV-EXT-DATA:ephemeral': 0,
      properties: { 'hw:cpu_policy': 'shared', 'fx:a': 'b' },
    });
    flavorId = created.id;
    flavor2Id = json(['flavor', 'create', '--ram', '1024', '--disk', '2', '--vcpus', '2', 'm1.cli2']).id;
  });

  it('flavor list and flavor show', () => {
    const rows = json(['flavor', 'list']) as Row[];
    expect(rows).toEqual(
      expect.arrayContaining([
        { ID: flavorId, Name: 'm1.cli', RAM: 512, Disk: 1, Ephemeral: 0, VCPUs: 1, 'Is Public': true },
        { ID: flavor2Id, Name: 'm1.cli2', RAM: 1024, Disk: 2, Ephemeral: 0, VCPUs: 2, 'Is Public': true },
      ]),
    );
    expect(json(['flavor', 'show', 'm1.cli'])).toMatchObject({ id: flavorId, name: 'm1.cli', ram: 512, disk: 1, vcpus: 1, properties: { 'hw:cpu_policy': 'shared', 'fx:a': 'b' } });
  });

  it('keypair create without --public-key prints a generated private key that matches the stored public key', () => {
    const privateKey = ok(['keypair', 'create', 'cli-gen']);
    expect(privateKey).toMatch(/^-----BEGIN (RSA |OPENSSH )?PRIVATE KEY-----\n/);
    expect(privateKey.trim()).toMatch(/-----END (RSA |OPENSSH )?PRIVATE KEY-----$/);
    const shown = json(['keypair', 'show', 'cli-gen']);
    expect(shown).toMatchObject({ name: 'cli-gen', type: 'ssh', fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/) });
    if (SSH_KEYGEN) {
      const file = path.join(files, 'cli-gen.pem');
      fs.writeFileSync(file, privateKey, { mode: 0o600 });
      const derived = execFileSync(SSH_KEYGEN, ['-y', '-f', file], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ');
      expect(ok(['keypair', 'show', '--public-key', 'cli-gen']).trim().split(' ').slice(0, 2).join(' ')).toBe(derived);
    }
  });

  it('keypair create --public-key from a file: the fingerprint ssh-keygen computes', () => {
    const pub = path.join(files, 'id_cli.pub');
    let fingerprint: string | undefined;
    if (SSH_KEYGEN) {
      execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'cli@strata', '-f', path.join(files, 'id_cli')]);
      fingerprint = execFileSync(SSH_KEYGEN, ['-l', '-E', 'md5', '-f', pub], { encoding: 'utf8' }).split(' ')[1].replace(/^MD5:/, '');
    } else {
      fs.writeFileSync(pub, `${FIXED_ED25519}\n`);
    }
    const created = json(['keypair', 'create', '--public-key', pub, 'cli-imp']);
    expect(created).toMatchObject({ name: 'cli-imp', type: 'ssh', fingerprint: fingerprint ?? expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/) });
    expect(created).not.toHaveProperty('private_key');
    expect((json(['keypair', 'list']) as Row[]).map((k) => k.Name).sort()).toEqual(['cli-gen', 'cli-imp']);
    expect(ok(['keypair', 'show', '--public-key', 'cli-imp']).trim()).toBe(fs.readFileSync(pub, 'utf8').trim());
  });

  it('image create --file of a small raw disk: active', () => {
    const disk = path.join(files, 'disk.raw');
    fs.writeFileSync(disk, Buffer.alloc(1024 * 1024));
    imageId = json(['image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--public', '--file', disk, 'cirros-cli']).id;
    expect(json(['image', 'show', 'cirros-cli'])).toMatchObject({ id: imageId, status: 'active', size: 1024 * 1024, visibility: 'public' });
  });

  it('server create --wait --nic none --key-name --property: ACTIVE on a fake host', () => {
    const created = json(at('2.37', ['server', 'create', '--wait', '--flavor', 'm1.cli', '--image', 'cirros-cli', '--nic', 'none', '--key-name', 'cli-imp', '--property', 'role=web', 'cli-srv']));
    expect(created).toMatchObject({
      name: 'cli-srv',
      status: 'ACTIVE',
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:power_state': 1,
      'OS-EXT-STS:task_state': null,
      'OS-EXT-AZ:availability_zone': 'nova',
      key_name: 'cli-imp',
      properties: { role: 'web' },
      flavor: `m1.cli (${flavorId})`,
      image: `cirros-cli (${imageId})`,
      addresses: {},
      adminPass: expect.stringMatching(/^\w{12}$/),
    });
    expect(['fake-1', 'fake-2']).toContain(created['OS-EXT-SRV-ATTR:host']);
    serverId = created.id;
  });

  it('server list', () => {
    expect(json(['server', 'list'])).toEqual([{ ID: serverId, Name: 'cli-srv', Status: 'ACTIVE', Networks: {}, Image: 'cirros-cli', Flavor: 'm1.cli' }]);
  });

  it('server show: ACTIVE, its properties and key name', () => {
    expect(json(['server', 'show', 'cli-srv'])).toMatchObject({
      id: serverId,
      status: 'ACTIVE',
      properties: { role: 'web' },
      key_name: 'cli-imp',
      flavor: `m1.cli (${flavorId})`,
      image: `cirros-cli (${imageId})`,
      project_id: env.adminProject,
    });
  });

  it('server stop: SHUTOFF, then server start: ACTIVE', async () => {
    ok(['server', 'stop', 'cli-srv']);
    expect(await status('cli-srv', 'SHUTOFF')).toMatchObject({ 'OS-EXT-STS:vm_state': 'stopped', 'OS-EXT-STS:power_state': 4 });
    ok(['server', 'start', 'cli-srv']);
    expect(await status('cli-srv', 'ACTIVE')).toMatchObject({ 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:power_state': 1 });
  });

  it('server reboot --wait and reboot --hard --wait: ACTIVE again', () => {
    expect(ok(['server', 'reboot', '--wait', 'cli-srv'])).toContain('Complete');
    expect(json(['server', 'show', 'cli-srv'])).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null });
    expect(ok(['server', 'reboot', '--hard', '--wait', 'cli-srv'])).toContain('Complete');
    expect(json(['server', 'show', 'cli-srv'])).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null });
  });

  it('server pause / unpause: PAUSED then ACTIVE', async () => {
    ok(['server', 'pause', 'cli-srv']);
    expect(await status('cli-srv', 'PAUSED')).toMatchObject({ 'OS-EXT-STS:vm_state': 'paused', 'OS-EXT-STS:power_state': 3 });
    ok(['server', 'unpause', 'cli-srv']);
    await status('cli-srv', 'ACTIVE');
  });

  it('server suspend / resume: SUSPENDED then ACTIVE', async () => {
    ok(['server', 'suspend', 'cli-srv']);
    expect(await status('cli-srv', 'SUSPENDED')).toMatchObject({ 'OS-EXT-STS:vm_state': 'suspended', 'OS-EXT-STS:power_state': 7 });
    ok(['server', 'resume', 'cli-srv']);
    await status('cli-srv', 'ACTIVE');
  });

  it('server lock / unlock: locked shows at --os-compute-api-version 2.9 and later', async () => {
    ok(['server', 'lock', 'cli-srv']);
    expect(await showUntil('to be locked', 'cli-srv', (s) => s.locked === true, '2.73')).toMatchObject({ locked: true, locked_reason: null });
    ok(['server', 'unlock', 'cli-srv']);
    expect(await showUntil('to be unlocked', 'cli-srv', (s) => s.locked === false, '2.73')).toMatchObject({ locked: false, status: 'ACTIVE' });
  });

  it('server resize --flavor --wait to a bigger flavor, then resize confirm: ACTIVE with the new flavor', async () => {
    expect(ok(['server', 'resize', '--flavor', 'm1.cli2', '--wait', 'cli-srv'])).toContain('Complete');
    expect(json(['server', 'show', 'cli-srv'])).toMatchObject({ status: 'VERIFY_RESIZE', flavor: `m1.cli2 (${flavor2Id})` });
    ok(['server', 'resize', 'confirm', 'cli-srv']);
    expect(await status('cli-srv', 'ACTIVE')).toMatchObject({ flavor: `m1.cli2 (${flavor2Id})`, 'OS-EXT-STS:vm_state': 'active' });
  });

  it('server resize back to the first flavor (a smaller disk, as Nova accepts), then resize revert: the flavor it had', async () => {
    // Real Nova (fake driver) answered 202 to this very resize from disk 2 to disk 1 (CLI.md) and then
    // VERIFY_RESIZE; only the libvirt driver refuses a smaller disk, at the compute host, not the API.
    const resized = openstack(['server', 'resize', '--flavor', 'm1.cli', '--wait', 'cli-srv']);
    expect({ status: resized.status, stderr: resized.stderr }).toEqual({ status: 0, stderr: '' });
    expect(json(['server', 'show', 'cli-srv'])).toMatchObject({ status: 'VERIFY_RESIZE', flavor: `m1.cli (${flavorId})` });
    ok(['server', 'resize', 'revert', 'cli-srv']);
    expect(await status('cli-srv', 'ACTIVE')).toMatchObject({ flavor: `m1.cli2 (${flavor2Id})`, 'OS-EXT-STS:vm_state': 'active' });
  });

  it('server migration list: the two resizes of the server, confirmed then reverted, newest first at 2.59+', () => {
    const rows = json(at('2.80', ['server', 'migration', 'list', '--server', serverId])) as Row[];
    expect(rows.map((r) => [r.Type, r.Status])).toEqual([
      ['resize', 'reverted'],
      ['resize', 'confirmed'],
    ]);
    expect(rows[0]).toMatchObject({ 'Server UUID': serverId, 'Source Compute': expect.stringMatching(/^fake-[12]$/), UUID: expect.any(String) });
  });

  it('server migrate --wait (cold migration): VERIFY_RESIZE on the other host; server migration confirm: ACTIVE there', async () => {
    const from = json(['server', 'show', 'cli-srv'])['OS-EXT-SRV-ATTR:host'] as string;
    expect(ok(['server', 'migrate', '--wait', 'cli-srv'])).toContain('Complete');
    const moved = json(['server', 'show', 'cli-srv']);
    expect(moved.status).toBe('VERIFY_RESIZE');
    expect(moved['OS-EXT-SRV-ATTR:host']).toBe(from === 'fake-1' ? 'fake-2' : 'fake-1');
    ok(['server', 'migration', 'confirm', 'cli-srv']);
    expect(await status('cli-srv', 'ACTIVE')).toMatchObject({ 'OS-EXT-SRV-ATTR:host': moved['OS-EXT-SRV-ATTR:host'], 'OS-EXT-STS:vm_state': 'active' });
    const rows = json(at('2.80', ['server', 'migration', 'list', '--server', serverId])) as Row[];
    expect(rows[0]).toMatchObject({ Type: 'migration', Status: 'confirmed', 'Source Compute': from });
  });

  it('server rebuild --image --wait: ACTIVE, same server, a new admin password', () => {
    // With --wait the CLI prints "Complete" before the formatted server.
    const out = ok(['server', 'rebuild', '--image', 'cirros-cli', '--wait', 'cli-srv', '-f', 'json']);
    expect(out.startsWith('Complete\n')).toBe(true);
    const rebuilt = JSON.parse(out.slice('Complete\n'.length));
    expect(rebuilt).toMatchObject({ id: serverId, image: `cirros-cli (${imageId})`, adminPass: expect.stringMatching(/^\w{12}$/) });
    expect(json(['server', 'show', 'cli-srv'])).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null, image: `cirros-cli (${imageId})`, key_name: 'cli-imp' });
  });

  it('server event list and server event show: every action with its request id', () => {
    const events = json(['server', 'event', 'list', 'cli-srv']) as Row[];
    for (const e of events) expect(e).toEqual({ 'Request ID': expect.stringMatching(/^req-[0-9a-f-]{36}$/), 'Server ID': serverId, Action: expect.any(String), 'Start Time': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/) });
    // Newest first, as Nova lists them.
    const actions = events.map((e) => e.Action).reverse();
    expect(actions.slice(0, 13)).toEqual(['create', 'stop', 'start', 'reboot', 'reboot', 'pause', 'unpause', 'suspend', 'resume', 'lock', 'unlock', 'resize', 'confirmResize']);
    expect(actions[actions.length - 1]).toBe('rebuild');
    const create = events.find((e) => e.Action === 'create')!;
    const shown = json(['server', 'event', 'show', 'cli-srv', create['Request ID']]);
    expect(shown).toMatchObject({ action: 'create', request_id: create['Request ID'], instance_uuid: serverId, project_id: env.adminProject, message: null });
    expect(shown.events).toEqual([expect.objectContaining({ event: 'compute__do_build_and_run_instance', result: 'Success' })]);
    const stop = events.find((e) => e.Action === 'stop')!;
    expect(json(['server', 'event', 'show', 'cli-srv', stop['Request ID']])).toMatchObject({ action: 'stop', request_id: stop['Request ID'] });
  });

  it('server shelve --wait: SHELVED_OFFLOADED off its host, the image <name>-shelved; server unshelve --wait: ACTIVE again, the image gone', async () => {
    ok(['server', 'shelve', '--wait', 'cli-srv']);
    expect(json(['server', 'show', 'cli-srv'])).toMatchObject({ status: 'SHELVED_OFFLOADED', 'OS-EXT-SRV-ATTR:host': null, 'OS-EXT-STS:task_state': null });
    const images = json(['image', 'list', '--name', 'cli-srv-shelved']) as Row[];
    expect(images).toEqual([expect.objectContaining({ Name: 'cli-srv-shelved', Status: 'active' })]);
    ok(['server', 'unshelve', '--wait', 'cli-srv']);
    expect(json(['server', 'show', 'cli-srv'])).toMatchObject({ id: serverId, status: 'ACTIVE', image: `cirros-cli (${imageId})`, 'OS-EXT-SRV-ATTR:host': expect.stringMatching(/\S/) });
    await waitFor('the shelved image to be deleted', () => ((json(['image', 'list', '--name', 'cli-srv-shelved']) as Row[]).length === 0 ? true : undefined), 30_000);
    const actions = (json(['server', 'event', 'list', 'cli-srv']) as Row[]).map((e) => e.Action);
    expect(actions.slice(0, 2)).toEqual(['unshelve', 'shelve']);
  });

  it('server image create --wait: an active snapshot image of the server, which stays ACTIVE', () => {
    const made = json(['server', 'image', 'create', '--name', 'cli-srv-snap', '--wait', 'cli-srv']) as Row;
    expect(made).toMatchObject({ name: 'cli-srv-snap', status: 'active', disk_format: 'raw', container_format: 'bare' });
    expect(json(['image', 'show', 'cli-srv-snap'])).toMatchObject({ visibility: 'private', properties: expect.objectContaining({ image_type: 'snapshot', instance_uuid: serverId }) });
    expect(json(['server', 'show', 'cli-srv'])).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null });
  });

  it('console log show: non-empty text; --lines N gives its tail', () => {
    const log = ok(['console', 'log', 'show', 'cli-srv']);
    expect(log.trim().length).toBeGreaterThan(0);
    // Nova's _tail_log: '\n'.join(output.split('\n')[-N:]); the CLI adds a final newline when missing.
    const tail = (n: number) => log.split('\n').slice(-n).join('\n').replace(/([^\n])$/, '$1\n');
    expect(ok(['console', 'log', 'show', '--lines', '3', 'cli-srv'])).toBe(tail(3));
  });

  it('hypervisor list and hypervisor show', () => {
    const rows = json(['hypervisor', 'list']) as Row[];
    expect(rows.map((h) => h['Hypervisor Hostname']).sort()).toEqual(['fake-1', 'fake-2']);
    for (const h of rows) expect(h).toMatchObject({ ID: expect.anything(), 'Hypervisor Type': 'fake', State: 'up' });
    // novaclient at 2.1: GET /os-hypervisors/fake-1 (404), /os-hypervisors/detail, /os-aggregates, /os-hypervisors/<id>/uptime (501 tolerated).
    const shown = openstack(['hypervisor', 'show', 'fake-1', '-f', 'json']);
    expect({ status: shown.status, stderr: shown.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(shown.stdout)).toMatchObject({ hypervisor_hostname: 'fake-1', hypervisor_type: 'fake', state: 'up', status: 'enabled', aggregates: [] });
  });

  it('host list and host show (os-hosts): the compute hosts, their zone and resources', () => {
    expect(json(['host', 'list'])).toEqual(
      expect.arrayContaining([
        { 'Host Name': 'fake-1', Service: 'compute', Zone: 'nova' },
        { 'Host Name': 'fake-2', Service: 'compute', Zone: 'nova' },
      ]),
    );
    const rows = json(['host', 'show', 'fake-1']) as Row[];
    expect(rows.slice(0, 3).map((r) => r.Project)).toEqual(['(total)', '(used_now)', '(used_max)']);
    expect(rows[0]).toMatchObject({ Host: 'fake-1', CPU: expect.any(Number), 'Memory MB': expect.any(Number), 'Disk GB': expect.any(Number) });
  });

  it('hypervisor stats show', () => {
    // As Nova's fake driver: 512 MB reserved per host (reserved_host_memory_mb) + the 1024 MB of m1.cli2.
    expect(json(['hypervisor', 'stats', 'show'])).toMatchObject({ count: 2, running_vms: 1, vcpus_used: 2, memory_mb_used: 2048, local_gb_used: 2 });
  });

  it('compute service list; service set --disable --disable-reason, then --enable', async () => {
    const list = () => json(['compute', 'service', 'list', '--long']) as Row[];
    const fake2 = () => list().find((s) => s.Host === 'fake-2' && s.Binary === 'nova-compute');
    expect(list().filter((s) => s.Binary === 'nova-compute').map((s) => [s.Host, s.Zone, s.Status, s.State])).toEqual(
      expect.arrayContaining([
        ['fake-1', 'nova', 'enabled', 'up'],
        ['fake-2', 'nova', 'enabled', 'up'],
      ]),
    );
    ok(['compute', 'service', 'set', '--disable', '--disable-reason', 'maintenance window', 'fake-2', 'nova-compute']);
    expect(fake2()).toMatchObject({ Status: 'disabled', 'Disabled Reason': 'maintenance window' });
    ok(['compute', 'service', 'set', '--enable', 'fake-2', 'nova-compute']);
    expect(fake2()).toMatchObject({ Status: 'enabled', 'Disabled Reason': null });
  });

  it('availability zone list: nova is available', () => {
    // Without --compute the CLI also asks the network service, which Strata does not have yet (not in its catalog).
    expect(json(['availability', 'zone', 'list', '--compute'])).toEqual(expect.arrayContaining([{ 'Zone Name': 'nova', 'Zone Status': 'available' }]));
  });

  it('quota show: the compute quotas of the project', () => {
    // The catalog lists only what Strata serves, so the CLI asks compute alone (no volume or network quotas).
    const shown = openstack(['quota', 'show', '-f', 'json']);
    expect({ status: shown.status, stderr: shown.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(shown.stdout)).toMatchObject({ instances: 10, cores: 20, ram: 51200, 'key-pairs': 100 });
  });

  it('quota set --instances N: limits show and quota show reflect N', () => {
    ok(['quota', 'set', '--instances', '15', 'admin']);
    const limits = json(['limits', 'show', '--absolute']) as { Name: string; Value: number }[];
    expect(limits).toEqual(expect.arrayContaining([{ Name: 'maxTotalInstances', Value: 15 }, { Name: 'totalInstancesUsed', Value: 1 }]));
    const shown = openstack(['quota', 'show', '-f', 'json']);
    expect({ status: shown.status, stderr: shown.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(shown.stdout)).toMatchObject({ instances: 15 });
  });

  it('server group anti-affinity with 2 hosts: two members on different hosts, the third in ERROR with no valid host; group show lists them', async () => {
    const group = json(['server', 'group', 'create', '--policy', 'anti-affinity', 'cli-sg']);
    expect(group).toMatchObject({ name: 'cli-sg', policy: 'anti-affinity', members: [], project_id: env.adminProject });
    const boot = (name: string) => openstack(at('2.37', ['server', 'create', '--wait', '--flavor', 'm1.cli', '--image', 'cirros-cli', '--nic', 'none', '--hint', `group=${group.id}`, name, '-f', 'json']), undefined, 150_000);
    const hosts: string[] = [];
    const ids: string[] = [];
    for (const name of ['cli-ag-1', 'cli-ag-2']) {
      const r = boot(name);
      if (r.status !== 0) throw new Error(`server create ${name} exited ${r.status}\n${r.stderr}\n${ok(['server', 'show', name])}`);
      const s = JSON.parse(r.stdout);
      expect(s.status).toBe('ACTIVE');
      ids.push(s.id);
      hosts.push(json(['server', 'show', name])['OS-EXT-SRV-ATTR:host']);
    }
    expect(hosts.sort()).toEqual(['fake-1', 'fake-2']);
    // novaclient's --wait ends on ERROR with "Error creating server" and `raise SystemExit` (exit 0).
    const third = boot('cli-ag-3');
    expect(third.stderr).toContain('Error creating server: cli-ag-3');
    const failed = json(['server', 'show', 'cli-ag-3']);
    expect(failed).toMatchObject({ status: 'ERROR', 'OS-EXT-STS:vm_state': 'error', 'OS-EXT-SRV-ATTR:host': null });
    expect(failed.fault).toMatchObject({ code: 500, message: 'No valid host was found. There are not enough hosts available.' });
    ids.push(failed.id);
    const shown = json(['server', 'group', 'show', 'cli-sg']);
    expect(shown).toMatchObject({ id: group.id, name: 'cli-sg', policy: 'anti-affinity' });
    expect([...shown.members].sort()).toEqual([...ids].sort());
  }, 600_000);

  it('aggregate create --zone, add host, set --property, show, list --long, unset, remove host, delete: the zone follows the host', () => {
    const created = json(['aggregate', 'create', '--zone', 'cli-zone', 'cli-agg']) as Row;
    expect(created).toMatchObject({ name: 'cli-agg', availability_zone: 'cli-zone', id: expect.any(Number) });
    ok(['aggregate', 'add', 'host', 'cli-agg', 'fake-2']);
    ok(['aggregate', 'set', '--property', 'ssd=true', '--property', 'rack=r1', 'cli-agg']);
    const shown = json(['aggregate', 'show', 'cli-agg']) as Row;
    expect(shown).toMatchObject({ name: 'cli-agg', availability_zone: 'cli-zone', hosts: ['fake-2'], properties: { ssd: 'true', rack: 'r1' } });
    const listed = (json(['aggregate', 'list', '--long']) as Row[]).find((a) => a.Name === 'cli-agg')!;
    expect(listed).toMatchObject({ ID: created.id, 'Availability Zone': 'cli-zone' });
    // The host is in the aggregate's zone now: the zone list, the service list and the hypervisor show it.
    expect((json(['availability', 'zone', 'list', '--compute', '--long']) as Row[]).filter((z) => z['Zone Name'] === 'cli-zone').map((z) => z['Host Name'])).toEqual(['fake-2']);
    expect((json(['compute', 'service', 'list']) as Row[]).find((r) => r.Host === 'fake-2')).toMatchObject({ Zone: 'cli-zone' });
    expect(json(['hypervisor', 'show', 'fake-2'])).toMatchObject({ aggregates: ['cli-agg'] });
    ok(['aggregate', 'unset', '--property', 'rack', 'cli-agg']);
    expect((json(['aggregate', 'show', 'cli-agg']) as Row).properties).toEqual({ ssd: 'true' });
    // Nova's refusal, through the CLI: an aggregate with a host cannot go.
    const refused = openstack(['aggregate', 'delete', 'cli-agg']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('Host aggregate is not empty');
    ok(['aggregate', 'remove', 'host', 'cli-agg', 'fake-2']);
    ok(['aggregate', 'delete', 'cli-agg']);
    expect((json(['aggregate', 'list']) as Row[]).map((a) => a.Name)).not.toContain('cli-agg');
    expect((json(['compute', 'service', 'list']) as Row[]).find((r) => r.Host === 'fake-2')).toMatchObject({ Zone: 'nova' });
  });

  it('usage list and usage show: the project\'s servers and their hours, from os-simple-tenant-usage', () => {
    // The last four weeks, every project (the admin's), one row each; -f json names projects by id and
    // gives the server usages themselves (the table counts them).
    const mine = (json(['usage', 'list']) as Row[]).find((r) => r.Project === env.adminProject)!;
    expect(mine).toMatchObject({ 'CPU Hours': expect.any(Number), 'RAM MB-Hours': expect.any(Number), 'Disk GB-Hours': expect.any(Number) });
    const servers = mine.Servers as Row[];
    expect(servers.map((s) => s.instance_id)).toContain(serverId);
    expect(servers.find((s) => s.instance_id === serverId)).toMatchObject({ name: 'cli-srv', tenant_id: env.adminProject, state: 'active', ended_at: null });
    expect(mine['CPU Hours'] as number).toBeGreaterThan(0);
    // The project of the token.
    const shown = json(['usage', 'show']) as Row;
    expect(shown).toMatchObject({ Project: env.adminProject });
    expect((shown.Servers as Row[]).map((s) => s.instance_id).sort()).toEqual(servers.map((s) => s.instance_id).sort());
  });

  it('server delete --wait, then server list no longer has it', () => {
    ok(['server', 'delete', '--wait', 'cli-srv']);
    const names = (json(['server', 'list']) as Row[]).map((s) => s.Name);
    expect(names).not.toContain('cli-srv');
    expect(names.sort()).toEqual(['cli-ag-1', 'cli-ag-2', 'cli-ag-3']);
    const gone = openstack(['server', 'show', serverId]);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain(`No server with a name or ID of '${serverId}' exists.`);
  });
});
