/** A compute host as the scheduler sees it: the host read model plus the claims on it. */
export interface HostState {
  host: string; // compute service host name (also the hypervisor node name here)
  availabilityZone: string; // 'nova' by default
  enabled: boolean; // compute service not disabled by an operator
  up: boolean; // reporting, and not forced down
  vcpus: number;
  memoryMb: number;
  localGb: number;
  vcpusUsed: number;
  memoryMbUsed: number;
  localGbUsed: number;
  cpuAllocationRatio: number;
  ramAllocationRatio: number;
  diskAllocationRatio: number;
  reservedHostMemoryMb: number;
  reservedHostDiskMb: number;
  reservedHostCpus: number;
  instances: string[]; // server ids holding a claim on the host
  hypervisorType: string; // 'fake' | 'QEMU' ...
  hypervisorVersion: number; // Nova's integer form: 6002000 is 6.2.0
  cpuArch: string; // 'x86_64'
}

export interface FlavorRequest {
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
  swapMb: number;
  extraSpecs: Record<string, string>;
}

export type ServerGroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';

export interface ServerGroupRequest {
  id: string;
  policy: ServerGroupPolicy;
  hosts: string[]; // hosts of the group's other members
  maxServerPerHost: number; // rules.max_server_per_host, 1 by default
  memberCountByHost: Record<string, number>;
}

export interface RequestSpec {
  instanceId: string;
  projectId: string;
  flavor: FlavorRequest;
  image: { properties: Record<string, string> }; // Glance image properties
  availabilityZone: string | null; // null: any zone
  forcedHost: string | null; // 'az:host' boot syntax or host= at 2.74: only this host
  ignoreHosts: string[]; // hosts of failed earlier attempts (reschedule)
  group: ServerGroupRequest | null;
  hints: { sameHost: string[]; differentHost: string[] }; // server ids
  hostsOfServers: Record<string, string>; // server id -> host, for the hinted servers
}
