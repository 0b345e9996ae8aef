import {
  ALL_FILTERS,
  AvailabilityZoneFilter,
  ComputeCapabilitiesFilter,
  ComputeFilter,
  CoreFilter,
  DEFAULT_FILTERS,
  DifferentHostFilter,
  DiskFilter,
  IgnoreHostsFilter,
  ImagePropertiesFilter,
  matchesExtraSpec,
  RamFilter,
  SameHostFilter,
  ServerGroupAffinityFilter,
  ServerGroupAntiAffinityFilter,
} from './filters';
import { aGroup, aHost, aSpec, withFlavor } from './host-state.fixtures';

const image = (properties: Record<string, string>) => aSpec({ image: { properties } });
const extraSpecs = (specs: Record<string, string>) => aSpec(withFlavor({ extraSpecs: specs }));

describe('ComputeFilter', () => {
  it('passes an enabled host that is up', () => {
    expect(ComputeFilter.hostPasses(aHost('h1'), aSpec())).toBe(true);
  });

  it('rejects a host whose compute service is disabled', () => {
    expect(ComputeFilter.hostPasses(aHost('h1', { enabled: false }), aSpec())).toBe(false);
  });

  it('rejects a host that is down', () => {
    expect(ComputeFilter.hostPasses(aHost('h1', { up: false }), aSpec())).toBe(false);
  });
});

describe('AvailabilityZoneFilter', () => {
  it('passes any zone when the request names none', () => {
    expect(AvailabilityZoneFilter.hostPasses(aHost('h1', { availabilityZone: 'az2' }), aSpec())).toBe(true);
  });

  it('passes a host in the requested zone', () => {
    expect(AvailabilityZoneFilter.hostPasses(aHost('h1', { availabilityZone: 'az2' }), aSpec({ availabilityZone: 'az2' }))).toBe(true);
  });

  it('rejects a host in another zone', () => {
    expect(AvailabilityZoneFilter.hostPasses(aHost('h1'), aSpec({ availabilityZone: 'az2' }))).toBe(false);
  });
});

describe('resource filters', () => {
  it('RamFilter rejects a host without the memory, with the ratio applied', () => {
    const host = aHost('h1', { memoryMb: 4096, ramAllocationRatio: 1.5, memoryMbUsed: 5120 });
    expect([RamFilter.hostPasses(host, aSpec(withFlavor({ memoryMb: 1024 }))), RamFilter.hostPasses(host, aSpec(withFlavor({ memoryMb: 1025 })))]).toEqual([true, false]);
  });

  it('CoreFilter rejects a host without the vCPUs, with the ratio applied', () => {
    const host = aHost('h1', { vcpus: 2, cpuAllocationRatio: 4, vcpusUsed: 6 });
    expect([CoreFilter.hostPasses(host, aSpec(withFlavor({ vcpus: 2 }))), CoreFilter.hostPasses(host, aSpec(withFlavor({ vcpus: 3 })))]).toEqual([true, false]);
  });

  it('DiskFilter rejects a host without the disk, reserved disk included', () => {
    const host = aHost('h1', { localGb: 50, reservedHostDiskMb: 10240 });
    expect([DiskFilter.hostPasses(host, aSpec(withFlavor({ rootGb: 40 }))), DiskFilter.hostPasses(host, aSpec(withFlavor({ rootGb: 41 })))]).toEqual([true, false]);
  });

  it('RamFilter looks at memory only', () => {
    expect(RamFilter.hostPasses(aHost('h1', { localGbUsed: 100 }), aSpec())).toBe(true);
  });
});

