import type { Readable } from 'node:stream';

/** nova/compute/power_state.py: what the hypervisor says a guest is doing (not Nova's vm_state). */
export const POWER_STATE = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;
export type PowerState = (typeof POWER_STATE)[keyof typeof POWER_STATE];

/** Name of a power state for messages and logs, as nova/compute/power_state.py `STATE_MAP` spells it. */
export function powerStateName(state: PowerState): string {
  const names: Record<PowerState, string> = { 0: 'pending', 1: 'running', 3: 'paused', 4: 'shutdown', 6: 'crashed', 7: 'suspended' };
  return names[state];
}

/** The flavor a guest is sized by; a copy travels with the instance, later flavor edits change nothing. */
export interface FlavorSpec {
  id: string;
  name: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
  swapMb: number;
  extraSpecs: Record<string, string>;
}

export interface InstanceSpec {
  /** The server's uuid: the key every driver call uses. */
  instanceId: string;
  /** Hypervisor domain name, e.g. `instance-0000000a` (Nova's `instance_name_template`). */
  name: string;
  /** The server's name as the user gave it. */
  displayName: string;
  flavor: FlavorSpec;
  image: { id: string; properties: Record<string, string>; diskFormat: string | null };
  metadata: Record<string, string>;
  keyData: string | null;
  userData: string | null;
}

/** nova/virt/hardware.py `InstanceInfo` plus the fields of libvirt's `virDomainGetInfo`. */
export interface InstanceInfo {
  state: PowerState;
  maxMemKb: number;
  memKb: number;
  numCpu: number;
  cpuTimeNs: number;
}

/** nova/virt/driver.py `get_available_resource`, in camelCase. */
export interface HostResources {
  hypervisorHostname: string;
  hypervisorType: string;
  /** Nova's integer form: version 1.2.3 is 1002003 (oslo `convert_version_to_int`). */
  hypervisorVersion: number;
  cpuArch: string;
  cpuInfo: Record<string, unknown>;
  hostIp: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  vcpusUsed: number;
  memoryMbUsed: number;
  localGbUsed: number;
  diskAvailableLeastGb: number;
  /** Guests the hypervisor holds, whatever their power state (Nova's `running_vms` counts instances on the node). */
  runningVms: number;
}

export type RebootType = 'SOFT' | 'HARD';

/** What a driver can do; an operation whose capability is false rejects with `OperationNotSupported`. */
export interface ComputeDriverCapabilities {
  supportsPause: boolean;
  supportsSuspend: boolean;
  supportsResize: boolean;
  /** A resize may give the root or ephemeral disk less room (Nova's fake driver); libvirt's refuses (CannotResizeDisk). */
  supportsDiskShrink: boolean;
  supportsRebuild: boolean;
  supportsConsoleLog: boolean;
  supportsVolumeAttach: boolean;
  /** `getDiagnostics` and `getInstanceDiagnostics`; Nova's drivers without them raise NotImplementedError (the API's 501). */
  supportsDiagnostics: boolean;
  /**
   * A guest may leave this host for another and come in from one (cold migration, a resize to another
   * host): the fake driver's guests have no disk to carry; the libvirt driver does not copy disks between hosts.
   */
  supportsColdMigration: boolean;
}

/** Every operation of the port that changes a guest; the `operation` of typed errors names one of these. */
export type DriverOperation =
  | 'spawn'
  | 'destroy'
  | 'reboot'
  | 'powerOff'
  | 'powerOn'
  | 'pause'
  | 'unpause'
  | 'suspend'
  | 'resume'
  | 'rebuild'
  | 'resize'
  | 'revertResize'
  | 'confirmResize'
  | 'getConsoleOutput'
  | 'getDiagnostics'
  | 'attachVolume'
  | 'detachVolume'
  | 'snapshot';

/** nova/objects/diagnostics.py `CpuDiagnostics`: `time` in ns, `utilisation` in percent. */
export interface CpuDiagnostics {
  id: number | null;
  time: number | null;
  utilisation: number | null;
}

