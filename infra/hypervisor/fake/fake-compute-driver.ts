import { Readable } from 'node:stream';
import {
  assertFits,
  ComputeDriver,
  ComputeDriverCapabilities,
  DiskSnapshot,
  DriverOperation,
  DriverOperationFailed,
  FlavorSpec,
  HostResources,
  InstanceDiagnostics,
  InstanceInfo,
  InstanceInvalidPowerState,
  InstanceNotFound,
  InstanceSpec,
  OperationNotSupported,
  POWER_STATE,
  PowerState,
  RebootType,
  ResourceAmounts,
  flavorDiskGb,
} from '../compute-driver';

/** Every operation that changes a guest, or copies its disk, can be made to fail. */
export type FailableOperation = Exclude<DriverOperation, 'getConsoleOutput' | 'getDiagnostics'>;

export interface FailureRule {
  operation: FailableOperation;
  /** Only instances whose display name matches; every instance when left out. */
  displayName?: RegExp;
  /** Fail only the first N matching calls; every matching call when left out. */
  times?: number;
  /** The `reason` of the `DriverOperationFailed`. */
  message?: string;
}

/** How far the fake lets its guests overcommit the host; Nova's `initial_*_allocation_ratio` defaults. */
export interface FakeAllocationRatios {
  vcpus: number;
  memoryMb: number;
  localGb: number;
}

export interface FakeComputeDriverOptions {
  /** Nova's `hypervisor_hostname`: the compute host this driver stands for. */
  hostname: string;
  vcpus?: number;
  memoryMb?: number;
  localGb?: number;
  allocationRatios?: Partial<FakeAllocationRatios>;
  hostIp?: string;
  /** Time every operation that changes a guest, or copies its disk, takes, in ms (timers, so jest's fake timers control it); queries answer at once. */
  delayMs?: number;
  failures?: FailureRule[];
  /** Counts of `times`-limited rules shared with other drivers: "fail the first spawn" then means the first of the process. */
  sharedFailureBudgets?: Map<FailureRule, FailureBudget>;
  /** Time stamps of console lines and the guests' CPU time; tests pass a controllable clock. */
  clock?: () => number;
  /** Turns features off, to stand in for a driver that lacks them. */
  capabilities?: Partial<ComputeDriverCapabilities>;
}

/** nova/virt/fake.py `FakeDriver`: "pretend we have lots of disk and ram so this driver can be used to test large instances". */
export const FAKE_HOST_DEFAULTS = { vcpus: 1000, memoryMb: 800_000, localGb: 600_000, hostIp: '192.168.0.1' } as const;

/** nova/conf/compute.py `initial_cpu_allocation_ratio`, `initial_ram_allocation_ratio`, `initial_disk_allocation_ratio`. */
export const FAKE_ALLOCATION_RATIO_DEFAULTS: FakeAllocationRatios = { vcpus: 4, memoryMb: 1, localGb: 1 };

export interface FakeVolumeAttachment {
  volumeId: string;
  device: string;
  connectionInfo: Record<string, unknown>;
}

/** What the fake holds for one guest, as a test inspects it (a copy: changing it changes nothing). */
export interface FakeInstanceView {
  instance: InstanceSpec;
  state: PowerState;
  consoleLines: string[];
  volumes: FakeVolumeAttachment[];
  /** The flavor a `revertResize` returns to, while a resize awaits confirm or revert. */
  pendingResize: { oldFlavor: FlavorSpec } | null;
}

interface FakeInstance {
  spec: InstanceSpec;
  state: PowerState;
  /** CPU time of the guest's current process up to `runningSince`. */
  cpuTimeNs: number;
  runningSince: number | null;
  consoleLines: string[];
  volumes: Map<string, FakeVolumeAttachment>;
  pendingResize: { oldFlavor: FlavorSpec } | null;
}

interface ArmedRule {
  rule: FailureRule;
  displayName: RegExp | undefined;
  budget: FailureBudget;
}

/** How many more times a rule fails; drivers given one map share it (fake hosts of one process). */
export interface FailureBudget {
  remaining: number | undefined;
}

const { RUNNING, PAUSED, SHUTDOWN, SUSPENDED } = POWER_STATE;
const GIB = 1024 ** 3;
const NO_RESOURCES: ResourceAmounts = { vcpus: 0, memoryMb: 0, localGb: 0 };

