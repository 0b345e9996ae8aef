import { HostState, RequestSpec } from './host-state';
import { fitsResource, ResourceClass } from './resources';

export interface HostFilter {
  name: string;
  hostPasses(host: HostState, spec: RequestSpec): boolean;
  /** Nova's run_filter_once_per_request: the answer cannot change between instances of one request. */
  runOncePerRequest?: boolean;
}

export const ComputeFilter: HostFilter = {
  name: 'ComputeFilter',
  runOncePerRequest: true,
  hostPasses: (host) => host.enabled && host.up,
};

export const AvailabilityZoneFilter: HostFilter = {
  name: 'AvailabilityZoneFilter',
  runOncePerRequest: true,
  hostPasses: (host, spec) => !spec.availabilityZone || host.availabilityZone === spec.availabilityZone,
};

const resourceFilter = (name: string, rc: ResourceClass): HostFilter => ({
  name,
  hostPasses: (host, spec) => fitsResource(host, spec.flavor, rc).fits,
});

export const RamFilter = resourceFilter('RamFilter', 'MEMORY_MB');
export const CoreFilter = resourceFilter('CoreFilter', 'VCPU');
export const DiskFilter = resourceFilter('DiskFilter', 'DISK_GB');

// Glance's legacy names, as nova/objects/image_meta.py maps them.
const imageProperty = (props: Record<string, string>, name: string, legacy: string): string | undefined => props[name] ?? props[legacy];

// nova/objects/fields.py Architecture / VMMode canonicalize.
const ARCH_ALIASES: Record<string, string> = { i386: 'i686', i486: 'i686', i586: 'i686', x86_32: 'i686', x86_32p: 'i686', amd64: 'x86_64' };
const canonicalArch = (arch: string): string => ARCH_ALIASES[arch.toLowerCase()] ?? arch.toLowerCase();
const canonicalVmMode = (mode: string): string => ({ hv: 'hvm', baremetal: 'hvm', pv: 'xen' })[mode.toLowerCase()] ?? mode.toLowerCase();

/** nova's integer hypervisor version (6002000) as numbers ([6, 2, 0]), like versionutils.convert_version_to_str. */
function versionParts(version: number): number[] {
  const parts: number[] = [];
  for (let v = Math.trunc(version); v > 0; v = Math.trunc(v / 1000)) parts.unshift(v % 1000);
  return parts;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const VERSION_OPERATORS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '==': (c) => c === 0,
  '!=': (c) => c !== 0,
  '>=': (c) => c >= 0,
  '>': (c) => c > 0,
};

/** oslo versionutils.VersionPredicate: comma-separated "<op> <version>" terms, all must hold. */
function satisfiesVersion(hypervisorVersion: number, predicate: string): boolean {
  const actual = versionParts(hypervisorVersion);
  return predicate.split(',').every((term) => {
    const m = /^\s*(<=|>=|==|!=|<|>)\s*(\d+(?:\.\d+)*)\s*$/.exec(term);
    return m !== null && VERSION_OPERATORS[m[1]](compareVersions(actual, m[2].split('.').map(Number)));
  });
}

/** Our hosts each advertise one supported instance: (cpuArch, hypervisorType, hvm), as nova/virt/fake.py does. */
export const ImagePropertiesFilter: HostFilter = {
  name: 'ImagePropertiesFilter',
  runOncePerRequest: true,
  hostPasses: (host, spec) => {
    const props = spec.image.properties;
    const arch = imageProperty(props, 'hw_architecture', 'architecture');
    const hvType = imageProperty(props, 'img_hv_type', 'hypervisor_type');
    const vmMode = imageProperty(props, 'hw_vm_mode', 'vm_mode');
    const requiredVersion = imageProperty(props, 'img_hv_requested_version', 'hypervisor_version_requires');
    if (arch && canonicalArch(arch) !== canonicalArch(host.cpuArch)) return false;
    if (hvType && hvType.toLowerCase() !== host.hypervisorType.toLowerCase()) return false;
    if (vmMode && canonicalVmMode(vmMode) !== 'hvm') return false;
    // nova/scheduler/filters/image_props_filter.py ignores the version when the host reports none.
    if (requiredVersion && host.hypervisorVersion && !satisfiesVersion(host.hypervisorVersion, requiredVersion)) return false;
    return true;
  },
};

/** Host fields reachable as `capabilities:<name>` extra specs, under Nova's HostState names. */
const CAPABILITIES: Record<string, (host: HostState) => string | number> = {
  host: (h) => h.host,
  hypervisor_hostname: (h) => h.host,
  hypervisor_type: (h) => h.hypervisorType,
  hypervisor_version: (h) => h.hypervisorVersion,
  'cpu_info:arch': (h) => h.cpuArch,
  vcpus_total: (h) => h.vcpus,
  vcpus_used: (h) => h.vcpusUsed,
  total_usable_ram_mb: (h) => h.memoryMb,
  free_ram_mb: (h) => h.memoryMb - h.memoryMbUsed,
  free_disk_mb: (h) => (h.localGb - h.localGbUsed) * 1024,
  num_instances: (h) => h.instances.length,
};

