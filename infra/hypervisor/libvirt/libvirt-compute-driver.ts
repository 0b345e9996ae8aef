import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { accessSync, createReadStream, constants as fsConstants } from 'node:fs';
import { access, chmod, copyFile, mkdir, open, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
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
  RebootType,
  ResourceAmounts,
  ComputeDriverError,
  flavorDiskGb,
} from '../compute-driver';
import { CommandFailed, isDomainNotFound, isDomainNotRunning, isMetadataNotFound, QemuImg, Virsh } from './commands';
import { buildDomainXml, DomainType, isUuid, parseInstanceMetadata, STRATA_METADATA_NAMESPACE, StoredInstanceMetadata } from './domain-xml';
import { CachedImage, ImageCache, ImageRejected } from './image-cache';
import { ImageSource } from './image-source';
import { instanceDiagnostics, legacyDiagnostics, parseDomainInterfaces, parseDomstats } from './domstats';
import { DomainInfo, NodeInfo, parseCpuTimeNs, parseDominfo, parseHostCpu, parseHypervisorVersion, parseNodeinfo } from './virsh-output';

/** How far guests may overcommit the host; Nova's `initial_*_allocation_ratio` defaults. */
export interface LibvirtAllocationRatios {
  vcpus: number;
  memoryMb: number;
  localGb: number;
}

export const LIBVIRT_ALLOCATION_RATIO_DEFAULTS: LibvirtAllocationRatios = { vcpus: 4, memoryMb: 1, localGb: 1 };

export interface LibvirtComputeDriverOptions {
  /** Nova's `hypervisor_hostname`: the compute host this driver stands for. */
  hostname: string;
  /** Nova's `instances_path`: one folder per instance, and the image cache in `_base`. */
  instancesPath: string;
  imageSource: ImageSource;
  /** Nova's `[libvirt] connection_uri`; `qemu:///system` by default. */
  uri?: string;
  /** `kvm` when /dev/kvm can be opened, else `qemu` (TCG), unless set. */
  domainType?: DomainType;
  /** Nova's `[libvirt] wait_soft_reboot_seconds` (120): how long an ACPI reboot may take before a hard one. */
  softRebootTimeoutSec?: number;
  /** Nova's `shutdown_timeout` (60): the clean shutdown a resize or rebuild gives the guest before cutting the power. */
  cleanShutdownTimeoutSec?: number;
  /** How often a wait for a guest to shut down looks at it. */
  pollIntervalMs?: number;
  allocationRatios?: Partial<LibvirtAllocationRatios>;
  /** Nova's `my_ip`; the first non-loopback IPv4 address of the host by default. */
  hostIp?: string;
  /** Longest a single `virsh` or `qemu-img` run may take. */
  commandTimeoutMs?: number;
}

/** nova/virt/libvirt/driver.py `MAX_CONSOLE_BYTES`: get_console_output returns the last 100 KiB. */
const MAX_CONSOLE_BYTES = 100 * 1024;
const GIB = 1024 ** 3;

const { RUNNING, PAUSED, SHUTDOWN, SUSPENDED } = POWER_STATE;

/** `kvm` when this process could hand /dev/kvm to QEMU, else `qemu` (TCG: slow but works anywhere). */
export function detectDomainType(): DomainType {
  try {
    accessSync('/dev/kvm', fsConstants.R_OK | fsConstants.W_OK);
    return 'kvm';
  } catch {
    return 'qemu';
  }
}

function defaultHostIp(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const address = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (address) return address.address;
  }
  return '127.0.0.1';
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

const amountsOf = (flavor: Omit<FlavorSpec, 'extraSpecs'>): ResourceAmounts => ({
  vcpus: flavor.vcpus,
  memoryMb: flavor.memoryMb,
  localGb: flavorDiskGb(flavor),
});

/** Operations on one instance run one after the other; different instances go in parallel. */
class InstanceLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

interface StrataDomain {
  instanceId: string;
  stored: StoredInstanceMetadata;
}