const amountsOf = (flavor: FlavorSpec): ResourceAmounts => ({ vcpus: flavor.vcpus, memoryMb: flavor.memoryMb, localGb: flavorDiskGb(flavor) });

function positive(what: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`FakeComputeDriver ${what} must be a positive number, got ${value}`);
  return v;
}

/**
 * Deterministic in-memory hypervisor (nova/virt/fake.py): claims vcpus, RAM and disk per guest, keeps
 * power state, flavor, console log and volumes per instance, and lets a test inject delays and failures.
 * Every change happens in one synchronous step after the delay, so concurrent calls never interleave.
 */
export class FakeComputeDriver implements ComputeDriver {
  readonly name = 'fake';
  readonly capabilities: Readonly<ComputeDriverCapabilities>;
  readonly hostname: string;
  private readonly total: ResourceAmounts;
  private readonly ratios: FakeAllocationRatios;
  private readonly hostIp: string;
  private readonly delayMs: number;
  private readonly clock: () => number;
  private readonly failures: ArmedRule[];
  private readonly instances = new Map<string, FakeInstance>();

  constructor(options: FakeComputeDriverOptions) {
    if (!options.hostname) throw new RangeError('FakeComputeDriver needs a hostname');
    this.hostname = options.hostname;
    this.total = {
      vcpus: positive('vcpus', options.vcpus, FAKE_HOST_DEFAULTS.vcpus),
      memoryMb: positive('memoryMb', options.memoryMb, FAKE_HOST_DEFAULTS.memoryMb),
      localGb: positive('localGb', options.localGb, FAKE_HOST_DEFAULTS.localGb),
    };
    const ratios = { ...FAKE_ALLOCATION_RATIO_DEFAULTS, ...options.allocationRatios };
    this.ratios = {
      vcpus: positive('vcpus allocation ratio', ratios.vcpus, 1),
      memoryMb: positive('memoryMb allocation ratio', ratios.memoryMb, 1),
      localGb: positive('localGb allocation ratio', ratios.localGb, 1),
    };
    this.hostIp = options.hostIp ?? FAKE_HOST_DEFAULTS.hostIp;
    this.delayMs = options.delayMs ?? 0;
    if (!Number.isFinite(this.delayMs) || this.delayMs < 0) throw new RangeError(`FakeComputeDriver delayMs must be 0 or more, got ${options.delayMs}`);
    this.clock = options.clock ?? (() => Date.now());
    this.failures = (options.failures ?? []).map((rule) => {
      if (rule.times !== undefined && !(Number.isSafeInteger(rule.times) && rule.times > 0)) {
        throw new RangeError(`FailureRule times must be a positive integer, got ${rule.times}`);
      }
      // A global or sticky RegExp carries lastIndex from one test() to the next.
      const displayName = rule.displayName && new RegExp(rule.displayName.source, rule.displayName.flags.replace(/[gy]/g, ''));
      const budget = options.sharedFailureBudgets?.get(rule) ?? { remaining: rule.times };
      options.sharedFailureBudgets?.set(rule, budget);
      return { rule, displayName, budget };
    });
    this.capabilities = Object.freeze({
      supportsPause: true,
      supportsSuspend: true,
      supportsResize: true,
      supportsDiskShrink: true,
      supportsRebuild: true,
      supportsConsoleLog: true,
      supportsVolumeAttach: true,
      supportsDiagnostics: true,
      supportsColdMigration: true,
      ...options.capabilities,
    });
  }

  async spawn({ instance, powerOn = true }: { instance: InstanceSpec; powerOn?: boolean }): Promise<void> {
    await this.settle();
    const id = instance.instanceId;
    if (this.instances.has(id)) return;
    const sameName = [...this.instances.values()].find((other) => other.spec.name === instance.name);
    if (sameName) throw new DriverOperationFailed('spawn', id, `domain ${instance.name} already exists with uuid ${sameName.spec.instanceId}`);
    this.ensureFits(id, amountsOf(instance.flavor), NO_RESOURCES);
    this.injectFailure('spawn', id, instance.displayName);
    const guest: FakeInstance = {
      spec: structuredClone(instance),
      state: SHUTDOWN,
      cpuTimeNs: 0,
      runningSince: null,
      consoleLines: [],
      volumes: new Map(),
      pendingResize: null,
    };
    this.instances.set(id, guest);
    if (powerOn) this.boot(guest);
  }

