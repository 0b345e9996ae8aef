import { DomainEvent } from '../../kernel';

/** What a compute agent reports of its hypervisor (Nova's compute node record). */
export interface HostResources {
  hypervisorHostname: string;
  hypervisorType: string;
  hypervisorVersion: number;
  cpuArch: string;
  cpuInfo: Record<string, unknown>;
  hostIp: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
}

/** Nova's allocation ratios and reservations of a host (placement inventory). */
export interface HostAllocation {
  cpuAllocationRatio: number;
  ramAllocationRatio: number;
  diskAllocationRatio: number;
  reservedHostMemoryMb: number;
  reservedHostDiskMb: number;
  reservedHostCpus: number;
}

/**
 * A compute host: Nova's nova-compute service record and its compute node in one aggregate.
 * `serviceId` and `hypervisorId` are the uuids the APIs show (2.53+).
 */
export type ComputeHostRegistered = DomainEvent<
  'ComputeHostRegistered',
  { host: string; serviceId: string; hypervisorId: string; availabilityZone: string; resources: HostResources; allocation: HostAllocation }
>;
export type ComputeHostResourcesUpdated = DomainEvent<
  'ComputeHostResourcesUpdated',
  { host: string; availabilityZone: string; resources: HostResources; allocation: HostAllocation }
>;
/** A claim of one server's flavor on the host (Placement's allocation); appended with the host's expected version. */
export type HostResourcesClaimed = DomainEvent<
  'HostResourcesClaimed',
  { host: string; claimId: string; serverId: string; vcpus: number; memoryMb: number; diskGb: number }
>;
export type HostClaimReleased = DomainEvent<'HostClaimReleased', { host: string; claimId: string; serverId: string }>;
export type ComputeServiceDisabled = DomainEvent<'ComputeServiceDisabled', { host: string; reason: string | null }>;
export type ComputeServiceEnabled = DomainEvent<'ComputeServiceEnabled', { host: string }>;
export type ComputeServiceForcedDown = DomainEvent<'ComputeServiceForcedDown', { host: string; forcedDown: boolean }>;
/** The agent stopped reporting for longer than the service down time (Nova's `service_down_time`). */
export type ComputeHostWentDown = DomainEvent<'ComputeHostWentDown', { host: string; lastSeenAt: string | null }>;
export type ComputeHostCameUp = DomainEvent<'ComputeHostCameUp', { host: string }>;

export type HostEvent =
  | ComputeHostRegistered
  | ComputeHostResourcesUpdated
  | HostResourcesClaimed
  | HostClaimReleased
  | ComputeServiceDisabled
  | ComputeServiceEnabled
  | ComputeServiceForcedDown
  | ComputeHostWentDown
  | ComputeHostCameUp;