interface HostFacts {
  node: NodeInfo;
  hypervisor: { type: string; version: number };
  cpuInfo: Record<string, unknown>;
}

/**
 * Nova's libvirt driver (nova/virt/libvirt/driver.py) over `virsh` and `qemu-img`: one persistent domain
 * per instance, named `instance.name` with the instance id as its uuid and Strata's metadata, booting a
 * qcow2 overlay on a cached base image; the serial console goes to a file. Domains without Strata's
 * metadata are never listed nor touched.
 *
 * Files: `<instancesPath>/<instanceId>/` holds `disk`, `console.log`, `libvirt.xml`, `disk.resize-old`
 * while a resize awaits confirm or revert, `spawned` once a spawn has finished (so a redelivered
 * spawn tells a guest it must finish booting from one the user stopped), and `.disk.snapshot-<hex>`
 * while the stream of a snapshot is open.
 */
export class LibvirtComputeDriver implements ComputeDriver {
  readonly name = 'libvirt';
  readonly capabilities: Readonly<ComputeDriverCapabilities> = Object.freeze({
    supportsPause: true,
    supportsSuspend: true,
    supportsResize: true,
    supportsDiskShrink: false,
    supportsRebuild: true,
    supportsConsoleLog: true,
    supportsVolumeAttach: false,
    supportsDiagnostics: true,
    // Moving a guest means carrying its disk to the other host, which this driver does not do (Nova's copies it over SSH).
    supportsColdMigration: false,
  });
  readonly hostname: string;
  readonly instancesPath: string;
  readonly domainType: DomainType;
  private readonly virsh: Virsh;
  private readonly qemuImg: QemuImg;
  private readonly images: ImageCache;
  private readonly softRebootTimeoutSec: number;
  private readonly cleanShutdownTimeoutSec: number;
  private readonly pollIntervalMs: number;
  private readonly ratios: LibvirtAllocationRatios;
  private readonly hostIp: string;
  private readonly locks = new InstanceLocks();
  private hostFacts: Promise<HostFacts> | null = null;

  constructor(options: LibvirtComputeDriverOptions) {
    if (!options.hostname) throw new RangeError('LibvirtComputeDriver needs a hostname');
    if (!options.instancesPath) throw new RangeError('LibvirtComputeDriver needs an instancesPath');
    this.hostname = options.hostname;
    this.instancesPath = resolve(options.instancesPath);
    this.domainType = options.domainType ?? detectDomainType();
    const timeoutMs = options.commandTimeoutMs ?? 600_000;
    this.virsh = new Virsh(options.uri ?? 'qemu:///system', { timeoutMs });
    this.qemuImg = new QemuImg({ timeoutMs });
    this.images = new ImageCache(join(this.instancesPath, '_base'), options.imageSource, this.qemuImg);
    this.softRebootTimeoutSec = nonNegative('softRebootTimeoutSec', options.softRebootTimeoutSec, 120);
    this.cleanShutdownTimeoutSec = nonNegative('cleanShutdownTimeoutSec', options.cleanShutdownTimeoutSec, 60);
    this.pollIntervalMs = nonNegative('pollIntervalMs', options.pollIntervalMs, 500);
    this.ratios = { ...LIBVIRT_ALLOCATION_RATIO_DEFAULTS, ...options.allocationRatios };
    this.hostIp = options.hostIp ?? defaultHostIp();
  }

  /** The folder of one instance; an id that is not a uuid must never become a path. */
  instancePath(instanceId: string): string {
    if (!isUuid(instanceId)) throw new RangeError(`instance id ${instanceId} is not a uuid`);
    return join(this.instancesPath, instanceId.toLowerCase());
  }