describe('ImagePropertiesFilter', () => {
  it('passes any host for an image without compute properties', () => {
    expect(ImagePropertiesFilter.hostPasses(aHost('h1', { cpuArch: 'aarch64' }), image({ os_distro: 'cirros' }))).toBe(true);
  });

  it('rejects a host of another architecture', () => {
    expect(ImagePropertiesFilter.hostPasses(aHost('h1'), image({ hw_architecture: 'aarch64' }))).toBe(false);
  });

  it('canonicalises architecture aliases (amd64 is x86_64)', () => {
    expect(ImagePropertiesFilter.hostPasses(aHost('h1'), image({ hw_architecture: 'amd64' }))).toBe(true);
  });

  it('reads the legacy architecture property', () => {
    expect(ImagePropertiesFilter.hostPasses(aHost('h1'), image({ architecture: 'ppc64le' }))).toBe(false);
  });

  it('matches img_hv_type case-insensitively against the hypervisor type', () => {
    expect(ImagePropertiesFilter.hostPasses(aHost('h1', { hypervisorType: 'QEMU' }), image({ img_hv_type: 'qemu' }))).toBe(true);
  });

  it('rejects a host of another hypervisor type, legacy hypervisor_type included', () => {
    expect(ImagePropertiesFilter.hostPasses(aHost('h1', { hypervisorType: 'fake' }), image({ hypervisor_type: 'qemu' }))).toBe(false);
  });

  it('rejects a vm mode other than hvm', () => {
    expect(ImagePropertiesFilter.hostPasses(aHost('h1'), image({ hw_vm_mode: 'xen' }))).toBe(false);
  });

  it('passes a hypervisor version satisfying every term of img_hv_requested_version', () => {
    expect(ImagePropertiesFilter.hostPasses(aHost('h1', { hypervisorVersion: 7002000 }), image({ img_hv_requested_version: '>=7.1, <8' }))).toBe(true);
  });

  it('rejects a hypervisor version that is too old', () => {
    expect(ImagePropertiesFilter.hostPasses(aHost('h1', { hypervisorVersion: 6002000 }), image({ img_hv_requested_version: '>=7.0' }))).toBe(false);
  });

  it('ignores the requested version when the host reports none', () => {
    expect(ImagePropertiesFilter.hostPasses(aHost('h1', { hypervisorVersion: 0 }), image({ img_hv_requested_version: '>=7.0' }))).toBe(true);
  });
});

describe('extra spec operators', () => {
  it.each([
    ['=', '8', '= 4', true],
    ['=', '2', '= 4', false],
    ['==', '4', '== 4.0', true],
    ['!=', '4', '!= 4', false],
    ['>=', '4', '>= 5', false],
    ['<=', '4', '<= 5', true],
    ['s==', 'QEMU', 's== QEMU', true],
    ['s!=', 'QEMU', 's!= QEMU', false],
    ['s<', 'abc', 's< abd', true],
    ['s>=', 'abc', 's>= abd', false],
    ['<in>', 'x86_64', '<in> 86', true],
    ['<all-in>', 'x86_64', '<all-in> x86 64', true],
    ['<all-in>', 'x86_64', '<all-in> x86 arm', false],
    ['<or>', 'kvm', '<or> qemu <or> kvm', true],
    ['<or>', 'xen', '<or> qemu <or> kvm', false],
    ['literal', 'QEMU', 'QEMU', true],
    ['literal', 'QEMU', 'qemu', false],
  ])('%s: %s against "%s" is %s', (_op, value, requirement, expected) => {
    expect(matchesExtraSpec(value, requirement)).toBe(expected);
  });

  it('fails a numeric operator on a non-numeric value', () => {
    expect(matchesExtraSpec('QEMU', '>= 1')).toBe(false);
  });
});

describe('ComputeCapabilitiesFilter', () => {
  it('passes a host matching a scoped capability', () => {
    expect(ComputeCapabilitiesFilter.hostPasses(aHost('h1'), extraSpecs({ 'capabilities:hypervisor_type': 's== QEMU' }))).toBe(true);
  });

  it('rejects a host not matching a scoped capability', () => {
    expect(ComputeCapabilitiesFilter.hostPasses(aHost('h1', { vcpus: 4 }), extraSpecs({ 'capabilities:vcpus_total': '>= 8' }))).toBe(false);
  });

  it('reads nested scopes such as cpu_info:arch', () => {
    expect(ComputeCapabilitiesFilter.hostPasses(aHost('h1'), extraSpecs({ 'capabilities:cpu_info:arch': '<or> aarch64 <or> x86_64' }))).toBe(true);
  });

  it('rejects a host for a capability it does not have', () => {
    expect(ComputeCapabilitiesFilter.hostPasses(aHost('h1'), extraSpecs({ 'capabilities:gpu_model': 'a100' }))).toBe(false);
  });

  it('ignores other namespaces and colon-less keys', () => {
    expect(ComputeCapabilitiesFilter.hostPasses(aHost('h1'), extraSpecs({ 'hw:cpu_policy': 'dedicated', 'quota:cpu_shares': '1024', hypervisor_type: 'xen' }))).toBe(true);
  });
});

describe('ServerGroupAffinityFilter', () => {
  it('passes only the host of the group members', () => {
    const spec = aSpec({ group: aGroup({ policy: 'affinity', hosts: ['h2'] }) });
    expect([ServerGroupAffinityFilter.hostPasses(aHost('h1'), spec), ServerGroupAffinityFilter.hostPasses(aHost('h2'), spec)]).toEqual([false, true]);
  });

  it('passes any host for the first member of the group', () => {
    expect(ServerGroupAffinityFilter.hostPasses(aHost('h1'), aSpec({ group: aGroup({ policy: 'affinity' }) }))).toBe(true);
  });

  it('leaves soft-affinity groups to the weigher', () => {
    expect(ServerGroupAffinityFilter.hostPasses(aHost('h1'), aSpec({ group: aGroup({ policy: 'soft-affinity', hosts: ['h2'] }) }))).toBe(true);
  });
});

