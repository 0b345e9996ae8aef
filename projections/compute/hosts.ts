import { HostAllocation, HostEvent, HostResources } from '../../domain/compute/host';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from '../kernel/rows';

export const HOSTS_TABLE = 'compute_hosts';
export const HOST_CLAIMS_TABLE = 'compute_host_claims';

/** A claim held on a host: one row each, so a claim never rewrites the host's other claims. */
export type HostClaimRow = {
  claim_id: string;
  host: string;
  server_id: string;
  vcpus: number;
  memory_mb: number;
  disk_gb: number;
};

/**
 * A compute host: the nova-compute service (os-services) and its hypervisor (os-hypervisors) in
 * one row. Usage is the sum of the claims held on the host (compute_host_claims); `running_vms`
 * is their number.
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
  // 2: claims in a table of their own (were a jsonb map in the host row, rewritten whole by every claim).
  version: 2,
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
        enabled: { type: 'boolean' },
        disabled_reason: { type: 'text', nullable: true },
        forced_down: { type: 'boolean' },
        up: { type: 'boolean' },
        service_updated_at: { type: 'timestamptz' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['service_id'], ['hypervisor_id'], ['service_number'], ['hypervisor_number'], ['hypervisor_hostname']],
    }),
    table<HostClaimRow>({
      name: HOST_CLAIMS_TABLE,
      primaryKey: 'claim_id',
      columns: {
        claim_id: { type: 'text' },
        host: { type: 'text' },
        server_id: { type: 'text' },
        vcpus: { type: 'integer' },
        memory_mb: { type: 'bigint' },
        disk_gb: { type: 'bigint' },
      },
      indexes: [['host'], ['server_id']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const data = event.data as { host: string; claimId?: string };
    const host = { table: HOSTS_TABLE, key: data.host };
    return event.type === 'HostResourcesClaimed' || event.type === 'HostClaimReleased' ? [host, { table: HOST_CLAIMS_TABLE, key: data.claimId! }] : [host];
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
    rows.put(HOSTS_TABLE, { ...row, ...hostChanges(e, row, at, rows), ...touched(event) });
  },
};

function hostChanges(e: Exclude<HostEvent, { type: 'ComputeHostRegistered' }>, row: HostRow, at: string, rows: RowAccess): Partial<HostRow> {
  switch (e.type) {
    case 'ComputeHostResourcesUpdated':
      return { availability_zone: e.data.availabilityZone, ...resourceColumns(e.data.resources), allocation: e.data.allocation };
    // The usage moves by the claim: a host holds hundreds of claims, and summing them (or
    // rewriting them all) for every claim made this model quadratic in them.
    case 'HostResourcesClaimed': {
      if (getRow<HostClaimRow>(rows, HOST_CLAIMS_TABLE, e.data.claimId)) return {};
      const { claimId, serverId, vcpus, memoryMb, diskGb } = e.data;
      const claim: HostClaimRow = { claim_id: claimId, host: e.data.host, server_id: serverId, vcpus, memory_mb: memoryMb, disk_gb: diskGb };
      rows.put(HOST_CLAIMS_TABLE, claim);
      return usageMovedBy(row, claim, 1);
    }
    case 'HostClaimReleased': {
      const claim = getRow<HostClaimRow>(rows, HOST_CLAIMS_TABLE, e.data.claimId);
      if (!claim) return {};
      rows.delete(HOST_CLAIMS_TABLE, e.data.claimId);
      return usageMovedBy(row, claim, -1);
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
function usageMovedBy(row: HostRow, claim: HostClaimRow, sign: 1 | -1): Pick<HostRow, 'vcpus_used' | 'memory_mb_used' | 'local_gb_used' | 'running_vms'> {
  return {
    vcpus_used: Number(row.vcpus_used) + sign * Number(claim.vcpus),
    memory_mb_used: Number(row.memory_mb_used) + sign * Number(claim.memory_mb),
    local_gb_used: Number(row.local_gb_used) + sign * Number(claim.disk_gb),
    running_vms: Number(row.running_vms) + sign,
  };
}