  async spawn({ instance, powerOn = true }: { instance: InstanceSpec; powerOn?: boolean }): Promise<void> {
    const id = instance.instanceId;
    if (!isUuid(id)) throw new DriverOperationFailed('spawn', id, 'the instance id must be a uuid (it is the domain uuid)');
    await this.locks.run(id, () =>
      this.failingAs('spawn', id, async () => {
        const dir = this.instancePath(id);
        await this.makeDir(this.instancesPath);
        const existing = await this.domainInfo(id);
        if (existing) {
          if (!(await this.stored(id))) throw new DriverOperationFailed('spawn', id, `libvirt holds a domain with uuid ${id} that is not Strata's`);
          return this.finishSpawn(id, dir, existing, powerOn);
        }
        await this.ensureFits(id, amountsOf(instance.flavor), { vcpus: 0, memoryMb: 0, localGb: 0 });
        let defined = false;
        try {
          // Whatever an earlier, crashed attempt left (an overlay, a console log) is made anew.
          await rm(dir, { recursive: true, force: true });
          await this.makeDir(dir);
          const base = await this.images.ensure(instance.image.id);
          await this.createOverlay(dir, base, instance.flavor.rootGb);
          await this.define(dir, instance);
          defined = true;
          if (powerOn) await this.virsh.run('start', id);
          await writeFile(join(dir, 'spawned'), '');
        } catch (error) {
          // The spawn's own error is the one worth reporting; a clean-up that fails too is retried by destroy.
          await this.discard(id, defined).catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  async destroy({ instanceId }: { instanceId: string }): Promise<void> {
    if (!isUuid(instanceId)) return;
    await this.locks.run(instanceId, () =>
      this.failingAs('destroy', instanceId, async () => {
        if (await this.stored(instanceId)) await this.discard(instanceId, true);
        else await rm(this.instancePath(instanceId), { recursive: true, force: true });
      }),
    );
  }

  async reboot({ instanceId, type }: { instanceId: string; type: RebootType }): Promise<void> {
    await this.onInstance('reboot', instanceId, async () => {
      // nova/virt/libvirt/driver.py `_soft_reboot`: ACPI shutdown, wait, start; a guest that ignores it gets a hard reboot.
      if (type === 'SOFT' && (await this.requireInfo(instanceId)).state === RUNNING) {
        await this.virsh.run('shutdown', instanceId, '--mode', 'acpi').catch(ignoreNotRunning);
        if (await this.waitForShutOff(instanceId, this.softRebootTimeoutSec)) {
          await this.virsh.run('start', instanceId);
          return;
        }
      }
      await this.hardReboot(instanceId);
    });
  }

  async powerOff({ instanceId, timeoutSec = 0 }: { instanceId: string; timeoutSec?: number }): Promise<void> {
    await this.onInstance('powerOff', instanceId, () => this.stop(instanceId, timeoutSec));
  }

  async powerOn({ instanceId }: { instanceId: string }): Promise<void> {
    await this.onInstance('powerOn', instanceId, async () => {
      if ((await this.requireInfo(instanceId)).state !== RUNNING) await this.hardReboot(instanceId);
    });
  }

  async pause({ instanceId }: { instanceId: string }): Promise<void> {
    await this.onInstance('pause', instanceId, async () => {
      const { state } = await this.requireInfo(instanceId);
      if (state === PAUSED) return;
      if (state !== RUNNING) throw new InstanceInvalidPowerState(instanceId, 'pause', state);
      await this.virsh.run('suspend', instanceId);
    });
  }

  async unpause({ instanceId }: { instanceId: string }): Promise<void> {
    await this.onInstance('unpause', instanceId, async () => {
      const { state } = await this.requireInfo(instanceId);
      if (state === RUNNING) return;
      if (state !== PAUSED) throw new InstanceInvalidPowerState(instanceId, 'unpause', state);
      await this.virsh.run('resume', instanceId);
    });
  }

  async suspend({ instanceId }: { instanceId: string }): Promise<void> {
    await this.onInstance('suspend', instanceId, async () => {
      const { state } = await this.requireInfo(instanceId);
      if (state === SUSPENDED) return;
      if (state !== RUNNING && state !== PAUSED) throw new InstanceInvalidPowerState(instanceId, 'suspend', state);
      // A paused guest comes back running, as Nova resumes a suspended server.
      await this.virsh.run('managedsave', instanceId, '--running');
    });
  }

  async resume({ instanceId }: { instanceId: string }): Promise<void> {
    await this.onInstance('resume', instanceId, async () => {
      const info = await this.requireInfo(instanceId);
      if (info.state === RUNNING) return;
      if (info.state !== SUSPENDED) throw new InstanceInvalidPowerState(instanceId, 'resume', info.state);
      if (info.hasManagedSave) await this.virsh.run('start', instanceId);
      else await this.virsh.run('dompmwakeup', instanceId);
    });
  }

  async rebuild({ instance }: { instance: InstanceSpec }): Promise<void> {
    const id = instance.instanceId;
    await this.onInstance('rebuild', id, async (stored) => {
      const dir = this.instancePath(id);
      await this.stop(id, this.cleanShutdownTimeoutSec);
      // The flavor stays the one the guest has; only the image and what the guest is known by change.
      const flavor: FlavorSpec = { ...stored.flavor, extraSpecs: instance.flavor.id === stored.flavor.id ? instance.flavor.extraSpecs : {} };
      const rebuilt = { ...instance, flavor };
      const base = await this.images.ensure(instance.image.id);
      await this.createOverlay(dir, base, flavor.rootGb);
      await this.define(dir, rebuilt);
      await this.virsh.run('start', id);
    });
  }

  async resize({ instance, powerOn = true }: { instance: InstanceSpec; powerOn?: boolean }): Promise<void> {
    const id = instance.instanceId;
    await this.onInstance('resize', id, async (stored) => {
      const dir = this.instancePath(id);
      const info = await this.requireInfo(id);
      if (info.state !== RUNNING && info.state !== SHUTDOWN) throw new InstanceInvalidPowerState(id, 'resize', info.state);
      const kept = join(dir, 'disk.resize-old');
      if (await exists(kept)) throw new DriverOperationFailed('resize', id, `the resize from flavor ${stored.flavor.id} awaits confirm or revert`);
      const from = stored.flavor;
      const to = instance.flavor;
      // nova/virt/libvirt/driver.py `migrate_disk_and_power_off` raises InstanceFaultRollback(ResizeError(...)) with this reason.
      if (to.rootGb < from.rootGb || to.ephemeralGb < from.ephemeralGb) throw new DriverOperationFailed('resize', id, 'Unable to resize disk down.');
      // The old disk stays until confirm, so only vcpus and RAM are handed back for the new flavor.
      await this.ensureFits(id, amountsOf(to), { vcpus: from.vcpus, memoryMb: from.memoryMb, localGb: 0 });
      const disk = join(dir, 'disk');
      const oldXml = await this.virsh.run('dumpxml', '--inactive', id);
      await this.stop(id, this.cleanShutdownTimeoutSec);
      const keptPart = join(dir, '.disk.resize-old.part');
      await copyFile(disk, keptPart);
      await rename(keptPart, kept);
      try {
        if (to.rootGb > 0) {
          const { virtualSize } = await this.qemuImg.info(disk, 'qcow2');
          if (to.rootGb * GIB > virtualSize) await this.qemuImg.resize(disk, 'qcow2', to.rootGb * GIB);
        }
        await this.define(dir, instance);
        if (powerOn) await this.virsh.run('start', id);
      } catch (error) {
        // Back to the guest as it was: old disk, old definition, old power state.
        await this.virsh.run('destroy', id).catch(() => undefined);
        await rename(kept, disk).catch(() => undefined);
        await writeFile(join(dir, 'libvirt.xml'), oldXml).catch(() => undefined);
        await this.virsh.run('define', join(dir, 'libvirt.xml')).catch(() => undefined);
        if (info.state === RUNNING) await this.virsh.run('start', id).catch(() => undefined);
        throw error;
      }
    });
  }

  async revertResize({ instance, powerOn = true }: { instance: InstanceSpec; powerOn?: boolean }): Promise<void> {
    const id = instance.instanceId;
    await this.onInstance('revertResize', id, async (stored) => {
      const dir = this.instancePath(id);
      const kept = join(dir, 'disk.resize-old');
      if (!(await exists(kept))) {
        if (stored.flavor.id === instance.flavor.id) return;
        throw new DriverOperationFailed('revertResize', id, 'there is no resize to revert');
      }
      // nova/virt/libvirt/driver.py `finish_revert_migration` destroys the resized guest outright.
      await this.stop(id, 0);
      await rename(kept, join(dir, 'disk'));
      await this.define(dir, instance);
      if (powerOn) await this.virsh.run('start', id);
    });
  }

  async confirmResize({ instanceId }: { instanceId: string }): Promise<void> {
    if (!isUuid(instanceId)) return;
    await this.locks.run(instanceId, () =>
      this.failingAs('confirmResize', instanceId, () => rm(join(this.instancePath(instanceId), 'disk.resize-old'), { force: true })),
    );
  }

  async getInfo({ instanceId }: { instanceId: string }): Promise<InstanceInfo> {
    if (!isUuid(instanceId)) throw new InstanceNotFound(instanceId);
    const [stored, info, domstats] = await Promise.all([
      this.stored(instanceId),
      this.domainInfo(instanceId),
      this.virsh.run('domstats', '--cpu-total', instanceId).catch(() => ''),
    ]);
    if (!stored || !info) throw new InstanceNotFound(instanceId);
    return {
      state: info.state,
      maxMemKb: info.maxMemKb,
      memKb: info.memKb,
      numCpu: info.numCpu,
      cpuTimeNs: info.active ? parseCpuTimeNs(domstats) : 0,
    };
  }

  async listInstances(): Promise<string[]> {
    return (await this.strataDomains()).map((d) => d.instanceId).sort();
  }

  async getAvailableResource(): Promise<HostResources> {
    const [facts, domains, disk] = await Promise.all([this.facts(), this.strataDomains(), this.diskOfInstancesPath()]);
    const used = { vcpus: 0, memoryMb: 0, localGb: 0 };
    let overCommittedBytes = 0;
    for (const { instanceId, stored } of domains) {
      const claim = amountsOf(stored.flavor);
      used.vcpus += claim.vcpus;
      used.memoryMb += claim.memoryMb;
      used.localGb += claim.localGb;
      // nova's `disk_available_least`: what thin overlays may still grow into is not free.
      const allocated = await stat(join(this.instancePath(instanceId), 'disk')).then(
        (s) => s.blocks * 512,
        () => null,
      );
      if (allocated !== null) overCommittedBytes += Math.max(0, claim.localGb * GIB - allocated);
    }
    return {
      hypervisorHostname: this.hostname,
      hypervisorType: facts.hypervisor.type,
      hypervisorVersion: facts.hypervisor.version,
      cpuArch: facts.node.cpuArch,
      cpuInfo: facts.cpuInfo,
      hostIp: this.hostIp,
      vcpus: facts.node.vcpus,
      memoryMb: facts.node.memoryMb,
      localGb: Math.floor(disk.totalBytes / GIB),
      vcpusUsed: used.vcpus,
      memoryMbUsed: used.memoryMb,
      localGbUsed: used.localGb,
      diskAvailableLeastGb: Math.floor((disk.freeBytes - overCommittedBytes) / GIB),
      runningVms: domains.length,
    };
  }

  async getConsoleOutput({ instanceId }: { instanceId: string }): Promise<string> {
    if (!isUuid(instanceId) || !(await this.stored(instanceId))) throw new InstanceNotFound(instanceId);
    const path = join(this.instancePath(instanceId), 'console.log');
    let file;
    try {
      file = await open(path, 'r');
    } catch (error) {
      // Not booted yet (or never from this host): nothing printed so far.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
    try {
      const { size } = await file.stat();
      const length = Math.min(size, MAX_CONSOLE_BYTES);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      await file.close();
    }
  }

  async getDiagnostics({ instanceId }: { instanceId: string }): Promise<Record<string, number>> {
    const { info, stats, xml } = await this.diagnosticsSources(instanceId);
    return legacyDiagnostics(stats, parseDomainInterfaces(xml), info.maxMemKb);
  }

  async getInstanceDiagnostics({ instanceId, launchedAt }: { instanceId: string; launchedAt: string | null }): Promise<InstanceDiagnostics> {
    const { info, stats, xml } = await this.diagnosticsSources(instanceId);
    const launched = launchedAt === null ? NaN : Date.parse(launchedAt);
    // nova/virt/libvirt/driver.py: seconds since the server's launched_at, not since this QEMU process started.
    const uptime = Number.isNaN(launched) ? null : Math.max(0, Math.floor((Date.now() - launched) / 1000));
    return instanceDiagnostics({ info, stats, interfaces: parseDomainInterfaces(xml), hypervisor: this.domainType, uptime });
  }

  /**
   * What diagnostics are read from: `dominfo`, `domstats` and the live XML of a running Strata guest. A read:
   * it takes no instance lock, so it never waits behind a long operation on the guest.
   */
  private diagnosticsSources(instanceId: string): Promise<{ info: DomainInfo; stats: Map<string, string>; xml: string }> {
    if (!isUuid(instanceId)) return Promise.reject(new InstanceNotFound(instanceId));
    return this.failingAs('getDiagnostics', instanceId, async () => {
      if (!(await this.stored(instanceId))) throw new InstanceNotFound(instanceId);
      const info = await this.requireInfo(instanceId);
      // nova/compute/manager.py `get_diagnostics`: a running guest only (libvirt's "idle" is running too).
      if (info.state !== RUNNING) throw new InstanceInvalidPowerState(instanceId, 'getDiagnostics', info.state);
      const [stats, xml] = await Promise.all([this.virsh.run('domstats', instanceId), this.virsh.run('dumpxml', instanceId)]);
      return { info, stats: parseDomstats(stats), xml };
    });
  }

  async attachVolume(): Promise<void> {
    throw new OperationNotSupported('attachVolume', this.name);
  }

  async detachVolume(): Promise<void> {
    throw new OperationNotSupported('detachVolume', this.name);
  }

  /**
   * nova/virt/libvirt/driver.py `snapshot` of a stopped guest: `qemu-img convert` flattens the overlay and
   * its base into one qcow2 in the instance folder, which goes with the stream, or with the instance.
   */
  async snapshot({ instanceId }: { instanceId: string }): Promise<DiskSnapshot> {
    return this.onInstance('snapshot', instanceId, async () => {
      const { state } = await this.requireInfo(instanceId);
      // Shut off, or suspended (a managed save: no QEMU process holds the disk), the disk is at rest.
      if (state !== SHUTDOWN && state !== SUSPENDED) throw new InstanceInvalidPowerState(instanceId, 'snapshot', state);
      const dir = this.instancePath(instanceId);
      // Named apart, as the stream of an earlier snapshot may still be read while this one is made.
      const copy = join(dir, `.disk.snapshot-${randomBytes(6).toString('hex')}`);
      try {
        // Without -U: a guest started behind the driver's back holds the disk's write lock and fails the copy.
        await this.qemuImg.convert({ path: join(dir, 'disk'), format: 'qcow2' }, { path: copy, format: 'qcow2' });
        const { virtualSize } = await this.qemuImg.info(copy, 'qcow2');
        const stream = createReadStream(copy);
        stream.once('close', () => void rm(copy, { force: true }).catch(() => undefined));
        await once(stream, 'open');
        return { diskFormat: 'qcow2', virtualSize, stream };
      } catch (error) {
        await rm(copy, { force: true });
        throw error;
      }
    });
  }

  /** Runs `work` on a Strata domain that must exist, one operation per instance at a time, with typed errors. */
  private onInstance<T>(operation: DriverOperation, instanceId: string, work: (stored: StoredInstanceMetadata) => Promise<T>): Promise<T> {
    if (!isUuid(instanceId)) return Promise.reject(new InstanceNotFound(instanceId));
    return this.locks.run(instanceId, () =>
      this.failingAs(operation, instanceId, async () => {
        const stored = await this.stored(instanceId);
        if (!stored) throw new InstanceNotFound(instanceId);
        return work(stored);
      }),
    );
  }

  /** The port's typed errors out of whatever virsh, qemu-img, the image cache or the file system threw. */
  private async failingAs<T>(operation: DriverOperation, instanceId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ComputeDriverError) throw error;
      if (isDomainNotFound(error)) throw new InstanceNotFound(instanceId);
      if (error instanceof CommandFailed) throw new DriverOperationFailed(operation, instanceId, error.reason);
      if (error instanceof ImageRejected) throw new DriverOperationFailed(operation, instanceId, error.message);
      if (error instanceof Error) throw new DriverOperationFailed(operation, instanceId, error.message);
      throw error;
    }
  }

  /** Strata's metadata of the domain with this uuid; null when libvirt has no such domain or it is not Strata's. */
  private async stored(instanceId: string): Promise<StoredInstanceMetadata | null> {
    try {
      return parseInstanceMetadata(await this.virsh.run('metadata', instanceId, '--uri', STRATA_METADATA_NAMESPACE));
    } catch (error) {
      if (isDomainNotFound(error) || isMetadataNotFound(error)) return null;
      throw error;
    }
  }

  private async domainInfo(instanceId: string): Promise<DomainInfo | null> {
    try {
      return parseDominfo(await this.virsh.run('dominfo', instanceId));
    } catch (error) {
      if (isDomainNotFound(error)) return null;
      throw error;
    }
  }

  private async requireInfo(instanceId: string): Promise<DomainInfo> {
    const info = await this.domainInfo(instanceId);
    if (!info) throw new InstanceNotFound(instanceId);
    return info;
  }

  /** Every domain carrying Strata's metadata, whatever its power state. */
  private async strataDomains(): Promise<StrataDomain[]> {
    const uuids = (await this.virsh.run('list', '--all', '--uuid'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    const found: StrataDomain[] = [];
    for (let i = 0; i < uuids.length; i += 8) {
      const batch = await Promise.all(uuids.slice(i, i + 8).map(async (instanceId) => ({ instanceId, stored: await this.stored(instanceId) })));
      for (const { instanceId, stored } of batch) if (stored) found.push({ instanceId, stored });
    }
    return found;
  }

  private facts(): Promise<HostFacts> {
    this.hostFacts ??= (async () => {
      const [nodeinfo, version, capabilities] = await Promise.all([
        this.virsh.run('nodeinfo'),
        this.virsh.run('version'),
        this.virsh.run('capabilities'),
      ]);
      return { node: parseNodeinfo(nodeinfo), hypervisor: parseHypervisorVersion(version), cpuInfo: parseHostCpu(capabilities) };
    })();
    this.hostFacts.catch(() => {
      this.hostFacts = null;
    });
    return this.hostFacts;
  }

  private async diskOfInstancesPath(): Promise<{ totalBytes: number; freeBytes: number }> {
    await this.makeDir(this.instancesPath);
    const fs = await statfs(this.instancesPath);
    return { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
  }

  /** Refuses a claim the host, overcommitted by its ratios, cannot hold once `released` is given back. */
  private async ensureFits(instanceId: string, requested: ResourceAmounts, released: ResourceAmounts): Promise<void> {
    const host = await this.getAvailableResource();
    assertFits({ hostname: this.hostname, instanceId }, requested, released, {
      total: { vcpus: host.vcpus, memoryMb: host.memoryMb, localGb: host.localGb },
      used: { vcpus: host.vcpusUsed, memoryMb: host.memoryMbUsed, localGb: host.localGbUsed },
      ratios: this.ratios,
    });
  }

  /** A redelivered spawn of a domain that exists: boot it if an earlier attempt stopped short of that, else leave it be. */
  private async finishSpawn(instanceId: string, dir: string, info: DomainInfo, powerOn: boolean): Promise<void> {
    const marker = join(dir, 'spawned');
    if (!(await exists(dir)) || (await exists(marker))) return;
    if (powerOn && info.state === SHUTDOWN) await this.virsh.run('start', instanceId);
    await writeFile(marker, '');
  }

  /** A qcow2 overlay on the cached base, sized to the flavor's root disk (the image's own size for a 0 GB root), put in place whole. */
  private async createOverlay(dir: string, base: CachedImage, rootGb: number): Promise<void> {
    const sizeBytes = rootGb > 0 ? rootGb * GIB : null;
    if (sizeBytes !== null && sizeBytes < base.virtualSizeBytes) {
      // Nova's FlavorDiskSmallerThanImage.
      throw new Error(`Flavor's disk is too small for requested image. Flavor disk is ${sizeBytes} bytes, image is ${base.virtualSizeBytes} bytes.`);
    }
    const part = join(dir, '.disk.part');
    await rm(part, { force: true });
    await this.qemuImg.createOverlay(part, { path: base.path, format: base.format }, sizeBytes);
    await rename(part, join(dir, 'disk'));
  }

  /** Writes the domain definition next to the disk (Nova's `libvirt.xml`) and defines it. */
  private async define(dir: string, instance: InstanceSpec): Promise<void> {
    const xml = buildDomainXml({
      instance,
      domainType: this.domainType,
      diskPath: join(dir, 'disk'),
      diskFormat: 'qcow2',
      consoleLogPath: join(dir, 'console.log'),
    });
    const file = join(dir, 'libvirt.xml');
    await writeFile(file, xml);
    await this.virsh.run('define', file);
  }

  /** Powers the guest off: an ACPI shutdown given `timeoutSec` to finish, then the power cut (Nova's `power_off`). */
  private async stop(instanceId: string, timeoutSec: number): Promise<void> {
    const info = await this.requireInfo(instanceId);
    // A suspended guest that is powered off forgets its saved memory, as a hard reboot would.
    if (info.hasManagedSave) await this.virsh.run('managedsave-remove', instanceId);
    if (!info.active) return;
    if (timeoutSec > 0 && info.state === RUNNING) {
      await this.virsh.run('shutdown', instanceId, '--mode', 'acpi').catch(ignoreNotRunning);
      if (await this.waitForShutOff(instanceId, timeoutSec)) return;
    }
    await this.virsh.run('destroy', instanceId).catch(ignoreNotRunning);
  }

  /** Nova's `_hard_reboot`: whatever state the guest is in, a fresh QEMU process from its definition. */
  private async hardReboot(instanceId: string): Promise<void> {
    await this.stop(instanceId, 0);
    await this.virsh.run('start', instanceId);
  }

  private async waitForShutOff(instanceId: string, timeoutSec: number): Promise<boolean> {
    const deadline = Date.now() + timeoutSec * 1000;
    for (;;) {
      if (!(await this.requireInfo(instanceId)).active) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, Math.min(this.pollIntervalMs, Math.max(0, deadline - Date.now()))));
    }
  }

  /** Removes the domain (when `defined`) and the instance folder; what is already gone is fine. */
  private async discard(instanceId: string, defined: boolean): Promise<void> {
    if (defined) {
      await this.virsh.run('destroy', instanceId).catch((error) => {
        if (!isDomainNotRunning(error) && !isDomainNotFound(error)) throw error;
      });
      await this.virsh.run('undefine', instanceId, '--managed-save', '--snapshots-metadata', '--checkpoints-metadata', '--nvram').catch((error) => {
        if (!isDomainNotFound(error)) throw error;
      });
    }
    await rm(this.instancePath(instanceId), { recursive: true, force: true });
  }

  /** A folder QEMU (libvirt-qemu under dynamic ownership) can traverse, whatever the umask. */
  private async makeDir(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
    await chmod(path, 0o755);
  }
}

function ignoreNotRunning(error: unknown): void {
  if (!isDomainNotRunning(error)) throw error;
}

function nonNegative(what: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`LibvirtComputeDriver ${what} must be 0 or more, got ${value}`);
  return v;
}
