import { createHash } from 'node:crypto';
import { ServerRow } from '../../../../../projections/compute/servers';
import { ApiVersion } from '../microversion';

/** nova/objects/fields.py HostStatus; '' when the server has no host. */
export type HostStatus = 'UP' | 'DOWN' | 'MAINTENANCE' | 'UNKNOWN' | '';

export interface ServerViewContext {
  version: ApiVersion;
  /** The admin role: extended server attributes (OS-EXT-SRV-ATTR) and the details of 500 faults. */
  isAdmin: boolean;
  /** The compute endpoint without version, e.g. `http://host:8080/compute`. */
  baseUrl: string;
  /** Given when policy lets the caller see it (2.16, admin by default); the view adds it then. */
  hostStatus?: HostStatus;
  /**
   * The zone each compute host is in now (its aggregate's, else its own). A server on a host shows
   * its host's zone, as Nova's `get_instance_availability_zone` does; one without a host, or whose
   * host is not here (a past instant's view reads the zone recorded when it was placed), its own.
   */
  hostZones?: ReadonlyMap<string, string>;
  /** GET /servers/detail: Nova adds host_status after the other fields and never server_groups (2.71 is show, update and rebuild). */
  inList?: boolean;
  /**
   * The answer of PUT /servers/{id} or rebuild (servers.py `update`, `_action_rebuild`): below 2.75
   * only the base fields; from 2.75 all of show's but OS-EXT-SRV-ATTR:user_data.
   */
  forChange?: 'update' | 'rebuild';
}

export interface Link {
  rel: string;
  href: string;
}

export interface ServerSummary {
  id: string;
  name: string;
  links: Link[];
}

// nova/api/openstack/compute/views/servers.py `_progress_statuses`, `_fault_statuses`
const PROGRESS_STATUSES = ['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'];
const FAULT_STATUSES = ['ERROR', 'DELETED'];

/** nova/utils.py `isotime`: seconds precision, `Z`. */
export function novaIsoTime(instant: string): string {
  return `${new Date(instant).toISOString().slice(0, 19)}Z`;
}

/**
 * A datetime as oslo's jsonutils serialises it (`%Y-%m-%dT%H:%M:%S.%f`, no zone), with the
 * microseconds MySQL's DATETIME column dropped: what Nova shows for OS-SRV-USG and instance actions.
 */
export function novaTimestamp(instant: string): string {
  return `${new Date(instant).toISOString().slice(0, 19)}.000000`;
}

/** nova/utils.py `generate_hostid`: an opaque host id per project, '' without a host. */
export function hostId(host: string | null, projectId: string): string {
  return host ? createHash('sha224').update(projectId + host, 'utf8').digest('hex') : '';
}

/** nova/api/openstack/common.py `ViewBuilder._get_links`. */
export function serverLinks(id: string, baseUrl: string): Link[] {
  return [
    { rel: 'self', href: `${baseUrl}/v2.1/servers/${id}` },
    { rel: 'bookmark', href: `${baseUrl}/servers/${id}` },
  ];
}

const bookmark = (baseUrl: string, collection: string, id: string): Link[] => [{ rel: 'bookmark', href: `${baseUrl}/${collection}/${id}` }];

/** The API status; a deleted server is DELETED whatever its states (`_get_vm_status`). */
export function serverApiStatus(row: Pick<ServerRow, 'deleted' | 'status'>): string {
  return row.deleted ? 'DELETED' : row.status;
}

/** GET /servers: `basic` of nova/api/openstack/compute/views/servers.py. */
export function serverSummary(row: ServerRow, ctx: Pick<ServerViewContext, 'baseUrl'>): ServerSummary {
  return { id: row.id, name: row.name, links: serverLinks(row.id, ctx.baseUrl) };
}

/** The device a guest boots from, by the disk bus its image asks for (libvirt's names); set once the guest was spawned. */
function rootDeviceName(row: ServerRow): string | null {
  if (row.launched_at === null) return null;
  const bus = row.image.properties?.hw_disk_bus;
  const prefix = bus === 'scsi' || bus === 'sata' || bus === 'usb' ? 'sd' : bus === 'ide' ? 'hd' : 'vd';
  return `/dev/${prefix}a`;
}

function flavorView(row: ServerRow, ctx: ServerViewContext): Record<string, unknown> {
  const f = row.flavor;
  if (ctx.version.atLeast('2.47')) {
    // servers:show:flavor-extra-specs defaults to project reader or admin: whoever may show the server sees them.
    return { vcpus: f.vcpus, ram: f.memoryMb, disk: f.rootGb, ephemeral: f.ephemeralGb, swap: f.swapMb, original_name: f.name, extra_specs: f.extraSpecs };
  }
  return { id: f.id, links: bookmark(ctx.baseUrl, 'flavors', f.id) };
}

function faultView(row: ServerRow, ctx: ServerViewContext): Record<string, unknown> | null {
  const fault = row.fault;
  if (!fault) return null;
  const view: Record<string, unknown> = { code: fault.code, created: novaIsoTime(fault.created), message: fault.message };
  // `_get_fault`: the details (a traceback) of an internal error are for admins only.
  if (fault.details && (ctx.isAdmin || fault.code !== 500)) view.details = fault.details;
  return view;
}

/** A server's address in Nova's `views/addresses.py`: the IP version and the address. */
export interface ServerAddress {
  version: 4 | 6;
  addr: string;
}