const asNumber = (s: string): number => (s.trim() === '' ? NaN : Number(s));
const numeric = (test: (x: number, y: number) => boolean) => (x: string, y: string) => test(asNumber(x), asNumber(y));

const SPEC_OPERATORS: Record<string, (value: string, operand: string) => boolean> = {
  '=': numeric((x, y) => x >= y), // sic: nova's '=' means "at least"
  '==': numeric((x, y) => x === y),
  '!=': numeric((x, y) => x !== y),
  '>=': numeric((x, y) => x >= y),
  '<=': numeric((x, y) => x <= y),
  's==': (x, y) => x === y,
  's!=': (x, y) => x !== y,
  's<': (x, y) => x < y,
  's<=': (x, y) => x <= y,
  's>': (x, y) => x > y,
  's>=': (x, y) => x >= y,
  '<in>': (x, y) => x.includes(y),
};

/** nova/scheduler/filters/extra_specs_ops.py match(): "<op> operand", "<or> a <or> b", or a literal. */
export function matchesExtraSpec(value: string, requirement: string): boolean {
  const [op, ...words] = requirement.split(/\s+/).filter((w) => w !== '');
  if (op === '<or>') return words.filter((_, i) => i % 2 === 0).includes(value);
  if (op === '<all-in>') return words.length > 0 && words.every((w) => value.includes(w));
  const test = op === undefined ? undefined : SPEC_OPERATORS[op];
  if (!test) return value === requirement;
  return words.length > 0 && test(value, words[0]);
}

export const ComputeCapabilitiesFilter: HostFilter = {
  name: 'ComputeCapabilitiesFilter',
  runOncePerRequest: true,
  hostPasses: (host, spec) =>
    Object.entries(spec.flavor.extraSpecs).every(([key, requirement]) => {
      if (!key.startsWith('capabilities:')) return true; // other namespaces (hw:, quota:) belong to other consumers
      const capability = CAPABILITIES[key.slice('capabilities:'.length)];
      return capability !== undefined && matchesExtraSpec(String(capability(host)), requirement);
    }),
};

export const ServerGroupAffinityFilter: HostFilter = {
  name: 'ServerGroupAffinityFilter',
  hostPasses: (host, { group }) => group?.policy !== 'affinity' || group.hosts.length === 0 || group.hosts.includes(host.host),
};

/** Members of the request's server group already on the host. */
export function groupMembersOn(host: HostState, spec: RequestSpec): number {
  if (!spec.group) return 0;
  return spec.group.memberCountByHost[host.host] ?? (spec.group.hosts.includes(host.host) ? 1 : 0);
}

export const ServerGroupAntiAffinityFilter: HostFilter = {
  name: 'ServerGroupAntiAffinityFilter',
  hostPasses: (host, spec) => {
    if (spec.group?.policy !== 'anti-affinity') return true;
    // nova/scheduler/filters/affinity_filter.py: a move may land back on the server's own host.
    if (host.instances.includes(spec.instanceId)) return true;
    return groupMembersOn(host, spec) < spec.group.maxServerPerHost;
  },
};

const holdsAnyOf = (host: HostState, spec: RequestSpec, serverIds: string[]): boolean =>
  serverIds.some((id) => spec.hostsOfServers[id] === host.host || host.instances.includes(id));

export const SameHostFilter: HostFilter = {
  name: 'SameHostFilter',
  runOncePerRequest: true,
  hostPasses: (host, spec) => spec.hints.sameHost.length === 0 || holdsAnyOf(host, spec, spec.hints.sameHost),
};

export const DifferentHostFilter: HostFilter = {
  name: 'DifferentHostFilter',
  runOncePerRequest: true,
  hostPasses: (host, spec) => !holdsAnyOf(host, spec, spec.hints.differentHost),
};

/** Nova's RetryFilter, today the scheduler's ignore_hosts: hosts where an earlier attempt failed. */
export const IgnoreHostsFilter: HostFilter = {
  name: 'IgnoreHostsFilter',
  hostPasses: (host, spec) => !spec.ignoreHosts.includes(host.host),
};

export const ALL_FILTERS: Readonly<Record<string, HostFilter>> = Object.fromEntries(
  [
    ComputeFilter,
    AvailabilityZoneFilter,
    RamFilter,
    CoreFilter,
    DiskFilter,
    ImagePropertiesFilter,
    ComputeCapabilitiesFilter,
    ServerGroupAffinityFilter,
    ServerGroupAntiAffinityFilter,
    SameHostFilter,
    DifferentHostFilter,
    IgnoreHostsFilter,
  ].map((f) => [f.name, f]),
);

/** Nova's enabled_filters: most restrictive first, so most hosts leave the list early. */
export const DEFAULT_FILTERS: readonly string[] = [
  'SameHostFilter',
  'ServerGroupAffinityFilter',
  'AvailabilityZoneFilter',
  'ComputeFilter',
  'IgnoreHostsFilter',
  'RamFilter',
  'CoreFilter',
  'DiskFilter',
  'ServerGroupAntiAffinityFilter',
  'DifferentHostFilter',
  'ImagePropertiesFilter',
  'ComputeCapabilitiesFilter',
];