  async destroy({ instanceId }: { instanceId: string }): Promise<void> {
    await this.settle();
    const guest = this.instances.get(instanceId);
    if (!guest) return;
    this.injectFailure('destroy', instanceId, guest.spec.displayName);
    this.instances.delete(instanceId);
  }

  async reboot({ instanceId, type }: { instanceId: string; type: RebootType }): Promise<void> {
    await this.settle();
    const guest = this.require(instanceId);
    this.injectFailure('reboot', instanceId, guest.spec.displayName);
    // libvirt's driver falls back to a hard reboot when the guest is not running to take a soft one.
    if (type === 'SOFT' && guest.state === RUNNING) {
      this.log(guest, 'Rebooting (soft).');
      this.log(guest, `${guest.spec.name} login:`);
      return;
    }
    this.halt(guest, SHUTDOWN);
    this.boot(guest);
  }

  async powerOff({ instanceId }: { instanceId: string; timeoutSec?: number }): Promise<void> {
    await this.settle();
    const guest = this.require(instanceId);
    if (guest.state === SHUTDOWN) return;
    this.injectFailure('powerOff', instanceId, guest.spec.displayName);
    if (guest.state === RUNNING) this.log(guest, 'Powering off.');
    this.halt(guest, SHUTDOWN);
  }

  async powerOn({ instanceId }: { instanceId: string }): Promise<void> {
    await this.settle();
    const guest = this.require(instanceId);
    if (guest.state === RUNNING) return;
    this.injectFailure('powerOn', instanceId, guest.spec.displayName);
    this.halt(guest, SHUTDOWN);
    this.boot(guest);
  }

  async pause({ instanceId }: { instanceId: string }): Promise<void> {
    this.supports('pause', this.capabilities.supportsPause);
    await this.settle();
    const guest = this.require(instanceId);
    if (guest.state === PAUSED) return;
    if (guest.state !== RUNNING) throw new InstanceInvalidPowerState(instanceId, 'pause', guest.state);
    this.injectFailure('pause', instanceId, guest.spec.displayName);
    this.halt(guest, PAUSED);
  }

  async unpause({ instanceId }: { instanceId: string }): Promise<void> {
    this.supports('unpause', this.capabilities.supportsPause);
    await this.settle();
    const guest = this.require(instanceId);
    if (guest.state === RUNNING) return;
    if (guest.state !== PAUSED) throw new InstanceInvalidPowerState(instanceId, 'unpause', guest.state);
    this.injectFailure('unpause', instanceId, guest.spec.displayName);
    this.run(guest);
  }

  async suspend({ instanceId }: { instanceId: string }): Promise<void> {
    this.supports('suspend', this.capabilities.supportsSuspend);
    await this.settle();
    const guest = this.require(instanceId);
    if (guest.state === SUSPENDED) return;
    if (guest.state !== RUNNING && guest.state !== PAUSED) throw new InstanceInvalidPowerState(instanceId, 'suspend', guest.state);
    this.injectFailure('suspend', instanceId, guest.spec.displayName);
    this.halt(guest, SUSPENDED);
  }

  async resume({ instanceId }: { instanceId: string }): Promise<void> {
    this.supports('resume', this.capabilities.supportsSuspend);
    await this.settle();
    const guest = this.require(instanceId);
    if (guest.state === RUNNING) return;
    if (guest.state !== SUSPENDED) throw new InstanceInvalidPowerState(instanceId, 'resume', guest.state);
    this.injectFailure('resume', instanceId, guest.spec.displayName);
    this.run(guest);
  }

  async rebuild({ instance }: { instance: InstanceSpec }): Promise<void> {
    this.supports('rebuild', this.capabilities.supportsRebuild);
    await this.settle();
    const id = instance.instanceId;
    const guest = this.require(id);
    this.injectFailure('rebuild', id, instance.displayName);
    this.halt(guest, SHUTDOWN);
    // A rebuild keeps the flavor (and so the claim): only the image and what the guest is booted with change.
    guest.spec = { ...structuredClone(instance), flavor: guest.spec.flavor };
    this.log(guest, `Rebuilding from image ${instance.image.id}.`);
    this.boot(guest);
  }

