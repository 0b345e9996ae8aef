import { HostState, RequestSpec } from './host-state';

/** Builders for the scheduling specs: an idle 8-vCPU, 16 GiB, 100 GB host and a 1-vCPU, 1 GiB, 10 GB request. */
export const aHost = (host: string, overrides: Partial<HostState> = {}): HostState => ({
  host,
  availabilityZone: 'nova',
  enabled: true,
  up: true,
  vcpus: 8,
  memoryMb: 16384,
  localGb: 100,
  vcpusUsed: 0,
  memoryMbUsed: 0,
  localGbUsed: 0,
  cpuAllocationRatio: 1,
  ramAllocationRatio: 1,
  diskAllocationRatio: 1,
  reservedHostMemoryMb: 0,
  reservedHostDiskMb: 0,
  reservedHostCpus: 0,
  instances: [],
  hypervisorType: 'QEMU',
  hypervisorVersion: 7002000,
  cpuArch: 'x86_64',
  ...overrides,
});

export const aSpec = (overrides: Partial<RequestSpec> = {}): RequestSpec => ({
  instanceId: 'server-new',
  projectId: 'project-1',
  flavor: { vcpus: 1, memoryMb: 1024, rootGb: 10, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
  image: { properties: {} },
  availabilityZone: null,
  forcedHost: null,
  ignoreHosts: [],
  group: null,
  hints: { sameHost: [], differentHost: [] },
  hostsOfServers: {},
  ...overrides,
});

export const withFlavor = (flavor: Partial<RequestSpec['flavor']>): Partial<RequestSpec> => ({ flavor: { ...aSpec().flavor, ...flavor } });

export const aGroup = (overrides: Partial<NonNullable<RequestSpec['group']>> = {}): RequestSpec['group'] => ({
  id: 'group-1',
  policy: 'anti-affinity',
  hosts: [],
  maxServerPerHost: 1,
  memberCountByHost: {},
  ...overrides,
});