/** nova/objects/diagnostics.py `NicDiagnostics`: counters since the guest started; all null for a NIC without a host device. */
export interface NicDiagnostics {
  macAddress: string | null;
  rxOctets: number | null;
  rxErrors: number | null;
  rxDrop: number | null;
  rxPackets: number | null;
  rxRate: number | null;
  txOctets: number | null;
  txErrors: number | null;
  txDrop: number | null;
  txPackets: number | null;
  txRate: number | null;
}

/** nova/objects/diagnostics.py `DiskDiagnostics`. */
export interface DiskDiagnostics {
  readBytes: number | null;
  readRequests: number | null;
  writeBytes: number | null;
  writeRequests: number | null;
  errorsCount: number | null;
}

/**
 * nova/objects/diagnostics.py `Diagnostics`, what `get_instance_diagnostics` returns (the API's answer from
 * 2.48, which counts the cpus, nics and disks itself). `state` is a name of nova/compute/power_state.py
 * `STATE_MAP`; `driver` one of Nova's `HypervisorDriver` values; memory in MiB.
 */
export interface InstanceDiagnostics {
  state: string;
  driver: string;
  hypervisor: string | null;
  hypervisorOs: string | null;
  /** Seconds since the server was launched. */
  uptime: number | null;
  configDrive: boolean;
  memoryDetails: { maximum: number | null; used: number | null };
  cpuDetails: CpuDiagnostics[];
  nicDetails: NicDiagnostics[];
  diskDetails: DiskDiagnostics[];
}

/**
 * The bytes of a guest's root disk as `snapshot` hands them over, self-contained (no backing file), for
 * the caller to store as an image. Reading `stream` to its end, or destroying it, removes whatever
 * temporary file held the copy: a caller that gives up on the bytes must destroy the stream.
 */
export interface DiskSnapshot {
  /** Glance's `disk_format` of the bytes. */
  diskFormat: 'qcow2' | 'raw';
  /** Size of the disk the guest sees, in bytes (Glance's `virtual_size`); null when the driver cannot tell. */
  virtualSize: number | null;
  stream: Readable;
}

/**
 * A hypervisor as the compute agent drives it: Nova's virt driver (nova/virt/driver.py) in camelCase,
 * async, one options object per call. Instances are keyed by `instanceId`; operations on a missing
 * instance reject with `InstanceNotFound` except the clean-up ones (`destroy`, `confirmResize`,
 * `detachVolume`), which succeed so that a retried clean-up never fails.
 */