  async resize({ instance, powerOn = true }: { instance: InstanceSpec; powerOn?: boolean }): Promise<void> {
    this.supports('resize', this.capabilities.supportsResize);
    await this.settle();
    const id = instance.instanceId;
    const guest = this.require(id);
    const from = guest.spec.flavor;
    const to = instance.flavor;
    if (guest.state !== RUNNING && guest.state !== SHUTDOWN) throw new InstanceInvalidPowerState(id, 'resize', guest.state);
    if (guest.pendingResize) throw new DriverOperationFailed('resize', id, `the resize from flavor ${guest.pendingResize.oldFlavor.id} awaits confirm or revert`);
    // Like nova/virt/fake.py, any disk size goes (the libvirt driver refuses to shrink one, CannotResizeDisk).
    // The old disk stays until confirm, so only vcpus and RAM are handed back for the new flavor.
    this.ensureFits(id, amountsOf(to), { vcpus: from.vcpus, memoryMb: from.memoryMb, localGb: 0 });
    this.injectFailure('resize', id, instance.displayName);
    this.halt(guest, SHUTDOWN);
    guest.pendingResize = { oldFlavor: from };
    guest.spec = { ...guest.spec, flavor: structuredClone(to) };
    if (powerOn) this.boot(guest);
  }

  async revertResize({ instance, powerOn = true }: { instance: InstanceSpec; powerOn?: boolean }): Promise<void> {
    this.supports('revertResize', this.capabilities.supportsResize);
    await this.settle();
    const id = instance.instanceId;
    const guest = this.require(id);
    if (!guest.pendingResize) {
      if (guest.spec.flavor.id === instance.flavor.id) return;
      throw new DriverOperationFailed('revertResize', id, 'there is no resize to revert');
    }
    const current = guest.spec.flavor;
    this.ensureFits(id, { ...amountsOf(instance.flavor), localGb: 0 }, { vcpus: current.vcpus, memoryMb: current.memoryMb, localGb: 0 });
    this.injectFailure('revertResize', id, instance.displayName);
    this.halt(guest, SHUTDOWN);
    guest.pendingResize = null;
    guest.spec = { ...guest.spec, flavor: structuredClone(instance.flavor) };
    if (powerOn) this.boot(guest);
  }

  async confirmResize({ instanceId }: { instanceId: string }): Promise<void> {
    this.supports('confirmResize', this.capabilities.supportsResize);
    await this.settle();
    const guest = this.instances.get(instanceId);
    if (!guest?.pendingResize) return;
    this.injectFailure('confirmResize', instanceId, guest.spec.displayName);
    guest.pendingResize = null;
  }

  async getInfo({ instanceId }: { instanceId: string }): Promise<InstanceInfo> {
    const guest = this.require(instanceId);
    const memKb = guest.spec.flavor.memoryMb * 1024;
    const running = guest.runningSince === null ? 0 : (this.clock() - guest.runningSince) * 1_000_000;
    return { state: guest.state, maxMemKb: memKb, memKb, numCpu: guest.spec.flavor.vcpus, cpuTimeNs: guest.cpuTimeNs + running };
  }

  async listInstances(): Promise<string[]> {
    return [...this.instances.keys()].sort();
  }

  async getAvailableResource(): Promise<HostResources> {
    const used = this.used();
    const cores = Math.max(1, Math.floor(this.total.vcpus));
    return {
      hypervisorHostname: this.hostname,
      hypervisorType: 'fake',
      hypervisorVersion: 1000,
      cpuArch: 'x86_64',
      cpuInfo: { arch: 'x86_64', model: 'Nehalem', vendor: 'Intel', features: ['pge', 'clflush'], topology: { sockets: 1, cores, threads: 1 } },
      hostIp: this.hostIp,
      vcpus: this.total.vcpus,
      memoryMb: this.total.memoryMb,
      localGb: this.total.localGb,
      vcpusUsed: used.vcpus,
      memoryMbUsed: used.memoryMb,
      localGbUsed: used.localGb,
      diskAvailableLeastGb: this.total.localGb - used.localGb,
      runningVms: this.instances.size,
    };
  }

