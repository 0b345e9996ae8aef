import { HostAllocation, HostEvent, HostResources } from '../../domain/compute/host';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from '../kernel/rows';

export const HOSTS_TABLE = 'compute_hosts';

export interface HostClaimEntry {
  serverId: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/**
 * A compute host: the nova-compute service (os-services) and its hypervisor (os-hypervisors) in
 * one row. Usage is the sum of the claims held on the host; `running_vms` is their number.
 */
export type HostRow = Tracked & {
  host: string;
  service_id: string;
  hypervisor_id: string;
  /** The integer ids Nova shows before 2.53, derived from the uuids so every rebuild gives the same. */
  service_number: number;
  hypervisor_number: number;
  availability_zone: string;
  hypervisor_hostname: string;
  hypervisor_type: string;
  hypervisor_version: number;
  cpu_arch: string;
  cpu_info: Record<string, unknown>;
  host_ip: string;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  allocation: HostAllocation;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  running_vms: number;
  claims: Record<string, HostClaimEntry>;
  enabled: boolean;
  disabled_reason: string | null;
  forced_down: boolean;
  /** False once the agent stopped reporting. */
  up: boolean;
  /** Last change of the service record (os-services `updated_at`). */
  service_updated_at: string;
};

export const HOST_EVENT_TYPES: HostEvent['type'][] = [
  'ComputeHostRegistered',
  'ComputeHostResourcesUpdated',
  'HostResourcesClaimed',
  'HostClaimReleased',
  'ComputeServiceDisabled',
  'ComputeServiceEnabled',
  'ComputeServiceForcedDown',
  'ComputeHostWentDown',
  'ComputeHostCameUp',
];

/** A stable positive integer from a uuid: Nova's pre-2.53 ids are database integers. */
export function legacyNumber(uuid: string): number {
  return parseInt(uuid.replace(/-/g, '').slice(0, 7), 16) + 1;
}

function resourceColumns(r: HostResources) {
  return {
    hypervisor_hostname: r.hypervisorHostname,
    hypervisor_type: r.hypervisorType,
    hypervisor_version: r.hypervisorVersion,
    cpu_arch: r.cpuArch,
    cpu_info: r.cpuInfo,
    host_ip: r.hostIp,
    vcpus: r.vcpus,
    memory_mb: r.memoryMb,
    local_gb: r.localGb,
  };
}

/** os-hypervisors, os-services, os-availability-zone. */
export const computeHostsProjection: Projection = {
  name: HOSTS_TABLE,
  version: 1,
  eventTypes: HOST_EVENT_TYPES,
  tables: [
    table<HostRow>({
      name: HOSTS_TABLE,
      primaryKey: 'host',
      columns: {
        host: { type: 'text' },
        service_id: { type: 'text' },
        hypervisor_id: { type: 'text' },
        service_number: { type: 'bigint' },
        hypervisor_number: { type: 'bigint' },
        availability_zone: { type: 'text' },
        hypervisor_hostname: { type: 'text' },
        hypervisor_type: { type: 'text' },
        hypervisor_version: { type: 'bigint' },
        cpu_arch: { type: 'text' },
        cpu_info: { type: 'jsonb' },
        host_ip: { type: 'text' },
        vcpus: { type: 'integer' },
        memory_mb: { type: 'bigint' },
        local_gb: { type: 'bigint' },
        allocation: { type: 'jsonb' },
        vcpus_used: { type: 'integer' },
        memory_mb_used: { type: 'bigint' },
        local_gb_used: { type: 'bigint' },
        running_vms: { type: 'integer' },
        claims: { type: 'jsonb' },
        enabled: { type: 'boolean' },
        disabled_reason: { type: 'text', nullable: true },
        forced_down: { type: 'boolean' },
        up: { type: 'boolean' },
        service_updated_at: { type: 'timestamptz' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['service_id'], ['hypervisor_id'], ['service_number'], ['hypervisor_number'], ['hypervisor_hostname']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: HOSTS_TABLE, key: (event.data as { host: string }).host }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as HostEvent;
    const row = getRow<HostRow>(rows, HOSTS_TABLE, e.data.host);
    const at = event.metadata.occurredAt;
    if (e.type === 'ComputeHostRegistered') {
      if (alreadyApplied(row, event)) return;
      const d = e.data;
      rows.put(HOSTS_TABLE, {
        host: d.host,
        service_id: d.serviceId,
        hypervisor_id: d.hypervisorId,
        service_number: legacyNumber(d.serviceId),
        hypervisor_number: legacyNumber(d.hypervisorId),
        availability_zone: d.availabilityZone,
        ...resourceColumns(d.resources),
        allocation: d.allocation,
        vcpus_used: 0,
        memory_mb_used: 0,
        local_gb_used: 0,
        running_vms: 0,
        claims: {},
        enabled: true,
        disabled_reason: null,
        forced_down: false,
        up: true,
        service_updated_at: at,
        ...created(event),
      } satisfies HostRow);
      return;
    }
    if (!row || alreadyApplied(row, event)) return;
    rows.put(HOSTS_TABLE, { ...row, ...hostChanges(e, row, at), ...touched(event) });
  },
};

function hostChanges(e: Exclude<HostEvent, { type: 'ComputeHostRegistered' }>, row: HostRow, at: string): Partial<HostRow> {
  switch (e.type) {
    case 'ComputeHostResourcesUpdated':
      return { availability_zone: e.data.availabilityZone, ...resourceColumns(e.data.resources), allocation: e.data.allocation };
    // The claims map is changed in place and the row put back (RowAccess), and the usage moves by
    // the claim: a host holds hundreds of claims, and copying or summing the map for every claim
    // made a rebuild of this model quadratic in them.
    case 'HostResourcesClaimed': {
      if (row.claims[e.data.claimId]) return {};
      const { serverId, vcpus, memoryMb, diskGb } = e.data;
      const claim = { serverId, vcpus, memoryMb, diskGb };
      row.claims[e.data.claimId] = claim;
      return { claims: row.claims, ...usageMovedBy(row, claim, 1) };
    }
    case 'HostClaimReleased': {
      const claim = row.claims[e.data.claimId];
      if (!claim) return {};
      delete row.claims[e.data.claimId];
      return { claims: row.claims, ...usageMovedBy(row, claim, -1) };
    }
    case 'ComputeServiceDisabled':
      return { enabled: false, disabled_reason: e.data.reason, service_updated_at: at };
    case 'ComputeServiceEnabled':
      return { enabled: true, disabled_reason: null, service_updated_at: at };
    case 'ComputeServiceForcedDown':
      return { forced_down: e.data.forcedDown, service_updated_at: at };
    case 'ComputeHostWentDown':
      return { up: false, service_updated_at: at };
    case 'ComputeHostCameUp':
      return { up: true, service_updated_at: at };
    default: {
      const unhandled: never = e;
      return unhandled;
    }
  }
}

/** The host's usage with one claim added (1) or released (-1): the sums over its claims, kept as it goes. */
function usageMovedBy(row: HostRow, claim: HostClaimEntry, sign: 1 | -1): Pick<HostRow, 'vcpus_used' | 'memory_mb_used' | 'local_gb_used' | 'running_vms'> {
  return {
    vcpus_used: Number(row.vcpus_used) + sign * claim.vcpus,
    memory_mb_used: Number(row.memory_mb_used) + sign * claim.memoryMb,
    local_gb_used: Number(row.local_gb_used) + sign * claim.diskGb,
    running_vms: Number(row.running_vms) + sign,
  };
}
