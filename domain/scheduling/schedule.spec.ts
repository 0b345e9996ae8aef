import { aGroup, aHost, aSpec, withFlavor } from './host-state.fixtures';
import { describeNoValidHost, schedule } from './schedule';

const names = (result: { hosts: { host: string }[] }) => result.hosts.map((h) => h.host);

describe('schedule', () => {
  it('returns the passing hosts, most free resources first by default', () => {
    const hosts = [aHost('h1', { memoryMbUsed: 8192 }), aHost('h2'), aHost('h3', { memoryMbUsed: 4096 })];
    expect(names(schedule(hosts, aSpec()))).toEqual(['h2', 'h3', 'h1']);
  });

  it('stacks with a negative RAM multiplier', () => {
    const hosts = [aHost('h1', { memoryMbUsed: 8192 }), aHost('h2'), aHost('h3', { memoryMbUsed: 4096 })];
    const config = { weighers: { ramWeightMultiplier: -1, cpuWeightMultiplier: 0, diskWeightMultiplier: 0 } };
    expect(names(schedule(hosts, aSpec(), config))).toEqual(['h1', 'h3', 'h2']);
  });

  it('records the first filter in order that rejected each host', () => {
    const hosts = [aHost('down', { up: false, memoryMbUsed: 16384 }), aHost('full', { memoryMbUsed: 16384 }), aHost('ok')];
    expect(schedule(hosts, aSpec())).toEqual({ hosts: [hosts[2]], rejectedBy: { down: 'ComputeFilter', full: 'RamFilter' } });
  });

  it('runs only the enabled filters', () => {
    const hosts = [aHost('down', { up: false })];
    expect(names(schedule(hosts, aSpec(), { enabledFilters: ['RamFilter'] }))).toEqual(['down']);
  });

  it('refuses an unknown filter name', () => {
    expect(() => schedule([aHost('h1')], aSpec(), { enabledFilters: ['NoSuchFilter'] })).toThrow('Unknown scheduler filter: NoSuchFilter');
  });

  it('answers no host when every host is rejected', () => {
    expect(names(schedule([aHost('h1', { enabled: false })], aSpec()))).toEqual([]);
  });

  it('places anti-affinity members on distinct hosts', () => {
    const spec = aSpec({ group: aGroup({ hosts: ['h1'], memberCountByHost: { h1: 1 } }) });
    expect(schedule([aHost('h1'), aHost('h2')], spec).rejectedBy).toEqual({ h1: 'ServerGroupAntiAffinityFilter' });
  });

  it('keeps an affinity member with the group even when another host has more room', () => {
    const spec = aSpec({ group: aGroup({ policy: 'affinity', hosts: ['h1'], memberCountByHost: { h1: 1 } }) });
    expect(names(schedule([aHost('h1', { memoryMbUsed: 8192 }), aHost('h2')], spec))).toEqual(['h1']);
  });

  it('lets soft-affinity outweigh a single resource advantage', () => {
    const spec = aSpec({ group: aGroup({ policy: 'soft-affinity', hosts: ['h1'], memberCountByHost: { h1: 1 } }) });
    const config = { weighers: { cpuWeightMultiplier: 0, diskWeightMultiplier: 0, softAffinityWeightMultiplier: 2 } };
    expect(names(schedule([aHost('h1', { memoryMbUsed: 8192 }), aHost('h2')], spec, config))).toEqual(['h1', 'h2']);
  });

  describe('with a forced host', () => {
    it('considers only that host, even if disabled', () => {
      const result = schedule([aHost('h1', { enabled: false }), aHost('h2')], aSpec({ forcedHost: 'h1' }));
      expect(result).toEqual({ hosts: [expect.objectContaining({ host: 'h1' })], rejectedBy: { h2: 'ForcedHost' } });
    });

    it('still checks its resources', () => {
      expect(schedule([aHost('h1', { vcpusUsed: 8 })], aSpec({ forcedHost: 'h1' })).rejectedBy).toEqual({ h1: 'CoreFilter' });
    });

    it('still skips it after a failed attempt there', () => {
      expect(schedule([aHost('h1')], aSpec({ forcedHost: 'h1', ignoreHosts: ['h1'] })).rejectedBy).toEqual({ h1: 'IgnoreHostsFilter' });
    });
  });

  it('gives the same order for the same hosts in any input order', () => {
    const hosts = [aHost('b'), aHost('c'), aHost('a', { memoryMbUsed: 1024 })];
    expect(names(schedule(hosts, aSpec()))).toEqual(names(schedule([...hosts].reverse(), aSpec())));
  });
});

describe('describeNoValidHost', () => {
  const result = schedule(
    [aHost('h3', { memoryMbUsed: 16384 }), aHost('h1', { up: false }), aHost('h2', { memoryMbUsed: 16000 }), aHost('h4', { availabilityZone: 'az2' })],
    aSpec({ availabilityZone: 'nova', ...withFlavor({ memoryMb: 2048 }) }),
  );

  it("gives the client Nova's NoValidHost message and nothing of the environment", () => {
    expect(describeNoValidHost(result).message).toBe('No valid host was found. There are not enough hosts available.');
  });

  it('counts the rejected hosts per filter, in filter order', () => {
    expect(describeNoValidHost(result).rejections.map((r) => [r.filter, r.hosts])).toEqual([
      ['AvailabilityZoneFilter', ['h4']],
      ['ComputeFilter', ['h1']],
      ['RamFilter', ['h2', 'h3']],
    ]);
  });

  it('writes one log line explaining each filter', () => {
    expect(describeNoValidHost(result).log).toBe(
      'AvailabilityZoneFilter rejected 1 host(s) (not in the requested availability zone): h4; ' +
        'ComputeFilter rejected 1 host(s) (compute service disabled or down): h1; ' +
        'RamFilter rejected 2 host(s) (not enough free RAM): h2, h3',
    );
  });

  it('says when there were no hosts at all', () => {
    expect(describeNoValidHost(schedule([], aSpec())).log).toBe('No compute hosts to choose from.');
  });
});