  async getConsoleOutput({ instanceId }: { instanceId: string }): Promise<string> {
    this.supports('getConsoleOutput', this.capabilities.supportsConsoleLog);
    const guest = this.require(instanceId);
    return guest.consoleLines.map((line) => `${line}\n`).join('');
  }

  /** nova/virt/fake.py `get_diagnostics`: the same made-up figures for every guest, whatever its flavor. */
  async getDiagnostics({ instanceId }: { instanceId: string }): Promise<Record<string, number>> {
    this.diagnosable(instanceId);
    return {
      cpu0_time: 17300000000,
      memory: 524288,
      vda_errors: -1,
      vda_read: 262144,
      vda_read_req: 112,
      vda_write: 5778432,
      vda_write_req: 488,
      vnet1_rx: 2070139,
      vnet1_rx_drop: 0,
      vnet1_rx_errors: 0,
      vnet1_rx_packets: 26701,
      vnet1_tx: 140208,
      vnet1_tx_drop: 0,
      vnet1_tx_errors: 0,
      vnet1_tx_packets: 662,
    };
  }

  /** nova/virt/fake.py `get_instance_diagnostics`: made-up figures too, a libvirt/kvm guest's, whatever the flavor. */
  async getInstanceDiagnostics({ instanceId }: { instanceId: string; launchedAt: string | null }): Promise<InstanceDiagnostics> {
    this.diagnosable(instanceId);
    return {
      state: 'running',
      driver: 'libvirt',
      hypervisor: 'kvm',
      hypervisorOs: 'ubuntu',
      uptime: 46664,
      configDrive: true,
      memoryDetails: { maximum: 524288, used: 0 },
      cpuDetails: [{ id: 0, time: 17300000000, utilisation: 15 }],
      nicDetails: [
        {
          macAddress: '01:23:45:67:89:ab',
          rxOctets: 2070139,
          rxErrors: 100,
          rxDrop: 200,
          rxPackets: 26701,
          rxRate: 300,
          txOctets: 140208,
          txErrors: 400,
          txDrop: 500,
          txPackets: 662,
          txRate: 600,
        },
      ],
      diskDetails: [{ readBytes: 262144, readRequests: 112, writeBytes: 5778432, writeRequests: 488, errorsCount: 1 }],
    };
  }

  async attachVolume(opts: { instanceId: string; volumeId: string; device: string; connectionInfo: Record<string, unknown> }): Promise<void> {
    this.supports('attachVolume', this.capabilities.supportsVolumeAttach);
    await this.settle();
    const { instanceId, volumeId, device } = opts;
    const guest = this.require(instanceId);
    // Nova's API allows no attach to a suspended server: libvirt cannot change a saved guest's devices.
    if (guest.state === SUSPENDED) throw new InstanceInvalidPowerState(instanceId, 'attachVolume', guest.state);
    const attached = guest.volumes.get(volumeId);
    if (attached?.device === device) return;
    if (attached) throw new DriverOperationFailed('attachVolume', instanceId, `volume ${volumeId} is already attached at ${attached.device}`);
    const holder = [...guest.volumes.values()].find((v) => v.device === device);
    if (holder) throw new DriverOperationFailed('attachVolume', instanceId, `device ${device} is in use by volume ${holder.volumeId}`);
    this.injectFailure('attachVolume', instanceId, guest.spec.displayName);
    guest.volumes.set(volumeId, { volumeId, device, connectionInfo: structuredClone(opts.connectionInfo) });
  }

  async detachVolume({ instanceId, volumeId }: { instanceId: string; volumeId: string }): Promise<void> {
    this.supports('detachVolume', this.capabilities.supportsVolumeAttach);
    await this.settle();
    const guest = this.instances.get(instanceId);
    if (!guest?.volumes.has(volumeId)) return;
    if (guest.state === SUSPENDED) throw new InstanceInvalidPowerState(instanceId, 'detachVolume', guest.state);
    this.injectFailure('detachVolume', instanceId, guest.spec.displayName);
    guest.volumes.delete(volumeId);
  }

