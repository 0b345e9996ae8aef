import {
  ComputeDriver,
  DriverOperationFailed,
  FlavorSpec,
  HostResources,
  InstanceInvalidPowerState,
  InstanceNotFound,
  InstanceSpec,
  OperationNotSupported,
  POWER_STATE,
  PowerState,
  powerStateName,
} from '../../infra/hypervisor';
import { uuidFromName } from '../../infra/ids/ids';

export interface ComputeDriverFixture {
  driver: ComputeDriver;
  cleanup(): Promise<void>;
}

export type ComputeDriverFactory = () => Promise<ComputeDriverFixture>;

/** A fresh instance (new id and domain name) on every call, with `overrides` laid over it. */
export type InstanceFactory = (overrides?: Partial<InstanceSpec>) => InstanceSpec;

export interface ComputeDriverContractOptions {
  /**
   * Connection info of a volume the driver can really attach (for libvirt, a disk it can open);
   * without it the attach round trip is skipped.
   */
  volumeConnection?: (volumeId: string) => Promise<Record<string, unknown>>;
}

/**
 * Instances named `instance-<8 hex>` with ids derived from `scope`, so that runs sharing one
 * hypervisor never collide; `flavor` and `image` are what the driver under test can boot.
 */
export function instanceFactory(base: { scope: string; flavor: FlavorSpec; image: InstanceSpec['image'] }): InstanceFactory {
  let n = 0;
  return (overrides = {}) => {
    n += 1;
    const instanceId = uuidFromName(`${base.scope}/instance/${n}`);
    return {
      instanceId,
      name: `instance-${instanceId.slice(0, 8)}`,
      displayName: `contract-${n}`,
      flavor: structuredClone(base.flavor),
      image: structuredClone(base.image),
      metadata: {},
      keyData: null,
      userData: null,
      ...overrides,
    };
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

const { RUNNING, PAUSED, SHUTDOWN, SUSPENDED } = POWER_STATE;

/** A bigger flavor the same driver can boot: one more vcpu, twice the RAM, the same disks. */
function biggerFlavor(flavor: FlavorSpec): FlavorSpec {
  return { ...flavor, id: `${flavor.id}-bigger`, name: `${flavor.name}.bigger`, vcpus: flavor.vcpus + 1, memoryMb: flavor.memoryMb * 2 };
}

/**
 * What every ComputeDriver (DESIGN.md "Compute, volumes, networks", STYLE.md §9) must do, as Nova's
 * nova/virt/driver.py describes it. Driver neutral: it only looks through the port, cleans up the
 * instances it made, and reads host totals as differences, so it runs against a shared hypervisor.
 * Features a driver's `capabilities` deny are checked to reject with `OperationNotSupported`.
 */
export function computeDriverContract(
  name: string,
  makeDriver: ComputeDriverFactory,
  makeInstance: InstanceFactory,
  options: ComputeDriverContractOptions = {},
): void {
  describe(`ComputeDriver contract: ${name}`, () => {
    let fixture: ComputeDriverFixture;
    let driver: ComputeDriver;
    let made: string[];
    let missing: number;

    beforeEach(async () => {
      fixture = await makeDriver();
      driver = fixture.driver;
      made = [];
      missing = 0;
    });
    afterEach(async () => {
      try {
        for (const instanceId of made) await driver.destroy({ instanceId });
      } finally {
        await fixture.cleanup();
      }
    });

    const instance = (overrides?: Partial<InstanceSpec>): InstanceSpec => {
      const spec = makeInstance(overrides);
      made.push(spec.instanceId);
      return spec;
    };
    const spawned = async (overrides?: Partial<InstanceSpec>): Promise<InstanceSpec> => {
      const spec = instance(overrides);
      await driver.spawn({ instance: spec });
      return spec;
    };
    /** The power state by name, so that a failure reads "shutdown" rather than 4. */
    const stateOf = async (instanceId: string): Promise<string> => powerStateName((await driver.getInfo({ instanceId })).state);
    const named = (state: PowerState) => powerStateName(state);
    /** An id no instance ever had: never spawned by anyone. */
    const missingId = () => uuidFromName(`never-spawned/${name}/${++missing}`);
    const expectNotFound = async (promise: Promise<unknown>, instanceId: string) => {
      const error = await rejectionOf(promise);
      expect(error).toBeInstanceOf(InstanceNotFound);
      expect(error).toMatchObject({ code: 'InstanceNotFound', instanceId });
    };
    const expectNotSupported = async (promise: Promise<unknown>, operation: string) => {
      const error = await rejectionOf(promise);
      expect(error).toBeInstanceOf(OperationNotSupported);
      expect(error).toMatchObject({ code: 'OperationNotSupported', operation });
    };

    describe('spawn and destroy', () => {
      it('spawn boots the guest: listed, RUNNING, sized by its flavor', async () => {
        const spec = await spawned();
        expect(await driver.listInstances()).toContain(spec.instanceId);
        const info = await driver.getInfo({ instanceId: spec.instanceId });
        expect(named(info.state)).toBe(named(RUNNING));
        expect(info).toMatchObject({ numCpu: spec.flavor.vcpus, maxMemKb: spec.flavor.memoryMb * 1024 });
      });

      it('spawn with powerOn false leaves the guest SHUTDOWN', async () => {
        const spec = instance();
        await driver.spawn({ instance: spec, powerOn: false });
        expect(await driver.listInstances()).toContain(spec.instanceId);
        expect(await stateOf(spec.instanceId)).toBe(named(SHUTDOWN));
      });

      it('spawn of an id already there resolves and keeps one guest', async () => {
        const spec = await spawned();
        const before = await driver.getAvailableResource();
        await driver.spawn({ instance: spec });
        expect((await driver.listInstances()).filter((id) => id === spec.instanceId)).toEqual([spec.instanceId]);
        const after = await driver.getAvailableResource();
        expect({ runningVms: after.runningVms, vcpusUsed: after.vcpusUsed }).toEqual({ runningVms: before.runningVms, vcpusUsed: before.vcpusUsed });
      });

      it('spawn of an id already there leaves the guest as it is', async () => {
        const spec = await spawned();
        await driver.powerOff({ instanceId: spec.instanceId });
        await driver.spawn({ instance: spec });
        expect(await stateOf(spec.instanceId)).toBe(named(SHUTDOWN));
      });

      it('destroy removes the guest: not listed, getInfo rejects with InstanceNotFound', async () => {
        const spec = await spawned();
        await driver.destroy({ instanceId: spec.instanceId });
        expect(await driver.listInstances()).not.toContain(spec.instanceId);
        await expectNotFound(driver.getInfo({ instanceId: spec.instanceId }), spec.instanceId);
      });

      it('destroy of a missing instance resolves, as often as it is called', async () => {
        const spec = await spawned();
        await driver.destroy({ instanceId: spec.instanceId });
        await expect(driver.destroy({ instanceId: spec.instanceId })).resolves.toBeUndefined();
        await expect(driver.destroy({ instanceId: missingId() })).resolves.toBeUndefined();
      });

      it('destroy of a stopped guest removes it too', async () => {
        const spec = await spawned();
        await driver.powerOff({ instanceId: spec.instanceId });
        await driver.destroy({ instanceId: spec.instanceId });
        expect(await driver.listInstances()).not.toContain(spec.instanceId);
      });

      it('getInfo of a missing instance rejects with InstanceNotFound carrying the id', async () => {
        const id = missingId();
        await expectNotFound(driver.getInfo({ instanceId: id }), id);
      });

      it('power operations on a missing instance reject with InstanceNotFound', async () => {
        const id = missingId();
        await expectNotFound(driver.reboot({ instanceId: id, type: 'HARD' }), id);
        await expectNotFound(driver.powerOff({ instanceId: id }), id);
        await expectNotFound(driver.powerOn({ instanceId: id }), id);
        expect(await driver.listInstances()).not.toContain(id);
      });
    });

    describe('power', () => {
      it('powerOff ends SHUTDOWN, powerOn ends RUNNING', async () => {
        const { instanceId } = await spawned();
        await driver.powerOff({ instanceId, timeoutSec: 0 });
        expect(await stateOf(instanceId)).toBe(named(SHUTDOWN));
        await driver.powerOn({ instanceId });
        expect(await stateOf(instanceId)).toBe(named(RUNNING));
      });

      it('powerOff of a stopped guest and powerOn of a running one resolve without a change', async () => {
        const { instanceId } = await spawned();
        await driver.powerOn({ instanceId });
        expect(await stateOf(instanceId)).toBe(named(RUNNING));
        await driver.powerOff({ instanceId, timeoutSec: 0 });
        await driver.powerOff({ instanceId, timeoutSec: 0 });
        expect(await stateOf(instanceId)).toBe(named(SHUTDOWN));
      });

      it.each(['SOFT', 'HARD'] as const)('a %s reboot of a running guest ends RUNNING', async (type) => {
        const { instanceId } = await spawned();
        await driver.reboot({ instanceId, type });
        expect(await stateOf(instanceId)).toBe(named(RUNNING));
        expect(await driver.listInstances()).toContain(instanceId);
      });

      it.each(['SOFT', 'HARD'] as const)('a %s reboot of a stopped guest ends RUNNING', async (type) => {
        const { instanceId } = await spawned();
        await driver.powerOff({ instanceId, timeoutSec: 0 });
        await driver.reboot({ instanceId, type });
        expect(await stateOf(instanceId)).toBe(named(RUNNING));
      });

      it('pause ends PAUSED, unpause ends RUNNING (or both are not supported)', async () => {
        const { instanceId } = await spawned();
        if (!driver.capabilities.supportsPause) {
          await expectNotSupported(driver.pause({ instanceId }), 'pause');
          await expectNotSupported(driver.unpause({ instanceId }), 'unpause');
          expect(await stateOf(instanceId)).toBe(named(RUNNING));
          return;
        }
        await driver.pause({ instanceId });
        expect(await stateOf(instanceId)).toBe(named(PAUSED));
        await driver.unpause({ instanceId });
        expect(await stateOf(instanceId)).toBe(named(RUNNING));
      });

      it('pausing a stopped guest rejects with InstanceInvalidPowerState and leaves it SHUTDOWN', async () => {
        const { instanceId } = await spawned();
        await driver.powerOff({ instanceId, timeoutSec: 0 });
        const error = await rejectionOf(driver.pause({ instanceId }));
        if (!driver.capabilities.supportsPause) {
          expect(error).toBeInstanceOf(OperationNotSupported);
          return;
        }
        expect(error).toBeInstanceOf(InstanceInvalidPowerState);
        expect(error).toMatchObject({ code: 'InstanceInvalidPowerState', instanceId, operation: 'pause', state: SHUTDOWN });
        expect(await stateOf(instanceId)).toBe(named(SHUTDOWN));
      });

      it('a HARD reboot of a paused guest ends RUNNING', async () => {
        const { instanceId } = await spawned();
        if (!driver.capabilities.supportsPause) return expectNotSupported(driver.pause({ instanceId }), 'pause');
        await driver.pause({ instanceId });
        await driver.reboot({ instanceId, type: 'HARD' });
        expect(await stateOf(instanceId)).toBe(named(RUNNING));
      });

      it('suspend ends SUSPENDED, resume ends RUNNING (or both are not supported)', async () => {
        const { instanceId } = await spawned();
        if (!driver.capabilities.supportsSuspend) {
          await expectNotSupported(driver.suspend({ instanceId }), 'suspend');
          await expectNotSupported(driver.resume({ instanceId }), 'resume');
          expect(await stateOf(instanceId)).toBe(named(RUNNING));
          return;
        }
        await driver.suspend({ instanceId });
        expect(await stateOf(instanceId)).toBe(named(SUSPENDED));
        expect(await driver.listInstances()).toContain(instanceId);
        await driver.resume({ instanceId });
        expect(await stateOf(instanceId)).toBe(named(RUNNING));
      });

      it('suspending a stopped guest rejects with InstanceInvalidPowerState and leaves it SHUTDOWN', async () => {
        const { instanceId } = await spawned();
        await driver.powerOff({ instanceId, timeoutSec: 0 });
        const error = await rejectionOf(driver.suspend({ instanceId }));
        if (!driver.capabilities.supportsSuspend) {
          expect(error).toBeInstanceOf(OperationNotSupported);
          return;
        }
        expect(error).toBeInstanceOf(InstanceInvalidPowerState);
        expect(error).toMatchObject({ code: 'InstanceInvalidPowerState', instanceId, operation: 'suspend', state: SHUTDOWN });
        expect(await stateOf(instanceId)).toBe(named(SHUTDOWN));
      });
    });

    describe('snapshot (shelve)', () => {
      const bytesOf = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
        return Buffer.concat(chunks);
      };

      it('snapshot of a stopped guest gives its root disk as qcow2 or raw bytes and leaves the guest stopped', async () => {
        const { instanceId } = await spawned();
        await driver.powerOff({ instanceId, timeoutSec: 0 });
        const copy = await driver.snapshot({ instanceId });
        expect(['qcow2', 'raw']).toContain(copy.diskFormat);
        expect((await bytesOf(copy.stream)).length).toBeGreaterThan(0);
        expect(await stateOf(instanceId)).toBe(named(SHUTDOWN));
        expect(await driver.listInstances()).toContain(instanceId);
      });

      it('snapshot of a running guest rejects with InstanceInvalidPowerState; of a missing one with InstanceNotFound', async () => {
        const { instanceId } = await spawned();
        const error = await rejectionOf(driver.snapshot({ instanceId }));
        expect(error).toBeInstanceOf(InstanceInvalidPowerState);
        expect(error).toMatchObject({ code: 'InstanceInvalidPowerState', instanceId, operation: 'snapshot', state: RUNNING });
        expect(await stateOf(instanceId)).toBe(named(RUNNING));
        const id = missingId();
        await expectNotFound(driver.snapshot({ instanceId: id }), id);
      });

      it('powerOff of a paused or suspended guest ends SHUTDOWN, as shelve needs (where the driver pauses and suspends)', async () => {
        const paused = await spawned();
        if (driver.capabilities.supportsPause) {
          await driver.pause({ instanceId: paused.instanceId });
          await driver.powerOff({ instanceId: paused.instanceId, timeoutSec: 0 });
          expect(await stateOf(paused.instanceId)).toBe(named(SHUTDOWN));
        }
        const suspended = await spawned();
        if (driver.capabilities.supportsSuspend) {
          await driver.suspend({ instanceId: suspended.instanceId });
          await driver.powerOff({ instanceId: suspended.instanceId, timeoutSec: 0 });
          expect(await stateOf(suspended.instanceId)).toBe(named(SHUTDOWN));
        }
      });
    });

    describe('rebuild', () => {
      it('rebuild from another image ends RUNNING with the same flavor (or is not supported)', async () => {
        const spec = await spawned();
        const rebuilt: InstanceSpec = { ...spec, displayName: `${spec.displayName}-rebuilt`, metadata: { rebuilt: 'yes' } };
        if (!driver.capabilities.supportsRebuild) return expectNotSupported(driver.rebuild({ instance: rebuilt }), 'rebuild');
        await driver.rebuild({ instance: rebuilt });
        expect(await driver.getInfo({ instanceId: spec.instanceId })).toMatchObject({ state: RUNNING, numCpu: spec.flavor.vcpus });
        expect((await driver.listInstances()).filter((id) => id === spec.instanceId)).toHaveLength(1);
      });

      it('rebuild of a stopped guest ends RUNNING, as Nova drivers do', async () => {
        const spec = await spawned();
        await driver.powerOff({ instanceId: spec.instanceId, timeoutSec: 0 });
        if (!driver.capabilities.supportsRebuild) return expectNotSupported(driver.rebuild({ instance: spec }), 'rebuild');
        await driver.rebuild({ instance: spec });
        expect(await stateOf(spec.instanceId)).toBe(named(RUNNING));
      });

      it('rebuild of a missing instance rejects with InstanceNotFound', async () => {
        if (!driver.capabilities.supportsRebuild) return;
        const spec = instance();
        await expectNotFound(driver.rebuild({ instance: spec }), spec.instanceId);
        expect(await driver.listInstances()).not.toContain(spec.instanceId);
      });
    });

    describe('resize', () => {
      it('resize gives the guest the new flavor and ends RUNNING; revert gives back the old one (or neither is supported)', async () => {
        const spec = await spawned();
        const bigger = { ...spec, flavor: biggerFlavor(spec.flavor) };
        if (!driver.capabilities.supportsResize) {
          await expectNotSupported(driver.resize({ instance: bigger }), 'resize');
          await expectNotSupported(driver.revertResize({ instance: spec }), 'revertResize');
          await expectNotSupported(driver.confirmResize({ instanceId: spec.instanceId }), 'confirmResize');
          return;
        }
        await driver.resize({ instance: bigger });
        expect(await driver.getInfo({ instanceId: spec.instanceId })).toMatchObject({
          state: RUNNING,
          numCpu: bigger.flavor.vcpus,
          maxMemKb: bigger.flavor.memoryMb * 1024,
        });
        await driver.revertResize({ instance: spec });
        expect(await driver.getInfo({ instanceId: spec.instanceId })).toMatchObject({
          state: RUNNING,
          numCpu: spec.flavor.vcpus,
          maxMemKb: spec.flavor.memoryMb * 1024,
        });
      });

      it('confirmResize keeps the new flavor; confirming again resolves', async () => {
        const spec = await spawned();
        if (!driver.capabilities.supportsResize) return;
        const bigger = { ...spec, flavor: biggerFlavor(spec.flavor) };
        await driver.resize({ instance: bigger });
        await driver.confirmResize({ instanceId: spec.instanceId });
        await driver.confirmResize({ instanceId: spec.instanceId });
        expect(await driver.getInfo({ instanceId: spec.instanceId })).toMatchObject({ state: RUNNING, numCpu: bigger.flavor.vcpus });
      });

      it('resize of a stopped guest with powerOn false keeps it SHUTDOWN, with the new flavor', async () => {
        const spec = await spawned();
        if (!driver.capabilities.supportsResize) return;
        await driver.powerOff({ instanceId: spec.instanceId, timeoutSec: 0 });
        const bigger = { ...spec, flavor: biggerFlavor(spec.flavor) };
        await driver.resize({ instance: bigger, powerOn: false });
        expect(await driver.getInfo({ instanceId: spec.instanceId })).toMatchObject({ state: SHUTDOWN, numCpu: bigger.flavor.vcpus });
      });

      it('resize to a smaller root disk resizes where the driver can shrink disks', async () => {
        const spec = await spawned();
        if (!driver.capabilities.supportsResize || !driver.capabilities.supportsDiskShrink || spec.flavor.rootGb === 0) return;
        const smaller = { ...spec, flavor: { ...spec.flavor, id: `${spec.flavor.id}-smaller`, rootGb: spec.flavor.rootGb - 1, vcpus: spec.flavor.vcpus + 1 } };
        await driver.resize({ instance: smaller });
        expect(await driver.getInfo({ instanceId: spec.instanceId })).toMatchObject({ state: RUNNING, numCpu: smaller.flavor.vcpus });
      });

      it('resize to a smaller root disk rejects with DriverOperationFailed and leaves the guest as it was where it cannot', async () => {
        const spec = await spawned();
        if (!driver.capabilities.supportsResize || driver.capabilities.supportsDiskShrink || spec.flavor.rootGb === 0) return;
        const smaller = { ...spec, flavor: { ...spec.flavor, id: `${spec.flavor.id}-smaller`, rootGb: spec.flavor.rootGb - 1 } };
        const error = await rejectionOf(driver.resize({ instance: smaller }));
        expect(error).toBeInstanceOf(DriverOperationFailed);
        expect(error).toMatchObject({ code: 'DriverOperationFailed', operation: 'resize', instanceId: spec.instanceId });
        expect(await driver.getInfo({ instanceId: spec.instanceId })).toMatchObject({ state: RUNNING, numCpu: spec.flavor.vcpus });
      });
    });

    describe('console', () => {
      it('getConsoleOutput of a running guest is a string (or is not supported)', async () => {
        const { instanceId } = await spawned();
        if (!driver.capabilities.supportsConsoleLog) return expectNotSupported(driver.getConsoleOutput({ instanceId }), 'getConsoleOutput');
        expect(typeof (await driver.getConsoleOutput({ instanceId }))).toBe('string');
      });

      it('getConsoleOutput of a missing instance rejects with InstanceNotFound', async () => {
        if (!driver.capabilities.supportsConsoleLog) return;
        const id = missingId();
        await expectNotFound(driver.getConsoleOutput({ instanceId: id }), id);
      });
    });

    describe('diagnostics', () => {
      it("a running guest's: the standard form counts its vCPUs and disks, the legacy form is numbers by name (or neither is supported)", async () => {
        const { instanceId } = await spawned();
        if (!driver.capabilities.supportsDiagnostics) return expectNotSupported(driver.getInstanceDiagnostics({ instanceId, launchedAt: null }), 'getDiagnostics');
        const d = await driver.getInstanceDiagnostics({ instanceId, launchedAt: null });
        expect(d.state).toBe('running');
        expect(d.cpuDetails.length).toBeGreaterThan(0);
        expect(d.diskDetails.length).toBeGreaterThan(0);
        const legacy = await driver.getDiagnostics({ instanceId });
        expect(Object.values(legacy).every((v) => typeof v === 'number')).toBe(true);
        expect(legacy.memory).toBeGreaterThan(0);
      });

      it('of a stopped guest rejects with InstanceInvalidPowerState; of a missing one with InstanceNotFound', async () => {
        if (!driver.capabilities.supportsDiagnostics) return;
        const { instanceId } = await spawned();
        await driver.powerOff({ instanceId, timeoutSec: 0 });
        const error = await rejectionOf(driver.getInstanceDiagnostics({ instanceId, launchedAt: null }));
        expect(error).toBeInstanceOf(InstanceInvalidPowerState);
        expect(error).toMatchObject({ code: 'InstanceInvalidPowerState', instanceId, operation: 'getDiagnostics', state: SHUTDOWN });
        const id = missingId();
        await expectNotFound(driver.getDiagnostics({ instanceId: id }), id);
      });
    });

    describe('host resources', () => {
      const counted = (r: HostResources) => ({ runningVms: r.runningVms, vcpusUsed: r.vcpusUsed });

      it('getAvailableResource describes the host', async () => {
        const host = await driver.getAvailableResource();
        expect(host.hypervisorHostname).not.toBe('');
        expect(host.hypervisorType).not.toBe('');
        expect(host.cpuArch).not.toBe('');
        expect(Number.isSafeInteger(host.hypervisorVersion) && host.hypervisorVersion > 0).toBe(true);
        expect(host.vcpus).toBeGreaterThan(0);
        expect(host.memoryMb).toBeGreaterThan(0);
        expect(host.localGb).toBeGreaterThan(0);
      });

      it('getAvailableResource counts a spawned guest and stops counting it once destroyed', async () => {
        const before = counted(await driver.getAvailableResource());
        const spec = await spawned();
        expect(counted(await driver.getAvailableResource())).toEqual({
          runningVms: before.runningVms + 1,
          vcpusUsed: before.vcpusUsed + spec.flavor.vcpus,
        });
        await driver.destroy({ instanceId: spec.instanceId });
        expect(counted(await driver.getAvailableResource())).toEqual(before);
      });
    });

    describe('volumes', () => {
      it('attachVolume to a missing instance rejects with InstanceNotFound (or is not supported)', async () => {
        const id = missingId();
        const attach = driver.attachVolume({ instanceId: id, volumeId: 'vol-1', device: '/dev/vdb', connectionInfo: {} });
        if (!driver.capabilities.supportsVolumeAttach) return expectNotSupported(attach, 'attachVolume');
        await expectNotFound(attach, id);
      });

      it('detachVolume of a volume not attached, or from an instance gone, resolves', async () => {
        if (!driver.capabilities.supportsVolumeAttach) return;
        const { instanceId } = await spawned();
        await expect(driver.detachVolume({ instanceId, volumeId: uuidFromName('never-attached') })).resolves.toBeUndefined();
        await expect(driver.detachVolume({ instanceId: missingId(), volumeId: uuidFromName('never-attached') })).resolves.toBeUndefined();
      });

      (options.volumeConnection ? it : it.skip)('attach, attach again at the same device, detach, detach again: all resolve; the guest keeps running', async () => {
        if (!driver.capabilities.supportsVolumeAttach) return;
        const { instanceId } = await spawned();
        const volumeId = uuidFromName(`${instanceId}/volume`);
        const connectionInfo = await options.volumeConnection!(volumeId);
        await driver.attachVolume({ instanceId, volumeId, device: '/dev/vdb', connectionInfo });
        await driver.attachVolume({ instanceId, volumeId, device: '/dev/vdb', connectionInfo });
        expect(await stateOf(instanceId)).toBe(named(RUNNING));
        await driver.detachVolume({ instanceId, volumeId });
        await driver.detachVolume({ instanceId, volumeId });
        expect(await stateOf(instanceId)).toBe(named(RUNNING));
      });

      (options.volumeConnection ? it : it.skip)('destroy of a guest with a volume attached removes it', async () => {
        if (!driver.capabilities.supportsVolumeAttach) return;
        const { instanceId } = await spawned();
        const volumeId = uuidFromName(`${instanceId}/volume`);
        await driver.attachVolume({ instanceId, volumeId, device: '/dev/vdb', connectionInfo: await options.volumeConnection!(volumeId) });
        await driver.destroy({ instanceId });
        expect(await driver.listInstances()).not.toContain(instanceId);
      });
    });
  });
}
