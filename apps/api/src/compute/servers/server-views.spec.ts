import { ServerRow } from '../../../../../projections/compute/servers';
import { ApiVersion } from '../microversion';
import { hostId, novaIsoTime, novaTimestamp, serverSummary, serverView, ServerViewContext } from './server-views';

// Values of the captured Nova 26.2 answers (test/fixtures/nova/server-show.md, server-list.md): fx-srv-2 on fake-2.
const ID = '8ae8aaf3-fea0-48c4-a40f-18ee9bb652ae';
const PROJECT = '893e7421a5cf4588a266fb77785f6f6c';
const USER = 'cf5c0f0e01ba4b518abf62161424be8f';
const IMAGE = '891c567e-bf75-41f2-a3f1-229c3500b159';
const FLAVOR = '8220d353-5a7a-4ae9-9771-d27d17e28ad0';
const BASE = 'http://127.0.0.1:8774';

const row = (changes: Partial<ServerRow> = {}): ServerRow => ({
  id: ID,
  name: 'fx-srv-2',
  description: 'second server',
  project_id: PROJECT,
  user_id: USER,
  vm_state: 'active',
  task_state: null,
  power_state: 1,
  status: 'ACTIVE',
  host: 'fake-2',
  node: 'fake-2',
  availability_zone: 'nova',
  requested_availability_zone: null,
  flavor: { id: FLAVOR, name: 'fx-tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true, description: null, extraSpecs: {} },
  flavor_id: FLAVOR,
  vcpus: 1,
  memory_mb: 512,
  root_gb: 1,
  image: { id: IMAGE, name: 'cirros', properties: {}, diskFormat: 'qcow2', minDisk: 0, minRam: 0 },
  image_id: IMAGE,
  key_name: null,
  key_data: null,
  metadata: {},
  tags: ['a', 'b'],
  fault: null,
  locked: false,
  locked_reason: null,
  locked_by: null,
  server_group_id: null,
  reservation_id: 'r-sos0ymft',
  launch_index: 0,
  hostname: 'fx-host-2',
  instance_name: 'instance-0000000e',
  access_ipv4: null,
  access_ipv6: null,
  user_data: null,
  config_drive: '',
  auto_disk_config: false,
  launched_at: '2026-12-06T09:01:00.482913Z',
  terminated_at: null,
  deleted: false,
  deleted_at: null,
  created_at: '2026-12-06T09:00:58.123456Z',
  updated_at: '2026-12-06T09:01:00.654321Z',
  stream_version: 2,
  ...changes,
});

const ctx = (version: string, isAdmin = false, extra: Partial<ServerViewContext> = {}): ServerViewContext => ({ version: ApiVersion.parse(version)!, isAdmin, baseUrl: BASE, ...extra });
const links = [
  { rel: 'self', href: `${BASE}/v2.1/servers/${ID}` },
  { rel: 'bookmark', href: `${BASE}/servers/${ID}` },
];

/** GET /servers/{id} at 2.93 by admin, as the real Nova answered (capture #6). */
const NOVA_ADMIN_293 = {
  id: ID,
  name: 'fx-srv-2',
  status: 'ACTIVE',
  tenant_id: PROJECT,
  user_id: USER,
  metadata: {},
  hostId: '0417b3bd528c582fd2105c8690bd89dd9d1fb904aa916ea86d443ff3',
  image: { id: IMAGE, links: [{ rel: 'bookmark', href: `${BASE}/images/${IMAGE}` }] },
  flavor: { vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, original_name: 'fx-tiny', extra_specs: {} },
  created: '2026-12-06T09:00:58Z',
  updated: '2026-12-06T09:01:00Z',
  addresses: {},
  accessIPv4: '',
  accessIPv6: '',
  links,
  'OS-DCF:diskConfig': 'MANUAL',
  progress: 0,
  'OS-EXT-AZ:availability_zone': 'nova',
  config_drive: '',
  key_name: null,
  'OS-SRV-USG:launched_at': '2026-12-06T09:01:00.000000',
  'OS-SRV-USG:terminated_at': null,
  'OS-EXT-SRV-ATTR:host': 'fake-2',
  'OS-EXT-SRV-ATTR:instance_name': 'instance-0000000e',
  'OS-EXT-SRV-ATTR:hypervisor_hostname': 'fake-2',
  'OS-EXT-SRV-ATTR:reservation_id': 'r-sos0ymft',
  'OS-EXT-SRV-ATTR:launch_index': 0,
  'OS-EXT-SRV-ATTR:hostname': 'fx-host-2',
  'OS-EXT-SRV-ATTR:kernel_id': '',
  'OS-EXT-SRV-ATTR:ramdisk_id': '',
  // Nova's fake driver names it /dev/sda; libvirt's virtio disk is vda, which Strata reports.
  'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
  'OS-EXT-SRV-ATTR:user_data': null,
  'OS-EXT-STS:task_state': null,
  'OS-EXT-STS:vm_state': 'active',
  'OS-EXT-STS:power_state': 1,
  'os-extended-volumes:volumes_attached': [],
  host_status: 'UP',
  locked: false,
  locked_reason: null,
  description: 'second server',
  tags: ['a', 'b'],
  trusted_image_certificates: null,
  server_groups: [],
};

const BASE_KEYS_21 = [
  'id',
  'name',
  'status',
  'tenant_id',
  'user_id',
  'metadata',
  'hostId',
  'image',
  'flavor',
  'created',
  'updated',
  'addresses',
  'accessIPv4',
  'accessIPv6',
  'links',
  'OS-DCF:diskConfig',
  'progress',
  'OS-EXT-AZ:availability_zone',
  'config_drive',
  'key_name',
  'OS-SRV-USG:launched_at',
  'OS-SRV-USG:terminated_at',
  'OS-EXT-STS:task_state',
  'OS-EXT-STS:vm_state',
  'OS-EXT-STS:power_state',
  'os-extended-volumes:volumes_attached',
];

describe('serverView', () => {
  it("answers an admin at 2.93 field for field and in Nova's order", () => {
    const view = serverView(row(), ctx('2.93', true, { hostStatus: 'UP' }));
    expect(view).toEqual(NOVA_ADMIN_293);
    expect(Object.keys(view)).toEqual(Object.keys(NOVA_ADMIN_293));
  });

  it('answers a member at 2.1 with the v2.0 field set: flavor as a link, no extended attributes', () => {
    const view = serverView(row(), ctx('2.1'));
    expect(Object.keys(view)).toEqual(BASE_KEYS_21);
    expect(view.flavor).toEqual({ id: FLAVOR, links: [{ rel: 'bookmark', href: `${BASE}/flavors/${FLAVOR}` }] });
  });

  it('answers an admin at 2.1 with host, instance name and hypervisor only (the 2.3 attributes come later)', () => {
    const keys = Object.keys(serverView(row(), ctx('2.1', true, { hostStatus: 'UP' })));
    const i = keys.indexOf('OS-SRV-USG:terminated_at');
    expect(keys.slice(i + 1, i + 4)).toEqual(['OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:instance_name', 'OS-EXT-SRV-ATTR:hypervisor_hostname']);
    expect(keys).not.toContain('OS-EXT-SRV-ATTR:reservation_id');
    expect(keys).not.toContain('host_status');
  });

  it('answers a member at 2.93 without extended attributes but with the 2.90 hostname, as Nova did', () => {
    const view = serverView(row(), ctx('2.93'));
    expect(Object.keys(view)).toEqual([...BASE_KEYS_21, 'locked', 'locked_reason', 'description', 'tags', 'trusted_image_certificates', 'OS-EXT-SRV-ATTR:hostname', 'server_groups']);
    expect(view['OS-EXT-SRV-ATTR:hostname']).toBe('fx-host-2');
  });

  it('switches the flavor to the embedded form at 2.47', () => {
    expect(serverView(row(), ctx('2.46')).flavor).toEqual({ id: FLAVOR, links: [{ rel: 'bookmark', href: `${BASE}/flavors/${FLAVOR}` }] });
    expect(serverView(row({ flavor: { ...row().flavor, swapMb: 512, ephemeralGb: 2, extraSpecs: { 'hw:cpu_policy': 'dedicated' } } }), ctx('2.47')).flavor).toEqual({
      vcpus: 1,
      ram: 512,
      disk: 1,
      ephemeral: 2,
      swap: 512,
      original_name: 'fx-tiny',
      extra_specs: { 'hw:cpu_policy': 'dedicated' },
    });
  });

  it('adds each microversion field from its version on', () => {
    const keysAt = (v: string) => Object.keys(serverView(row(), ctx(v)));
    expect(keysAt('2.8')).not.toContain('locked');
    expect(keysAt('2.9')).toContain('locked');
    expect(keysAt('2.18')).not.toContain('description');
    expect(keysAt('2.19')).toContain('description');
    expect(keysAt('2.25')).not.toContain('tags');
    expect(keysAt('2.26')).toContain('tags');
    expect(keysAt('2.62')).not.toContain('trusted_image_certificates');
    expect(keysAt('2.63')).toContain('trusted_image_certificates');
    expect(keysAt('2.70')).not.toContain('server_groups');
    expect(keysAt('2.71')).toContain('server_groups');
    expect(keysAt('2.72')).not.toContain('locked_reason');
    expect(keysAt('2.73')).toContain('locked_reason');
    expect(keysAt('2.89')).not.toContain('OS-EXT-SRV-ATTR:hostname');
  });

  it('shows the lock, its reason and the server group', () => {
    const view = serverView(row({ locked: true, locked_reason: 'fx maintenance', locked_by: 'owner', server_group_id: 'g-1' }), ctx('2.93'));
    expect(view).toMatchObject({ locked: true, locked_reason: 'fx maintenance', server_groups: ['g-1'] });
  });

  it('shows host_status only from 2.16 and only when given', () => {
    expect(serverView(row(), ctx('2.15', true, { hostStatus: 'UP' }))).not.toHaveProperty('host_status');
    expect(serverView(row(), ctx('2.16', true))).not.toHaveProperty('host_status');
    expect(serverView(row(), ctx('2.16', true, { hostStatus: 'DOWN' })).host_status).toBe('DOWN');
  });

  it('lays out a detail list entry as Nova does: host_status last and no server_groups', () => {
    const keys = Object.keys(serverView(row(), ctx('2.93', true, { hostStatus: 'UP', inList: true })));
    expect(keys.slice(-6)).toEqual(['locked', 'locked_reason', 'description', 'tags', 'trusted_image_certificates', 'host_status']);
    expect(keys).not.toContain('server_groups');
  });

  it('shows a building server without host: empty hostId, the requested zone, progress, no launch time', () => {
    const building = row({ vm_state: 'building', task_state: 'scheduling', power_state: 0, status: 'BUILD', host: null, node: null, availability_zone: null, launched_at: null });
    const view = serverView(building, ctx('2.93', true));
    expect(view).toMatchObject({
      status: 'BUILD',
      hostId: '',
      progress: 0,
      'OS-EXT-AZ:availability_zone': '',
      'OS-SRV-USG:launched_at': null,
      'OS-EXT-SRV-ATTR:host': null,
      'OS-EXT-SRV-ATTR:root_device_name': null,
      'OS-EXT-STS:task_state': 'scheduling',
      'OS-EXT-STS:vm_state': 'building',
      'OS-EXT-STS:power_state': 0,
    });
    expect(view).not.toHaveProperty('fault');
  });

  it("shows its host's zone now, and its own zone when its host's is not known (nova/availability_zones.py get_instance_availability_zone)", () => {
    const placed = row({ availability_zone: 'nova' });
    expect(serverView(placed, ctx('2.1', false, { hostZones: new Map([[placed.host!, 'edge']]) }))['OS-EXT-AZ:availability_zone']).toBe('edge');
    expect(serverView(placed, ctx('2.1', false, { hostZones: new Map([['elsewhere', 'edge']]) }))['OS-EXT-AZ:availability_zone']).toBe('nova');
    expect(serverView(placed, ctx('2.1'))['OS-EXT-AZ:availability_zone']).toBe('nova');
    const unplaced = row({ host: null, node: null, availability_zone: 'az-asked' });
    expect(serverView(unplaced, ctx('2.1', false, { hostZones: new Map([['fake-1', 'edge']]) }))['OS-EXT-AZ:availability_zone']).toBe('az-asked');
  });

  it('shows no progress outside the progress statuses (SHUTOFF, PAUSED, ERROR)', () => {
    expect(serverView(row({ vm_state: 'stopped', power_state: 4, status: 'SHUTOFF' }), ctx('2.1'))).not.toHaveProperty('progress');
    expect(serverView(row({ vm_state: 'paused', power_state: 3, status: 'PAUSED' }), ctx('2.1'))).not.toHaveProperty('progress');
  });

  describe('fault', () => {
    const failed = (code: number, details: string) =>
      row({ vm_state: 'error', status: 'ERROR', host: null, fault: { code, message: 'No valid host was found. ', details, created: '2026-12-06T09:02:03.000001Z' } });

    it('shows the fault of an ERROR server after the disk config, in seconds', () => {
      const view = serverView(failed(500, ''), ctx('2.1'));
      expect(view.fault).toEqual({ code: 500, created: '2026-12-06T09:02:03Z', message: 'No valid host was found. ' });
      const keys = Object.keys(view);
      expect(keys[keys.indexOf('OS-DCF:diskConfig') + 1]).toBe('fault');
      expect(view).not.toHaveProperty('progress');
    });

    it("shows a 500's details to admins only, other codes' details to everyone", () => {
      expect(serverView(failed(500, 'Traceback...'), ctx('2.1')).fault).not.toHaveProperty('details');
      expect(serverView(failed(500, 'Traceback...'), ctx('2.1', true)).fault).toMatchObject({ details: 'Traceback...' });
      expect(serverView(failed(400, 'bad image'), ctx('2.1')).fault).toMatchObject({ details: 'bad image' });
    });

    it('hides a fault once the server left ERROR (e.g. rebuilt), shows it on a DELETED server', () => {
      const fault = failed(500, '').fault;
      expect(serverView(row({ fault }), ctx('2.1'))).not.toHaveProperty('fault');
      expect(serverView(row({ fault, status: 'DELETED', vm_state: 'deleted', deleted: true }), ctx('2.1')).fault).toMatchObject({ code: 500 });
    });
  });

  it('renders a deleted server (changes-since) as DELETED with its termination time', () => {
    const view = serverView(row({ vm_state: 'deleted', power_state: 0, status: 'DELETED', deleted: true, deleted_at: '2026-12-06T10:00:00.5Z', terminated_at: '2026-12-06T10:00:00.5Z' }), ctx('2.1'));
    expect(view).toMatchObject({ status: 'DELETED', 'OS-SRV-USG:terminated_at': '2026-12-06T10:00:00.000000', 'OS-EXT-STS:vm_state': 'deleted' });
    expect(view).not.toHaveProperty('progress');
  });

  it('shows "" for a server booted from no image, and the access addresses', () => {
    expect(serverView(row({ image_id: '' }), ctx('2.1')).image).toBe('');
    expect(serverView(row({ access_ipv4: '10.0.0.1', access_ipv6: '::1' }), ctx('2.1'))).toMatchObject({ accessIPv4: '10.0.0.1', accessIPv6: '::1' });
  });

  it('shows kernel and ramdisk ids from the image, and user data, to admins at 2.3', () => {
    const view = serverView(row({ image: { ...row().image, properties: { kernel_id: 'k', ramdisk_id: 'r', hw_disk_bus: 'scsi' } }, user_data: 'IyEvYmluL3No' }), ctx('2.3', true));
    expect(view).toMatchObject({ 'OS-EXT-SRV-ATTR:kernel_id': 'k', 'OS-EXT-SRV-ATTR:ramdisk_id': 'r', 'OS-EXT-SRV-ATTR:root_device_name': '/dev/sda', 'OS-EXT-SRV-ATTR:user_data': 'IyEvYmluL3No' });
  });
});

describe('serverSummary', () => {
  it('is id, name and links (GET /servers)', () => {
    expect(serverSummary(row(), { baseUrl: 'http://h:8080/compute' })).toEqual({
      id: ID,
      name: 'fx-srv-2',
      links: [
        { rel: 'self', href: `http://h:8080/compute/v2.1/servers/${ID}` },
        { rel: 'bookmark', href: `http://h:8080/compute/servers/${ID}` },
      ],
    });
  });
});

describe('Nova formats', () => {
  it('hashes project and host as nova.utils.generate_hostid', () => {
    expect(hostId('fake-2', PROJECT)).toBe('0417b3bd528c582fd2105c8690bd89dd9d1fb904aa916ea86d443ff3');
    expect(hostId(null, PROJECT)).toBe('');
  });

  it('writes created/updated in seconds with Z, usage times with zeroed microseconds and no zone', () => {
    expect(novaIsoTime('2026-01-01T00:00:00.999Z')).toBe('2026-01-01T00:00:00Z');
    expect(novaTimestamp('2026-01-01T00:00:00.999Z')).toBe('2026-01-01T00:00:00.000000');
    expect(novaTimestamp('2026-01-01T01:00:00+01:00')).toBe('2026-01-01T00:00:00.000000');
  });
});