  async snapshot({ instanceId }: { instanceId: string }): Promise<DiskSnapshot> {
    await this.settle();
    const guest = this.require(instanceId);
    if (guest.state !== SHUTDOWN && guest.state !== SUSPENDED) throw new InstanceInvalidPowerState(instanceId, 'snapshot', guest.state);
    this.injectFailure('snapshot', instanceId, guest.spec.displayName);
    const { rootGb } = guest.spec.flavor;
    // No disk exists: the same few bytes for the same guest, so that a redelivered shelve stores the same image.
    const bytes = Buffer.from(`fake disk of instance ${instanceId}, image ${guest.spec.image.id}\n`);
    return { diskFormat: 'raw', virtualSize: rootGb > 0 ? rootGb * GIB : null, stream: Readable.from([bytes], { objectMode: false }) };
  }

  /** What the fake holds for an instance, or null; for tests that check what a user could not see through the port. */
  inspect(instanceId: string): FakeInstanceView | null {
    const guest = this.instances.get(instanceId);
    if (!guest) return null;
    return structuredClone({
      instance: guest.spec,
      state: guest.state,
      consoleLines: guest.consoleLines,
      volumes: [...guest.volumes.values()],
      pendingResize: guest.pendingResize,
    });
  }

  /** The guest changes power state on its own (shut down from inside, crashed): drift for the agent to notice. */
  simulateExternalPowerState(instanceId: string, state: PowerState): void {
    const guest = this.require(instanceId);
    if (state === RUNNING) this.run(guest);
    else this.halt(guest, state);
  }

  /** The guest disappears behind the driver's back (nova/virt/fake.py `_test_remove_vm`). */
  simulateVanish(instanceId: string): void {
    this.require(instanceId);
    this.instances.delete(instanceId);
  }

  private async settle(): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }

  private supports(operation: DriverOperation, capable: boolean): void {
    if (!capable) throw new OperationNotSupported(operation, this.name);
  }

  /**
   * Nova's compute manager asks for diagnostics of a RUNNING guest only; Nova's fake driver pauses and
   * suspends nothing (its guests stay RUNNING), so on the Nova anchor a paused or suspended server still
   * answers, and only a stopped (or crashed) one is refused. This fake does the same.
   */
  private diagnosable(instanceId: string): void {
    this.supports('getDiagnostics', this.capabilities.supportsDiagnostics);
    const guest = this.require(instanceId);
    if (guest.state !== RUNNING && guest.state !== PAUSED && guest.state !== SUSPENDED) throw new InstanceInvalidPowerState(instanceId, 'getDiagnostics', guest.state);
  }

  private require(instanceId: string): FakeInstance {
    const guest = this.instances.get(instanceId);
    if (!guest) throw new InstanceNotFound(instanceId);
    return guest;
  }

  private injectFailure(operation: FailableOperation, instanceId: string, displayName: string): void {
    for (const armed of this.failures) {
      if (armed.rule.operation !== operation) continue;
      if (armed.displayName && !armed.displayName.test(displayName)) continue;
      if (armed.budget.remaining !== undefined) {
        if (armed.budget.remaining === 0) continue;
        armed.budget.remaining -= 1;
      }
      throw new DriverOperationFailed(operation, instanceId, armed.rule.message ?? `injected ${operation} failure`);
    }
  }

  /** Claims of every guest held, plus the disks kept for a resize revert. */
  private used(): ResourceAmounts {
    const used = { ...NO_RESOURCES };
    for (const guest of this.instances.values()) {
      const claim = amountsOf(guest.spec.flavor);
      used.vcpus += claim.vcpus;
      used.memoryMb += claim.memoryMb;
      used.localGb += claim.localGb + (guest.pendingResize ? flavorDiskGb(guest.pendingResize.oldFlavor) : 0);
    }
    return used;
  }

  /** Refuses a claim of `requested` that the host, overcommitted by its ratios, cannot hold once `released` is given back. */
  private ensureFits(instanceId: string, requested: ResourceAmounts, released: ResourceAmounts): void {
    assertFits({ hostname: this.hostname, instanceId }, requested, released, { total: this.total, used: this.used(), ratios: this.ratios });
  }

  /** A fresh guest process from power-off: the console shows a boot. */
  private boot(guest: FakeInstance): void {
    const { spec } = guest;
    this.log(guest, `Booting ${spec.name} (${spec.displayName}) from image ${spec.image.id}: ${spec.flavor.vcpus} vcpus, ${spec.flavor.memoryMb} MB RAM.`);
    this.log(guest, `${spec.name} login:`);
    this.run(guest);
  }

  private run(guest: FakeInstance): void {
    guest.state = RUNNING;
    guest.runningSince ??= this.clock();
  }

  /** Paused keeps its CPU time; every other stop ends the guest process, and a new one starts from zero. */
  private halt(guest: FakeInstance, state: PowerState): void {
    if (guest.runningSince !== null) guest.cpuTimeNs += (this.clock() - guest.runningSince) * 1_000_000;
    guest.runningSince = null;
    if (state !== PAUSED) guest.cpuTimeNs = 0;
    guest.state = state;
  }

  private log(guest: FakeInstance, text: string): void {
    guest.consoleLines.push(`[${new Date(this.clock()).toISOString()}] ${text}`);
  }
}

