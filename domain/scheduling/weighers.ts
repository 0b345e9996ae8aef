import { groupMembersOn } from './filters';
import { HostState, RequestSpec, ServerGroupPolicy } from './host-state';
import { freeResources } from './resources';

export interface HostWeigher {
  name: string;
  weigh(host: HostState, spec: RequestSpec): number;
  multiplier(host: HostState): number;
  /** nova/weights.py BaseWeigher minval/maxval: raw weights are clamped to them and normalised against them. */
  minval?: number;
  maxval?: number;
}

/** Nova's [filter_scheduler] *_weight_multiplier options, with their defaults. */
export interface WeigherConfig {
  ramWeightMultiplier: number;
  cpuWeightMultiplier: number;
  diskWeightMultiplier: number;
  numInstancesWeightMultiplier: number;
  softAffinityWeightMultiplier: number;
  softAntiAffinityWeightMultiplier: number;
}

export const DEFAULT_WEIGHER_CONFIG: WeigherConfig = {
  ramWeightMultiplier: 1.0,
  cpuWeightMultiplier: 1.0,
  diskWeightMultiplier: 1.0,
  numInstancesWeightMultiplier: 0.0,
  softAffinityWeightMultiplier: 1.0,
  softAntiAffinityWeightMultiplier: 1.0,
};

/** Positive multipliers spread (most free capacity wins), negative ones stack. */
export const RAMWeigher = (config: WeigherConfig): HostWeigher => ({
  name: 'RAMWeigher',
  minval: 0,
  weigh: (host) => freeResources(host).memoryMb,
  multiplier: () => config.ramWeightMultiplier,
});

export const CPUWeigher = (config: WeigherConfig): HostWeigher => ({
  name: 'CPUWeigher',
  minval: 0,
  weigh: (host) => freeResources(host).vcpus,
  multiplier: () => config.cpuWeightMultiplier,
});

export const DiskWeigher = (config: WeigherConfig): HostWeigher => ({
  name: 'DiskWeigher',
  minval: 0,
  weigh: (host) => freeResources(host).diskGb,
  multiplier: () => config.diskWeightMultiplier,
});

/** Weight grows with the instance count, so a negative multiplier spreads and a positive one stacks. */
export const NumInstancesWeigher = (config: WeigherConfig): HostWeigher => ({
  name: 'NumInstancesWeigher',
  weigh: (host) => host.instances.length,
  multiplier: () => config.numInstancesWeightMultiplier,
});

const membersIfPolicy = (policy: ServerGroupPolicy) => (host: HostState, spec: RequestSpec) => (spec.group?.policy === policy ? groupMembersOn(host, spec) : 0);

export const ServerGroupSoftAffinityWeigher = (config: WeigherConfig): HostWeigher => ({
  name: 'ServerGroupSoftAffinityWeigher',
  weigh: membersIfPolicy('soft-affinity'),
  multiplier: () => config.softAffinityWeightMultiplier,
});

export const ServerGroupSoftAntiAffinityWeigher = (config: WeigherConfig): HostWeigher => ({
  name: 'ServerGroupSoftAntiAffinityWeigher',
  weigh: (host, spec) => -membersIfPolicy('soft-anti-affinity')(host, spec),
  multiplier: () => config.softAntiAffinityWeightMultiplier,
});

export const ALL_WEIGHERS = [RAMWeigher, CPUWeigher, DiskWeigher, NumInstancesWeigher, ServerGroupSoftAffinityWeigher, ServerGroupSoftAntiAffinityWeigher] as const;

export function weighersFor(config: WeigherConfig): HostWeigher[] {
  return ALL_WEIGHERS.map((weigher) => weigher(config));
}

/** nova/weights.py normalize(): onto [0, 1] between minval and maxval (default: the list's own); all equal gives 0. */
export function normalize(weights: number[], minval?: number, maxval?: number): number[] {
  if (weights.length === 0) return [];
  const min = minval ?? Math.min(...weights);
  const max = maxval ?? Math.max(...weights);
  if (min === max) return weights.map(() => 0);
  return weights.map((w) => (w - min) / (max - min));
}

export interface WeighedHost {
  host: HostState;
  weight: number;
}

/** Sum of multiplier × normalised weight per weigher; best first, ties broken by host name. */
export function weighHosts(hosts: HostState[], spec: RequestSpec, weighers: HostWeigher[]): WeighedHost[] {
  const totals = hosts.map(() => 0);
  for (const weigher of weighers) {
    const raw = hosts.map((host) => {
      const w = weigher.weigh(host, spec);
      return Math.min(Math.max(w, weigher.minval ?? -Infinity), weigher.maxval ?? Infinity);
    });
    normalize(raw, weigher.minval, weigher.maxval).forEach((w, i) => (totals[i] += weigher.multiplier(hosts[i]) * w));
  }
  return hosts
    .map((host, i) => ({ host, weight: totals[i] }))
    .sort((a, b) => b.weight - a.weight || (a.host.host < b.host.host ? -1 : a.host.host > b.host.host ? 1 : 0));
}
