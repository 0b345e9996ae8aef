import { FlavorRequest, HostState } from './host-state';

export type ResourceHost = Pick<
  HostState,
  | 'vcpus'
  | 'memoryMb'
  | 'localGb'
  | 'vcpusUsed'
  | 'memoryMbUsed'
  | 'localGbUsed'
  | 'cpuAllocationRatio'
  | 'ramAllocationRatio'
  | 'diskAllocationRatio'
  | 'reservedHostMemoryMb'
  | 'reservedHostDiskMb'
  | 'reservedHostCpus'
>;
export type ResourceFlavor = Pick<FlavorRequest, 'vcpus' | 'memoryMb' | 'rootGb' | 'ephemeralGb' | 'swapMb'>;
export type ResourceClass = 'VCPU' | 'MEMORY_MB' | 'DISK_GB';
export type Fit = { fits: true } | { fits: false; reason: string };

/** One placement inventory record of the host (placement `inventories` table). */
interface Inventory {
  total: number;
  reserved: number;
  allocationRatio: number;
  used: number;
}

const UNIT: Record<ResourceClass, { what: string; unit: string }> = {
  VCPU: { what: 'vcpus', unit: '' },
  MEMORY_MB: { what: 'memory', unit: ' MB' },
  DISK_GB: { what: 'disk', unit: ' GB' },
};

function inventory(host: ResourceHost, rc: ResourceClass): Inventory {
  switch (rc) {
    case 'VCPU':
      return { total: host.vcpus, reserved: host.reservedHostCpus, allocationRatio: host.cpuAllocationRatio, used: host.vcpusUsed };
    case 'MEMORY_MB':
      return { total: host.memoryMb, reserved: host.reservedHostMemoryMb, allocationRatio: host.ramAllocationRatio, used: host.memoryMbUsed };
    case 'DISK_GB':
      // nova/virt/libvirt/driver.py reports reserved_host_disk_mb rounded up to whole GB.
      return { total: host.localGb, reserved: Math.ceil(host.reservedHostDiskMb / 1024), allocationRatio: host.diskAllocationRatio, used: host.localGbUsed };
    default: {
      const _: never = rc;
      return _;
    }
  }
}

const capacity = (inv: Inventory): number => (inv.total - inv.reserved) * inv.allocationRatio;

/** What the host can hold once overcommitted: placement's (total - reserved) * allocation_ratio. */
export function usableResources(host: ResourceHost): { vcpus: number; memoryMb: number; diskGb: number } {
  return {
    vcpus: capacity(inventory(host, 'VCPU')),
    memoryMb: capacity(inventory(host, 'MEMORY_MB')),
    diskGb: capacity(inventory(host, 'DISK_GB')),
  };
}

/** Usable capacity left after the claims already on the host (may be negative). */
export function freeResources(host: ResourceHost): { vcpus: number; memoryMb: number; diskGb: number } {
  const usable = usableResources(host);
  return { vcpus: usable.vcpus - host.vcpusUsed, memoryMb: usable.memoryMb - host.memoryMbUsed, diskGb: usable.diskGb - host.localGbUsed };
}

/** The flavor as placement resources (nova/scheduler/utils.py resources_from_flavor): swap counts as disk. */
export function requestedResources(flavor: ResourceFlavor): Record<ResourceClass, number> {
  return { VCPU: flavor.vcpus, MEMORY_MB: flavor.memoryMb, DISK_GB: flavor.rootGb + flavor.ephemeralGb + Math.ceil(flavor.swapMb / 1024) };
}

export function fitsResource(host: ResourceHost, flavor: ResourceFlavor, rc: ResourceClass): Fit {
  const requested = requestedResources(flavor)[rc];
  const inv = inventory(host, rc);
  const { what, unit } = UNIT[rc];
  // Nova sets max_unit to the physical total: an instance may overcommit against others, never against itself.
  if (requested > inv.total) return { fits: false, reason: `Requested ${what} ${requested}${unit} exceeds the host total ${inv.total}${unit}` };
  const free = capacity(inv) - inv.used;
  if (requested > free) return { fits: false, reason: `Free ${what} ${free}${unit} < requested ${requested}${unit}` };
  return { fits: true };
}

export function fitsResources(host: ResourceHost, flavor: ResourceFlavor): Fit {
  for (const rc of ['VCPU', 'MEMORY_MB', 'DISK_GB'] as const) {
    const fit = fitsResource(host, flavor, rc);
    if (!fit.fits) return fit;
  }
  return { fits: true };
}
