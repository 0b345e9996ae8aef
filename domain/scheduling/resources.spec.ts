import { aHost, aSpec } from './host-state.fixtures';
import { fitsResources, freeResources, requestedResources, usableResources } from './resources';

const flavor = (f: Partial<ReturnType<typeof aSpec>['flavor']> = {}) => ({ ...aSpec().flavor, ...f });

describe('usableResources', () => {
  it('is (total - reserved) * allocation ratio, as placement computes capacity', () => {
    const host = aHost('h1', { vcpus: 8, reservedHostCpus: 2, cpuAllocationRatio: 4, memoryMb: 16384, reservedHostMemoryMb: 512, ramAllocationRatio: 1.5, localGb: 100, diskAllocationRatio: 1 });
    expect(usableResources(host)).toEqual({ vcpus: 24, memoryMb: 23808, diskGb: 100 });
  });

  it('reserves host disk in whole GB, rounding reserved_host_disk_mb up', () => {
    expect(usableResources(aHost('h1', { localGb: 100, reservedHostDiskMb: 1025 })).diskGb).toBe(98);
  });
});

describe('freeResources', () => {
  it('subtracts the claims from the usable capacity', () => {
    expect(freeResources(aHost('h1', { vcpus: 4, cpuAllocationRatio: 2, vcpusUsed: 5, memoryMbUsed: 4096, localGbUsed: 30 }))).toEqual({ vcpus: 3, memoryMb: 12288, diskGb: 70 });
  });
});

describe('requestedResources', () => {
  it('counts root, ephemeral and swap rounded up to a GB as disk', () => {
    expect(requestedResources(flavor({ rootGb: 10, ephemeralGb: 5, swapMb: 1025 })).DISK_GB).toBe(17);
  });
});

describe('fitsResources', () => {
  const host = aHost('h1', { memoryMb: 4096, reservedHostMemoryMb: 512, ramAllocationRatio: 1.5, memoryMbUsed: 3000 });
  // capacity (4096 - 512) * 1.5 = 5376, free 2376

  it('fits a request of exactly the remaining memory', () => {
    expect(fitsResources(host, flavor({ memoryMb: 2376 }))).toEqual({ fits: true });
  });

  it('refuses a request one MB over the remaining memory', () => {
    expect(fitsResources(host, flavor({ memoryMb: 2377 }))).toEqual({ fits: false, reason: 'Free memory 2376 MB < requested 2377 MB' });
  });

  it('overcommits vCPUs up to the allocation ratio', () => {
    const busy = aHost('h1', { vcpus: 4, cpuAllocationRatio: 16, vcpusUsed: 60 });
    expect([fitsResources(busy, flavor({ vcpus: 4 })).fits, fitsResources(busy, flavor({ vcpus: 5 })).fits]).toEqual([true, false]);
  });

  it('keeps reserved host vCPUs out of reach', () => {
    expect(fitsResources(aHost('h1', { vcpus: 4, reservedHostCpus: 1 }), flavor({ vcpus: 4 }))).toEqual({ fits: false, reason: 'Free vcpus 3 < requested 4' });
  });

  it('fits disk at exactly the capacity, swap included', () => {
    const disky = aHost('h1', { localGb: 100, localGbUsed: 89 });
    expect(fitsResources(disky, flavor({ rootGb: 10, swapMb: 1024 }))).toEqual({ fits: true });
  });

  it('refuses disk one GB over, counting partial swap GB', () => {
    const disky = aHost('h1', { localGb: 100, localGbUsed: 89 });
    expect(fitsResources(disky, flavor({ rootGb: 10, swapMb: 1025 }))).toEqual({ fits: false, reason: 'Free disk 11 GB < requested 12 GB' });
  });

  it('never lets one instance overcommit against itself (max_unit is the physical total)', () => {
    const empty = aHost('h1', { memoryMb: 2048, ramAllocationRatio: 4 });
    expect(fitsResources(empty, flavor({ memoryMb: 2049 }))).toEqual({ fits: false, reason: 'Requested memory 2049 MB exceeds the host total 2048 MB' });
  });
});