export interface ComputeDriver {
  /** `fake` | `libvirt`: Nova's `hypervisor_type` is reported by `getAvailableResource`. */
  readonly name: string;
  readonly capabilities: Readonly<ComputeDriverCapabilities>;
  /**
   * Creates and boots the guest: it ends RUNNING, or SHUTDOWN with `powerOn: false` (Nova's `power_on`).
   * Idempotent: when an instance with that id exists already, resolves and leaves it as it is. A failed
   * spawn leaves nothing behind (no guest, no disk, no claim). `InsufficientHostResources` when the
   * flavor does not fit.
   */
  spawn(opts: { instance: InstanceSpec; powerOn?: boolean }): Promise<void>;
  /** Removes the guest, its disks and console log; a missing instance resolves (Nova: "should still succeed"). */
  destroy(opts: { instanceId: string }): Promise<void>;
  /** Ends RUNNING from any power state (Nova: "even in cases in which the domain is paused or halted"). */
  reboot(opts: { instanceId: string; type: RebootType }): Promise<void>;
  /**
   * Ends SHUTDOWN from any power state; a SUSPENDED guest's saved memory is dropped, so the next start boots
   * afresh. `timeoutSec` is how long a clean shutdown of a RUNNING guest may take before the power is cut.
   */
  powerOff(opts: { instanceId: string; timeoutSec?: number }): Promise<void>;
  /** Ends RUNNING from any power state (Nova's libvirt driver powers on by hard reboot). */
  powerOn(opts: { instanceId: string }): Promise<void>;
  /** RUNNING → PAUSED; already PAUSED resolves; any other state rejects with `InstanceInvalidPowerState`. */
  pause(opts: { instanceId: string }): Promise<void>;
  /** PAUSED → RUNNING; already RUNNING resolves; otherwise `InstanceInvalidPowerState`. */
  unpause(opts: { instanceId: string }): Promise<void>;
  /** RUNNING or PAUSED → SUSPENDED (memory saved to disk); already SUSPENDED resolves; otherwise `InstanceInvalidPowerState`. */
  suspend(opts: { instanceId: string }): Promise<void>;
  /** SUSPENDED → RUNNING; already RUNNING resolves; otherwise `InstanceInvalidPowerState`. */
  resume(opts: { instanceId: string }): Promise<void>;
  /**
   * A new root disk from `instance.image`, attached volumes kept; ends RUNNING. Nova's driver does the
   * same: it is the compute manager that powers a rebuilt STOPPED server off again afterwards.
   */
  rebuild(opts: { instance: InstanceSpec }): Promise<void>;
  /**
   * Cold resize on this host (Nova's `migrate_disk_and_power_off` + `finish_migration`) to the flavor in
   * `instance`; RUNNING or SHUTDOWN guests only. Ends RUNNING unless `powerOn: false` (Nova passes
   * `old_vm_state != STOPPED`). The old disk is kept until `confirmResize` or `revertResize`. Shrinking
   * the root or ephemeral disk rejects with `DriverOperationFailed` (Nova: "Unable to resize disk down").
   */
  resize(opts: { instance: InstanceSpec; powerOn?: boolean }): Promise<void>;
  /** Back to the old disk and the flavor in `instance` (Nova's `finish_revert_migration`); ends RUNNING unless `powerOn: false`. */
  revertResize(opts: { instance: InstanceSpec; powerOn?: boolean }): Promise<void>;
  /** Drops the disk kept for a revert (Nova's `confirm_migration`); nothing to confirm, or no instance, resolves. */
  confirmResize(opts: { instanceId: string }): Promise<void>;
  /** Missing instance → `InstanceNotFound`. */
  getInfo(opts: { instanceId: string }): Promise<InstanceInfo>;
  /** Ids of every instance this driver holds, whatever their power state (Nova's `list_instance_uuids`). */
  listInstances(): Promise<string[]>;
  getAvailableResource(): Promise<HostResources>;
  /** The serial console log so far; missing instance → `InstanceNotFound`. */
  getConsoleOutput(opts: { instanceId: string }): Promise<string>;
  /**
   * nova/virt/driver.py `get_diagnostics`: the hypervisor's own figures under its own names (the API's
   * answer below 2.48). A guest that is not running rejects with `InstanceInvalidPowerState` (Nova's
   * compute manager refuses before asking the driver); missing instance → `InstanceNotFound`.
   */
  getDiagnostics(opts: { instanceId: string }): Promise<Record<string, number>>;
  /**
   * nova/virt/driver.py `get_instance_diagnostics`, the standard form; the same refusals as `getDiagnostics`.
   * `launchedAt` (ISO 8601, the server's `launched_at`) is what Nova's libvirt driver counts the uptime from.
   */
  getInstanceDiagnostics(opts: { instanceId: string; launchedAt: string | null }): Promise<InstanceDiagnostics>;
  /** `device` is the mountpoint, e.g. `/dev/vdb`; attaching a volume already there at that device resolves. */
  attachVolume(opts: { instanceId: string; volumeId: string; device: string; connectionInfo: Record<string, unknown> }): Promise<void>;
  /** A volume not attached, or an instance gone, resolves (Nova's libvirt driver: "instance disappeared"). */
  detachVolume(opts: { instanceId: string; volumeId: string }): Promise<void>;
  /**
   * A standalone copy of the guest's root disk (no backing file), Nova's `snapshot` without the upload:
   * the caller stores the bytes. Cold only: the guest must be SHUTDOWN or SUSPENDED (its memory saved, its
   * disk at rest: Nova's cold snapshot suspends a running guest and resumes it after), otherwise
   * `InstanceInvalidPowerState`; missing instance → `InstanceNotFound`. The guest is left as it was.
   */
  snapshot(opts: { instanceId: string }): Promise<DiskSnapshot>;
}

