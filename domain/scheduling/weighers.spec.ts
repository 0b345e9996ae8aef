import { aGroup, aHost, aSpec } from './host-state.fixtures';
import {
  CPUWeigher,
  DEFAULT_WEIGHER_CONFIG,
  DiskWeigher,
  normalize,
  NumInstancesWeigher,
  RAMWeigher,
  ServerGroupSoftAffinityWeigher,
  ServerGroupSoftAntiAffinityWeigher,
  weighersFor,
  weighHosts,
} from './weighers';

const config = (overrides = {}) => ({ ...DEFAULT_WEIGHER_CONFIG, ...overrides });
const names = (weighed: { host: { host: string } }[]) => weighed.map((w) => w.host.host);

describe('normalize', () => {
  it('maps the list onto [0, 1] between its own min and max', () => {
    expect(normalize([1, 2, 3])).toEqual([0, 0.5, 1]);
  });

  it('gives 0 to every value when all are equal', () => {
    expect(normalize([5, 5, 5])).toEqual([0, 0, 0]);
  });

  it('uses minval instead of the list minimum when given', () => {
    expect(normalize([1024, 2048, 4096], 0)).toEqual([0.25, 0.5, 1]);
  });

  it('returns nothing for no weights', () => {
    expect(normalize([])).toEqual([]);
  });
});

describe('raw weights', () => {
  it('RAMWeigher weighs free memory after the allocation ratio and reserved memory', () => {
    expect(RAMWeigher(config()).weigh(aHost('h1', { memoryMb: 4096, reservedHostMemoryMb: 1024, ramAllocationRatio: 2, memoryMbUsed: 1000 }), aSpec())).toBe(5144);
  });

  it('CPUWeigher weighs free vCPUs after the allocation ratio', () => {
    expect(CPUWeigher(config()).weigh(aHost('h1', { vcpus: 4, cpuAllocationRatio: 4, vcpusUsed: 10 }), aSpec())).toBe(6);
  });

  it('DiskWeigher weighs free disk', () => {
    expect(DiskWeigher(config()).weigh(aHost('h1', { localGb: 100, localGbUsed: 40 }), aSpec())).toBe(60);
  });

  it('NumInstancesWeigher weighs the instance count', () => {
    expect(NumInstancesWeigher(config()).weigh(aHost('h1', { instances: ['a', 'b'] }), aSpec())).toBe(2);
  });

  it('soft-affinity weighers ignore a hard-policy group', () => {
    const spec = aSpec({ group: aGroup({ policy: 'affinity', memberCountByHost: { h1: 2 } }) });
    expect(ServerGroupSoftAffinityWeigher(config()).weigh(aHost('h1'), spec)).toBe(0);
  });

  it('ServerGroupSoftAntiAffinityWeigher weighs minus the members on the host', () => {
    const spec = aSpec({ group: aGroup({ policy: 'soft-anti-affinity', memberCountByHost: { h1: 2 } }) });
    expect(ServerGroupSoftAntiAffinityWeigher(config()).weigh(aHost('h1'), spec)).toBe(-2);
  });
});

describe('multipliers', () => {
  it("come from Nova's defaults: resources 1.0, instance count 0.0, soft affinity 1.0", () => {
    expect(weighersFor(DEFAULT_WEIGHER_CONFIG).map((w) => [w.name, w.multiplier(aHost('h1'))])).toEqual([
      ['RAMWeigher', 1],
      ['CPUWeigher', 1],
      ['DiskWeigher', 1],
      ['NumInstancesWeigher', 0],
      ['ServerGroupSoftAffinityWeigher', 1],
      ['ServerGroupSoftAntiAffinityWeigher', 1],
    ]);
  });
});

describe('weighHosts', () => {
  const small = aHost('small', { memoryMb: 4096 });
  const big = aHost('big', { memoryMb: 16384 });
  const ramOnly = (ramWeightMultiplier: number) => [RAMWeigher(config({ ramWeightMultiplier }))];

  it('spreads to the host with the most free RAM with a positive multiplier', () => {
    expect(names(weighHosts([small, big], aSpec(), ramOnly(1)))).toEqual(['big', 'small']);
  });

  it('stacks onto the host with the least free RAM with a negative multiplier', () => {
    expect(names(weighHosts([big, small], aSpec(), ramOnly(-1)))).toEqual(['small', 'big']);
  });

  it('scores multiplier times the weight normalised against 0 for resource weighers', () => {
    expect(weighHosts([small, big], aSpec(), ramOnly(2)).map((w) => w.weight)).toEqual([2, 0.5]);
  });

  it('clamps negative free capacity to 0 (minval) before normalising', () => {
    const overcommitted = aHost('over', { memoryMb: 4096, memoryMbUsed: 8192 });
    expect(weighHosts([overcommitted, small], aSpec(), ramOnly(1)).map((w) => [w.host.host, w.weight])).toEqual([
      ['small', 1],
      ['over', 0],
    ]);
  });

  it('normalises each weigher before summing, so units do not dominate', () => {
    const ramRich = aHost('ram-rich', { memoryMb: 65536, vcpus: 2 });
    const cpuRich = aHost('cpu-rich', { memoryMb: 32768, vcpus: 8 });
    const both = [RAMWeigher(config()), CPUWeigher(config())];
    expect(weighHosts([ramRich, cpuRich], aSpec(), both).map((w) => [w.host.host, w.weight])).toEqual([
      ['cpu-rich', 1.5],
      ['ram-rich', 1.25],
    ]);
  });

  it('prefers hosts with fewer instances when NumInstancesWeigher has a negative multiplier', () => {
    const busy = aHost('busy', { instances: ['a', 'b'] });
    const idle = aHost('idle');
    expect(names(weighHosts([busy, idle], aSpec(), [NumInstancesWeigher(config({ numInstancesWeightMultiplier: -1 }))]))).toEqual(['idle', 'busy']);
  });

  it('ServerGroupSoftAffinityWeigher prefers the host with most group members', () => {
    const spec = aSpec({ group: aGroup({ policy: 'soft-affinity', hosts: ['h2'], memberCountByHost: { h2: 2 } }) });
    expect(names(weighHosts([aHost('h1'), aHost('h2')], spec, [ServerGroupSoftAffinityWeigher(config())]))).toEqual(['h2', 'h1']);
  });

  it('ServerGroupSoftAntiAffinityWeigher prefers the host with fewest group members', () => {
    const spec = aSpec({ group: aGroup({ policy: 'soft-anti-affinity', hosts: ['h1', 'h2'], memberCountByHost: { h1: 2, h2: 1 } }) });
    expect(names(weighHosts([aHost('h1'), aHost('h2'), aHost('h3')], spec, [ServerGroupSoftAntiAffinityWeigher(config())]))).toEqual(['h3', 'h2', 'h1']);
  });

  it('breaks ties by host name whatever the input order', () => {
    const hosts = [aHost('c'), aHost('a'), aHost('b')];
    expect(names(weighHosts(hosts, aSpec(), weighersFor(DEFAULT_WEIGHER_CONFIG)))).toEqual(['a', 'b', 'c']);
  });
});
