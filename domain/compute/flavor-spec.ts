/** A flavor as a server records it at boot (Nova embeds a copy in the instance: later flavor edits do not change running servers). */
export interface FlavorSnapshot {
  id: string;
  name: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
  swapMb: number;
  rxtxFactor: number;
  isPublic: boolean;
  description: string | null;
  extraSpecs: Record<string, string>;
}

/** Disk a flavor claims on a host, in GiB: root + ephemeral + swap rounded up (Placement's DISK_GB). */
export function flavorDiskGb(f: Pick<FlavorSnapshot, 'rootGb' | 'ephemeralGb' | 'swapMb'>): number {
  return f.rootGb + f.ephemeralGb + Math.ceil(f.swapMb / 1024);
}