const FAILABLE: readonly FailableOperation[] = [
  'spawn',
  'destroy',
  'reboot',
  'powerOff',
  'powerOn',
  'pause',
  'unpause',
  'suspend',
  'resume',
  'rebuild',
  'resize',
  'revertResize',
  'confirmResize',
  'attachVolume',
  'detachVolume',
  'snapshot',
];

const FAILURES_FORMAT =
  'expected comma-separated rules operation[:displayName-regex[:times]], e.g. "spawn:^fail-,reboot:boom:2", ' +
  `where operation is one of ${FAILABLE.join(', ')} and times is a positive integer`;

/** Failure rules from an environment-style string such as `spawn:^fail-,reboot:boom:2`; a blank string is no rules. */
export function parseFakeFailures(spec: string): FailureRule[] {
  if (spec.trim() === '') return [];
  return spec.split(',').map((raw) => {
    const item = raw.trim();
    const colon = item.indexOf(':');
    const operation = colon < 0 ? item : item.slice(0, colon);
    let pattern = colon < 0 ? '' : item.slice(colon + 1);
    if (!(FAILABLE as readonly string[]).includes(operation)) throw new Error(`Invalid fake failure rule "${item}": ${FAILURES_FORMAT}`);
    const rule: FailureRule = { operation: operation as FailableOperation };
    const counted = /^(.*):(\d+)$/.exec(pattern);
    if (counted) {
      const times = Number(counted[2]);
      if (!Number.isSafeInteger(times) || times < 1) throw new Error(`Invalid fake failure rule "${item}": ${FAILURES_FORMAT}`);
      rule.times = times;
      pattern = counted[1];
    }
    if (pattern !== '') {
      try {
        rule.displayName = new RegExp(pattern);
      } catch (error) {
        throw new Error(`Invalid fake failure rule "${item}" (${(error as Error).message}): ${FAILURES_FORMAT}`);
      }
    }
    return rule;
  });
}

export type FakeHostResources = Partial<Pick<FakeComputeDriverOptions, 'vcpus' | 'memoryMb' | 'localGb'>>;

const RESOURCE_KEYS = { vcpus: 'vcpus', ram: 'memoryMb', disk: 'localGb' } as const;
const RESOURCES_FORMAT = 'expected comma-separated key=value pairs with keys vcpus, ram (MB) and disk (GB) and positive integer values, e.g. "vcpus=4,ram=8192,disk=80"';

/** Host size from an environment-style string such as `vcpus=4,ram=8192,disk=80` (Nova flavor field names); a blank string sets nothing. */
export function parseFakeResources(spec: string): FakeHostResources {
  const resources: FakeHostResources = {};
  if (spec.trim() === '') return resources;
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    const m = /^([a-z]+)=(\d+)$/.exec(item);
    const key = m && Object.prototype.hasOwnProperty.call(RESOURCE_KEYS, m[1]) ? RESOURCE_KEYS[m[1] as keyof typeof RESOURCE_KEYS] : undefined;
    const value = m ? Number(m[2]) : NaN;
    if (!key || !Number.isSafeInteger(value) || value < 1) throw new Error(`Invalid fake host resource "${item}": ${RESOURCES_FORMAT}`);
    if (resources[key] !== undefined) throw new Error(`Fake host resource "${m![1]}" given twice: ${RESOURCES_FORMAT}`);
    resources[key] = value;
  }
  return resources;
}