describe('ServerGroupAntiAffinityFilter', () => {
  it('rejects a host already holding a member', () => {
    const spec = aSpec({ group: aGroup({ hosts: ['h1'], memberCountByHost: { h1: 1 } }) });
    expect(ServerGroupAntiAffinityFilter.hostPasses(aHost('h1'), spec)).toBe(false);
  });

  it('passes a host without members', () => {
    const spec = aSpec({ group: aGroup({ hosts: ['h1'], memberCountByHost: { h1: 1 } }) });
    expect(ServerGroupAntiAffinityFilter.hostPasses(aHost('h2'), spec)).toBe(true);
  });

  it('passes a host below max_server_per_host', () => {
    const spec = aSpec({ group: aGroup({ hosts: ['h1'], maxServerPerHost: 3, memberCountByHost: { h1: 2 } }) });
    expect(ServerGroupAntiAffinityFilter.hostPasses(aHost('h1'), spec)).toBe(true);
  });

  it('rejects a host at max_server_per_host', () => {
    const spec = aSpec({ group: aGroup({ hosts: ['h1'], maxServerPerHost: 3, memberCountByHost: { h1: 3 } }) });
    expect(ServerGroupAntiAffinityFilter.hostPasses(aHost('h1'), spec)).toBe(false);
  });

  it('counts a listed group host as one member when no count is given', () => {
    expect(ServerGroupAntiAffinityFilter.hostPasses(aHost('h1'), aSpec({ group: aGroup({ hosts: ['h1'] }) }))).toBe(false);
  });

  it("passes the server's own host (a move may stay put)", () => {
    const spec = aSpec({ instanceId: 's1', group: aGroup({ hosts: ['h1'], memberCountByHost: { h1: 1 } }) });
    expect(ServerGroupAntiAffinityFilter.hostPasses(aHost('h1', { instances: ['s1'] }), spec)).toBe(true);
  });

  it('leaves soft-anti-affinity groups to the weigher', () => {
    const spec = aSpec({ group: aGroup({ policy: 'soft-anti-affinity', hosts: ['h1'], memberCountByHost: { h1: 1 } }) });
    expect(ServerGroupAntiAffinityFilter.hostPasses(aHost('h1'), spec)).toBe(true);
  });
});

describe('SameHostFilter and DifferentHostFilter', () => {
  const hinted = (hints: { sameHost?: string[]; differentHost?: string[] }) =>
    aSpec({ hints: { sameHost: [], differentHost: [], ...hints }, hostsOfServers: { s1: 'h1', s2: 'h2' } });

  it('SameHostFilter passes the host of a hinted server', () => {
    expect(SameHostFilter.hostPasses(aHost('h1'), hinted({ sameHost: ['s1', 's9'] }))).toBe(true);
  });

  it('SameHostFilter rejects a host without a hinted server', () => {
    expect(SameHostFilter.hostPasses(aHost('h3'), hinted({ sameHost: ['s1'] }))).toBe(false);
  });

  it('SameHostFilter passes every host without the hint', () => {
    expect(SameHostFilter.hostPasses(aHost('h3'), hinted({}))).toBe(true);
  });

  it('DifferentHostFilter rejects the host of a hinted server', () => {
    expect(DifferentHostFilter.hostPasses(aHost('h2'), hinted({ differentHost: ['s1', 's2'] }))).toBe(false);
  });

  it('DifferentHostFilter also sees a hinted server among the host claims', () => {
    expect(DifferentHostFilter.hostPasses(aHost('h3', { instances: ['s7'] }), hinted({ differentHost: ['s7'] }))).toBe(false);
  });

  it('DifferentHostFilter passes other hosts', () => {
    expect(DifferentHostFilter.hostPasses(aHost('h3'), hinted({ differentHost: ['s1', 's2'] }))).toBe(true);
  });
});

describe('IgnoreHostsFilter', () => {
  it('rejects a host of a failed earlier attempt', () => {
    expect(IgnoreHostsFilter.hostPasses(aHost('h1'), aSpec({ ignoreHosts: ['h1'] }))).toBe(false);
  });

  it('passes the other hosts', () => {
    expect(IgnoreHostsFilter.hostPasses(aHost('h2'), aSpec({ ignoreHosts: ['h1'] }))).toBe(true);
  });
});

describe('DEFAULT_FILTERS', () => {
  it('enables every known filter exactly once', () => {
    expect([...DEFAULT_FILTERS].sort()).toEqual(Object.keys(ALL_FILTERS).sort());
  });
});