/**
 * A server's addresses by network label, as `addresses` of the server view and `GET /servers/{id}/ips`
 * show them. No network service yet: a server has no ports, so no addresses (Nova shows the same for
 * a server without ports, and hides them while it builds).
 */
export function serverAddresses(_row: ServerRow): Record<string, ServerAddress[]> {
  return {};
}

/** GET /servers/{id} and each server of GET /servers/detail: `show` of nova/api/openstack/compute/views/servers.py (Zed). */
export function serverView(row: ServerRow, ctx: ServerViewContext): Record<string, unknown> {
  const v = ctx.version;
  const status = serverApiStatus(row);
  const server: Record<string, unknown> = {
    id: row.id,
    name: row.name,
    status,
    tenant_id: row.project_id ?? '',
    user_id: row.user_id ?? '',
    metadata: row.metadata ?? {},
    hostId: hostId(row.host, row.project_id),
    image: row.image_id ? { id: row.image_id, links: bookmark(ctx.baseUrl, 'images', row.image_id) } : '',
    flavor: flavorView(row, ctx),
    created: novaIsoTime(row.created_at),
    updated: novaIsoTime(row.updated_at),
    addresses: serverAddresses(row),
    accessIPv4: row.access_ipv4 ?? '',
    accessIPv6: row.access_ipv6 ?? '',
    links: serverLinks(row.id, ctx.baseUrl),
    'OS-DCF:diskConfig': row.auto_disk_config ? 'AUTO' : 'MANUAL',
  };
  if (FAULT_STATUSES.includes(status)) {
    const fault = faultView(row, ctx);
    if (fault) server.fault = fault;
  }
  if (PROGRESS_STATUSES.includes(status)) server.progress = 0;
  const all = !ctx.forChange || v.atLeast('2.75');
  if (all) addShowAttributes(server, row, ctx);
  // `_action_rebuild` shows the (possibly new) key_name from 2.54.
  else if (ctx.forChange === 'rebuild' && v.atLeast('2.54')) server.key_name = row.key_name;
  if (v.atLeast('2.9')) server.locked = row.locked;
  if (v.atLeast('2.73')) server.locked_reason = row.locked_reason;
  if (v.atLeast('2.19')) server.description = row.description;
  if (v.atLeast('2.26')) server.tags = row.tags ?? [];
  if (v.atLeast('2.63')) server.trusted_image_certificates = null;
  // 2.90 shows the hostname to everyone; admins already have it among the extended attributes.
  if (v.atLeast('2.90') && !(all && ctx.isAdmin)) server['OS-EXT-SRV-ATTR:hostname'] = row.hostname;
  if (v.atLeast('2.71') && !ctx.inList) server.server_groups = row.server_group_id ? [row.server_group_id] : [];
  if (all && v.atLeast('2.16') && ctx.hostStatus !== undefined && ctx.inList) server.host_status = ctx.hostStatus;
  return server;
}

/** The attributes `show` adds to the base view (the `show_*` flags of views/servers.py, all true for GET). */
function addShowAttributes(server: Record<string, unknown>, row: ServerRow, ctx: ServerViewContext): void {
  const v = ctx.version;
  const hostZone = row.host !== null ? ctx.hostZones?.get(row.host) : undefined;
  server['OS-EXT-AZ:availability_zone'] = hostZone ?? row.availability_zone ?? '';
  server.config_drive = row.config_drive;
  server.key_name = row.key_name;
  server['OS-SRV-USG:launched_at'] = row.launched_at ? novaTimestamp(row.launched_at) : null;
  server['OS-SRV-USG:terminated_at'] = row.terminated_at ? novaTimestamp(row.terminated_at) : null;
  // security_groups come from the server's ports (Neutron bindings): without ports Nova leaves the key out.
  if (ctx.isAdmin) {
    server['OS-EXT-SRV-ATTR:host'] = row.host;
    server['OS-EXT-SRV-ATTR:instance_name'] = row.instance_name;
    server['OS-EXT-SRV-ATTR:hypervisor_hostname'] = row.node;
    if (v.atLeast('2.3')) {
      server['OS-EXT-SRV-ATTR:reservation_id'] = row.reservation_id;
      server['OS-EXT-SRV-ATTR:launch_index'] = row.launch_index;
      server['OS-EXT-SRV-ATTR:hostname'] = row.hostname;
      server['OS-EXT-SRV-ATTR:kernel_id'] = row.image.properties?.kernel_id ?? '';
      server['OS-EXT-SRV-ATTR:ramdisk_id'] = row.image.properties?.ramdisk_id ?? '';
      server['OS-EXT-SRV-ATTR:root_device_name'] = rootDeviceName(row);
      if (!ctx.forChange) server['OS-EXT-SRV-ATTR:user_data'] = row.user_data;
    }
  }
  server['OS-EXT-STS:task_state'] = row.task_state;
  server['OS-EXT-STS:vm_state'] = row.vm_state;
  server['OS-EXT-STS:power_state'] = row.power_state;
  // No volumes yet; each would be {id} (2.3: with delete_on_termination).
  server['os-extended-volumes:volumes_attached'] = [];
  const showHostStatus = v.atLeast('2.16') && ctx.hostStatus !== undefined;
  if (showHostStatus && !ctx.inList) server.host_status = ctx.hostStatus;
}
