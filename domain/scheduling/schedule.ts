import { ALL_FILTERS, CoreFilter, DEFAULT_FILTERS, DiskFilter, HostFilter, IgnoreHostsFilter, RamFilter } from './filters';
import { HostState, RequestSpec } from './host-state';
import { DEFAULT_WEIGHER_CONFIG, WeigherConfig, weighersFor, weighHosts } from './weighers';

export interface SchedulerConfig {
  enabledFilters: string[];
  weighers: WeigherConfig;
}

/** What a caller may override; any Partial<SchedulerConfig> is one. */
export interface SchedulerConfigOverrides {
  enabledFilters?: string[];
  weighers?: Partial<WeigherConfig>;
}

export interface ScheduleResult {
  hosts: HostState[]; // passing hosts, best first
  rejectedBy: Record<string, string>; // host -> first filter that rejected it
}

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = { enabledFilters: [...DEFAULT_FILTERS], weighers: DEFAULT_WEIGHER_CONFIG };

/** Recorded in rejectedBy for the hosts a forced-host request did not name. */
export const FORCED_HOST = 'ForcedHost';

// Nova skips the filters for a forced host, but placement still checks its resources and ignore_hosts still applies.
const FORCED_HOST_FILTERS: HostFilter[] = [IgnoreHostsFilter, RamFilter, CoreFilter, DiskFilter];

function enabledFilters(names: string[]): HostFilter[] {
  return names.map((name) => {
    const filter = ALL_FILTERS[name];
    if (!filter) throw new Error(`Unknown scheduler filter: ${name}`);
    return filter;
  });
}

/** Filter then weigh the hosts for one instance; no host left is Nova's NoValidHost. */
export function schedule(hosts: HostState[], spec: RequestSpec, config: SchedulerConfigOverrides = {}): ScheduleResult {
  const filters = spec.forcedHost ? FORCED_HOST_FILTERS : enabledFilters(config.enabledFilters ?? DEFAULT_SCHEDULER_CONFIG.enabledFilters);
  const rejectedBy: Record<string, string> = {};
  const passing: HostState[] = [];
  for (const host of hosts) {
    const rejecting = spec.forcedHost && host.host !== spec.forcedHost ? FORCED_HOST : filters.find((f) => !f.hostPasses(host, spec))?.name;
    if (rejecting) rejectedBy[host.host] = rejecting;
    else passing.push(host);
  }
  const weighers = weighersFor({ ...DEFAULT_SCHEDULER_CONFIG.weighers, ...config.weighers });
  return { hosts: weighHosts(passing, spec, weighers).map((w) => w.host), rejectedBy };
}

const EXPLANATIONS: Record<string, string> = {
  [FORCED_HOST]: 'not the requested host',
  ComputeFilter: 'compute service disabled or down',
  AvailabilityZoneFilter: 'not in the requested availability zone',
  RamFilter: 'not enough free RAM',
  CoreFilter: 'not enough free vCPUs',
  DiskFilter: 'not enough free disk',
  ImagePropertiesFilter: "does not support the image's architecture, hypervisor type or version",
  ComputeCapabilitiesFilter: "does not match the flavor's capabilities extra specs",
  ServerGroupAffinityFilter: "not the host of the server group's members",
  ServerGroupAntiAffinityFilter: 'already holds max_server_per_host members of the server group',
  SameHostFilter: 'does not hold the same_host servers',
  DifferentHostFilter: 'holds a different_host server',
  IgnoreHostsFilter: 'an earlier attempt failed there',
};

export interface FilterRejection {
  filter: string;
  hosts: string[];
  explanation: string;
}

export interface NoValidHostDescription {
  /** The fault a client sees; like Nova, it gives nothing of the environment away. */
  message: string;
  rejections: FilterRejection[];
  /** One line for operators' logs. */
  log: string;
}

const ORDER = [FORCED_HOST, ...DEFAULT_FILTERS];
const rank = (filter: string): number => (ORDER.includes(filter) ? ORDER.indexOf(filter) : ORDER.length);

export function describeNoValidHost(result: ScheduleResult): NoValidHostDescription {
  const byFilter = new Map<string, string[]>();
  for (const [host, filter] of Object.entries(result.rejectedBy)) byFilter.set(filter, [...(byFilter.get(filter) ?? []), host]);
  const rejections = [...byFilter.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1))
    .map(([filter, hosts]) => ({ filter, hosts: hosts.sort(), explanation: EXPLANATIONS[filter] ?? 'rejected by the filter' }));
  const log =
    rejections.length === 0
      ? 'No compute hosts to choose from.'
      : rejections.map((r) => `${r.filter} rejected ${r.hosts.length} host(s) (${r.explanation}): ${r.hosts.join(', ')}`).join('; ');
  return { message: 'No valid host was found. There are not enough hosts available.', rejections, log };
}