/** Base of the drivers' typed failures; `code` is stable, the agent maps it to events and API faults. */
export abstract class ComputeDriverError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InstanceNotFound extends ComputeDriverError {
  readonly code = 'InstanceNotFound';
  constructor(readonly instanceId: string) {
    super(`Instance ${instanceId} could not be found.`);
  }
}

/** Nova's `InstanceInvalidState` for an operation the guest's power state forbids (pausing a stopped guest). */
export class InstanceInvalidPowerState extends ComputeDriverError {
  readonly code = 'InstanceInvalidPowerState';
  constructor(
    readonly instanceId: string,
    readonly operation: DriverOperation,
    readonly state: PowerState,
  ) {
    super(`Instance ${instanceId} in power state ${powerStateName(state)}. Cannot ${operation} while the instance is in this state.`);
  }
}

export interface ResourceAmounts {
  vcpus: number;
  memoryMb: number;
  localGb: number;
}

/** The host cannot hold the guest; `requested` and `free` let the conductor reschedule with a reason. */
export class InsufficientHostResources extends ComputeDriverError {
  readonly code = 'InsufficientHostResources';
  constructor(
    readonly hostname: string,
    readonly instanceId: string,
    readonly requested: ResourceAmounts,
    readonly free: ResourceAmounts,
  ) {
    super(
      `Host ${hostname} cannot fit instance ${instanceId}: requested ${requested.vcpus} vcpus, ${requested.memoryMb} MB RAM, ` +
        `${requested.localGb} GB disk; free ${free.vcpus} vcpus, ${free.memoryMb} MB RAM, ${free.localGb} GB disk`,
    );
  }
}

/** The hypervisor refused or broke an operation; `reason` is its own words. */
export class DriverOperationFailed extends ComputeDriverError {
  readonly code = 'DriverOperationFailed';
  constructor(
    readonly operation: DriverOperation,
    readonly instanceId: string,
    readonly reason: string,
  ) {
    super(`Failed to ${operation} instance ${instanceId}: ${reason}`);
  }
}

/** Nova's drivers raise NotImplementedError and the API answers 501; `capabilities` tells beforehand. */
export class OperationNotSupported extends ComputeDriverError {
  readonly code = 'OperationNotSupported';
  constructor(
    readonly operation: DriverOperation,
    readonly driver: string,
  ) {
    super(`The ${driver} compute driver does not support ${operation}`);
  }
}

/** Disk a flavor takes on the host, in GiB: root + ephemeral + swap rounded up (Placement's DISK_GB). */
export function flavorDiskGb(flavor: Pick<FlavorSpec, 'rootGb' | 'ephemeralGb' | 'swapMb'>): number {
  return flavor.rootGb + flavor.ephemeralGb + Math.ceil(flavor.swapMb / 1024);
}

/**
 * Refuses (InsufficientHostResources) a claim of `requested` that a host of `total` resources,
 * overcommitted by its allocation `ratios`, cannot hold with `used` taken and `released` given back.
 */
export function assertFits(
  at: { hostname: string; instanceId: string },
  requested: ResourceAmounts,
  released: ResourceAmounts,
  host: { total: ResourceAmounts; used: ResourceAmounts; ratios: ResourceAmounts },
): void {
  const free = (k: keyof ResourceAmounts) => host.total[k] * host.ratios[k] - host.used[k] + released[k];
  const available: ResourceAmounts = { vcpus: free('vcpus'), memoryMb: free('memoryMb'), localGb: free('localGb') };
  if (requested.vcpus > available.vcpus || requested.memoryMb > available.memoryMb || requested.localGb > available.localGb) {
    throw new InsufficientHostResources(at.hostname, at.instanceId, requested, available);
  }
}
