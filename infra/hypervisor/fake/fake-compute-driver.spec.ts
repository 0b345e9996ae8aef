import { text } from 'node:stream/consumers';
import { computeDriverContract, instanceFactory } from '../../../test/contracts/compute-driver.contract';
import { FIXED_NOW } from '../../../test/support/decider-spec';
import { DriverOperationFailed, FlavorSpec, InstanceInvalidPowerState, InstanceNotFound, InsufficientHostResources, POWER_STATE } from '../compute-driver';
import { FakeComputeDriver, FakeComputeDriverOptions, parseFakeFailures, parseFakeResources } from './fake-compute-driver';

const flavor: FlavorSpec = { id: 'f-small', name: 'm1.small', vcpus: 2, memoryMb: 2048, rootGb: 20, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const image = { id: 'cirros-0.6.2', properties: {}, diskFormat: 'qcow2' };
const makeInstance = instanceFactory({ scope: 'fake-compute-driver.spec', flavor, image });

computeDriverContract(
  'fake',
  async () => ({ driver: new FakeComputeDriver({ hostname: 'compute-1', clock: () => Date.parse(FIXED_NOW) }), cleanup: async () => undefined }),
  makeInstance,
  { volumeConnection: async (volumeId) => ({ driver_volume_type: 'fake', data: { volume_id: volumeId } }) },
);

computeDriverContract(
  'fake without optional features',
  async () => ({
    driver: new FakeComputeDriver({
      hostname: 'compute-2',
      capabilities: {
        supportsPause: false,
        supportsSuspend: false,
        supportsResize: false,
        supportsRebuild: false,
        supportsConsoleLog: false,
        supportsVolumeAttach: false,
        supportsDiagnostics: false,
      },
    }),
    cleanup: async () => undefined,
  }),
  makeInstance,
);

const { RUNNING, PAUSED, SHUTDOWN, SUSPENDED, CRASHED } = POWER_STATE;

describe('FakeComputeDriver', () => {
  let now: number;
  const clock = () => now;
  const fake = (options: Partial<FakeComputeDriverOptions> = {}) => new FakeComputeDriver({ hostname: 'compute-1', clock, ...options });
  const used = async (driver: FakeComputeDriver) => {
    const r = await driver.getAvailableResource();
    return { vcpusUsed: r.vcpusUsed, memoryMbUsed: r.memoryMbUsed, localGbUsed: r.localGbUsed, runningVms: r.runningVms };
  };
  const nothingUsed = { vcpusUsed: 0, memoryMbUsed: 0, localGbUsed: 0, runningVms: 0 };

  beforeEach(() => {
    now = Date.parse(FIXED_NOW);
  });

  describe('host resources', () => {
    it('reports the size of nova/virt/fake.py by default, nothing used', async () => {
      expect(await fake().getAvailableResource()).toMatchObject({
        hypervisorHostname: 'compute-1',
        hypervisorType: 'fake',
        hypervisorVersion: 1000,
        cpuArch: 'x86_64',
        hostIp: '192.168.0.1',
        vcpus: 1000,
        memoryMb: 800_000,
        localGb: 600_000,
        diskAvailableLeastGb: 600_000,
        ...nothingUsed,
      });
    });

    it('reports the size the caller sets', async () => {
      expect(await fake({ ...parseFakeResources('vcpus=4,ram=8192,disk=80'), hostIp: '10.0.0.5' }).getAvailableResource()).toMatchObject({
        vcpus: 4,
        memoryMb: 8192,
        localGb: 80,
        hostIp: '10.0.0.5',
      });
    });

    it('claims vcpus, RAM and root + ephemeral + swap disk (rounded up to GB) for every guest it holds, stopped or not', async () => {
      const driver = fake();
      await driver.spawn({ instance: makeInstance({ flavor: { ...flavor, ephemeralGb: 5, swapMb: 512 } }) });
      const stopped = makeInstance();
      await driver.spawn({ instance: stopped, powerOn: false });
      expect(await used(driver)).toEqual({ vcpusUsed: 4, memoryMbUsed: 4096, localGbUsed: 20 + 5 + 1 + 20, runningVms: 2 });
      expect((await driver.getAvailableResource()).diskAvailableLeastGb).toBe(600_000 - 46);
    });

    it('releases the claim on destroy', async () => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await driver.destroy({ instanceId: spec.instanceId });
      expect(await used(driver)).toEqual(nothingUsed);
    });

    it('keeps the old disk of a resize until confirm, and drops the new one on revert', async () => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      const bigger = { ...spec, flavor: { ...flavor, id: 'f-large', vcpus: 4, memoryMb: 8192, rootGb: 40 } };
      await driver.resize({ instance: bigger });
      expect(await used(driver)).toEqual({ vcpusUsed: 4, memoryMbUsed: 8192, localGbUsed: 40 + 20, runningVms: 1 });
      expect(driver.inspect(spec.instanceId)?.pendingResize?.oldFlavor.id).toBe('f-small');
      await driver.confirmResize({ instanceId: spec.instanceId });
      expect(await used(driver)).toEqual({ vcpusUsed: 4, memoryMbUsed: 8192, localGbUsed: 40, runningVms: 1 });

      const other = makeInstance();
      await driver.spawn({ instance: other });
      await driver.resize({ instance: { ...other, flavor: bigger.flavor } });
      await driver.revertResize({ instance: other });
      expect(await used(driver)).toEqual({ vcpusUsed: 4 + 2, memoryMbUsed: 8192 + 2048, localGbUsed: 40 + 20, runningVms: 2 });
      expect(driver.inspect(other.instanceId)?.pendingResize).toBeNull();
    });

    it('refuses a spawn the host cannot hold, overcommitted by its allocation ratios, and keeps nothing of it', async () => {
      const driver = fake({ vcpus: 1, memoryMb: 4096, localGb: 100 });
      await driver.spawn({ instance: makeInstance() });
      const tooBig = makeInstance({ flavor: { ...flavor, memoryMb: 4096 } });
      const error = await driver.spawn({ instance: tooBig }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InsufficientHostResources);
      expect(error).toMatchObject({
        code: 'InsufficientHostResources',
        hostname: 'compute-1',
        instanceId: tooBig.instanceId,
        requested: { vcpus: 2, memoryMb: 4096, localGb: 20 },
        free: { vcpus: 4 - 2, memoryMb: 4096 - 2048, localGb: 100 - 20 },
      });
      expect(await driver.listInstances()).not.toContain(tooBig.instanceId);
      expect(await used(driver)).toEqual({ vcpusUsed: 2, memoryMbUsed: 2048, localGbUsed: 20, runningVms: 1 });
    });

    it('admits memory past the host only as far as its ratio allows', async () => {
      const driver = fake({ memoryMb: 2048, allocationRatios: { memoryMb: 1.5 } });
      await driver.spawn({ instance: makeInstance({ flavor: { ...flavor, memoryMb: 3072 } }) });
      await expect(driver.spawn({ instance: makeInstance({ flavor: { ...flavor, memoryMb: 1 } }) })).rejects.toThrow(InsufficientHostResources);
    });

    it('refuses a resize the host cannot hold and leaves the guest as it was', async () => {
      const driver = fake({ vcpus: 1, allocationRatios: { vcpus: 3 } });
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await expect(driver.resize({ instance: { ...spec, flavor: { ...flavor, id: 'f-4', vcpus: 4 } } })).rejects.toThrow(InsufficientHostResources);
      expect(await driver.getInfo({ instanceId: spec.instanceId })).toMatchObject({ state: RUNNING, numCpu: 2 });
      expect(driver.inspect(spec.instanceId)?.pendingResize).toBeNull();
    });
  });

  describe('injected failures', () => {
    it('fails only the first N calls whose display name matches, with the rule message', async () => {
      const driver = fake({ failures: [{ operation: 'spawn', displayName: /^fail-/, times: 2, message: 'no valid host' }] });
      const doomed = makeInstance({ displayName: 'fail-1' });
      for (let i = 0; i < 2; i++) {
        const error = await driver.spawn({ instance: doomed }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DriverOperationFailed);
        expect(error).toMatchObject({ code: 'DriverOperationFailed', operation: 'spawn', instanceId: doomed.instanceId, reason: 'no valid host' });
      }
      const bystander = makeInstance({ displayName: 'ok-1' });
      await driver.spawn({ instance: bystander });
      await driver.spawn({ instance: doomed });
      expect(await driver.listInstances()).toEqual([bystander.instanceId, doomed.instanceId].sort());
    });

    it('fails every matching call when times is left out', async () => {
      const driver = fake({ failures: [{ operation: 'reboot' }] });
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      for (let i = 0; i < 3; i++) await expect(driver.reboot({ instanceId: spec.instanceId, type: 'SOFT' })).rejects.toThrow(DriverOperationFailed);
    });

    it('shares the count of a times-limited rule between drivers given one budget map', async () => {
      const failures = parseFakeFailures('spawn:^flaky-:1');
      const sharedFailureBudgets = new Map();
      const first = fake({ hostname: 'compute-1', failures, sharedFailureBudgets });
      const second = fake({ hostname: 'compute-2', failures, sharedFailureBudgets });
      await expect(first.spawn({ instance: makeInstance({ displayName: 'flaky-1' }) })).rejects.toThrow(DriverOperationFailed);
      await second.spawn({ instance: makeInstance({ displayName: 'flaky-2' }) });
      expect(await second.listInstances()).toHaveLength(1);
    });

    it('a failed spawn leaves nothing behind: no guest, no claim, no console', async () => {
      const driver = fake({ failures: [{ operation: 'spawn', times: 1 }] });
      const spec = makeInstance();
      await expect(driver.spawn({ instance: spec })).rejects.toThrow(DriverOperationFailed);
      expect(await driver.listInstances()).toEqual([]);
      expect(driver.inspect(spec.instanceId)).toBeNull();
      await expect(driver.getConsoleOutput({ instanceId: spec.instanceId })).rejects.toThrow(InstanceNotFound);
      expect(await used(driver)).toEqual(nothingUsed);
    });

    it('a failed power operation leaves the power state as it was', async () => {
      const driver = fake({ failures: parseFakeFailures('powerOn:,pause:') });
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await expect(driver.pause({ instanceId: spec.instanceId })).rejects.toThrow(DriverOperationFailed);
      expect((await driver.getInfo({ instanceId: spec.instanceId })).state).toBe(RUNNING);
      await driver.powerOff({ instanceId: spec.instanceId });
      await expect(driver.powerOn({ instanceId: spec.instanceId })).rejects.toThrow('Failed to powerOn instance');
      expect((await driver.getInfo({ instanceId: spec.instanceId })).state).toBe(SHUTDOWN);
    });

    it('a failed destroy keeps the guest and its claim', async () => {
      const driver = fake({ failures: [{ operation: 'destroy', times: 1 }] });
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await expect(driver.destroy({ instanceId: spec.instanceId })).rejects.toThrow(DriverOperationFailed);
      expect(await driver.listInstances()).toEqual([spec.instanceId]);
      await driver.destroy({ instanceId: spec.instanceId });
      expect(await used(driver)).toEqual(nothingUsed);
    });

    it('a failed snapshot leaves the guest stopped, and the next one gives the copy', async () => {
      const driver = fake({ failures: parseFakeFailures('snapshot:^shelved-:1') });
      const spec = makeInstance({ displayName: 'shelved-1' });
      await driver.spawn({ instance: spec, powerOn: false });
      const error = await driver.snapshot({ instanceId: spec.instanceId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DriverOperationFailed);
      expect(error).toMatchObject({ operation: 'snapshot', instanceId: spec.instanceId, reason: 'injected snapshot failure' });
      expect((await driver.getInfo({ instanceId: spec.instanceId })).state).toBe(SHUTDOWN);
      await expect(driver.snapshot({ instanceId: spec.instanceId })).resolves.toMatchObject({ diskFormat: 'raw' });
    });

    it('matches a global regex on every call, not every other one', async () => {
      const driver = fake({ failures: [{ operation: 'spawn', displayName: /doomed/g }] });
      for (let i = 0; i < 3; i++) await expect(driver.spawn({ instance: makeInstance({ displayName: 'doomed' }) })).rejects.toThrow(DriverOperationFailed);
    });

    it('takes rules parsed from the environment', async () => {
      const driver = fake({ failures: parseFakeFailures('spawn:^fail-,reboot:boom:1') });
      await expect(driver.spawn({ instance: makeInstance({ displayName: 'fail-me' }) })).rejects.toThrow(DriverOperationFailed);
      const boom = makeInstance({ displayName: 'boom' });
      await driver.spawn({ instance: boom });
      await expect(driver.reboot({ instanceId: boom.instanceId, type: 'HARD' })).rejects.toThrow(DriverOperationFailed);
      await driver.reboot({ instanceId: boom.instanceId, type: 'HARD' });
      expect((await driver.getInfo({ instanceId: boom.instanceId })).state).toBe(RUNNING);
    });
  });

  describe('delays', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    it('an operation completes only once delayMs have passed', async () => {
      const driver = fake({ delayMs: 1000 });
      const spec = makeInstance();
      let done = false;
      const spawn = driver.spawn({ instance: spec }).then(() => (done = true));
      await jest.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      expect(await driver.listInstances()).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      await spawn;
      expect(await driver.listInstances()).toEqual([spec.instanceId]);
    });

    it('a snapshot completes only once delayMs have passed', async () => {
      const driver = fake({ delayMs: 1000 });
      const spec = makeInstance();
      const spawn = driver.spawn({ instance: spec, powerOn: false });
      await jest.advanceTimersByTimeAsync(1000);
      await spawn;
      let done = false;
      const snapshot = driver.snapshot({ instanceId: spec.instanceId }).then(() => (done = true));
      await jest.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await snapshot;
      expect(done).toBe(true);
    });

    it('queries answer at once', async () => {
      const driver = fake({ delayMs: 60_000 });
      await expect(driver.getAvailableResource()).resolves.toMatchObject({ runningVms: 0 });
      await expect(driver.listInstances()).resolves.toEqual([]);
    });

    it('two spawns of one id racing through the delay end with one guest', async () => {
      const driver = fake({ delayMs: 500 });
      const spec = makeInstance();
      const both = Promise.all([driver.spawn({ instance: spec }), driver.spawn({ instance: spec })]);
      await jest.advanceTimersByTimeAsync(500);
      await both;
      expect(await used(driver)).toEqual({ vcpusUsed: 2, memoryMbUsed: 2048, localGbUsed: 20, runningVms: 1 });
    });
  });

  describe('per-instance state', () => {
    it('logs boots to the console, stamped by its clock, and keeps the log across reboots', async () => {
      const driver = fake();
      const spec = makeInstance({ displayName: 'web-1' });
      await driver.spawn({ instance: spec });
      now += 60_000;
      await driver.reboot({ instanceId: spec.instanceId, type: 'HARD' });
      const output = await driver.getConsoleOutput({ instanceId: spec.instanceId });
      expect(output.split('\n')).toEqual([
        `[2026-01-01T00:00:00.000Z] Booting ${spec.name} (web-1) from image cirros-0.6.2: 2 vcpus, 2048 MB RAM.`,
        `[2026-01-01T00:00:00.000Z] ${spec.name} login:`,
        `[2026-01-01T00:01:00.000Z] Booting ${spec.name} (web-1) from image cirros-0.6.2: 2 vcpus, 2048 MB RAM.`,
        `[2026-01-01T00:01:00.000Z] ${spec.name} login:`,
        '',
      ]);
    });

    it('counts CPU time while running, holds it while paused, restarts it with a new guest process', async () => {
      const driver = fake();
      const spec = makeInstance();
      const { instanceId } = spec;
      await driver.spawn({ instance: spec });
      const cpu = async () => (await driver.getInfo({ instanceId })).cpuTimeNs;
      now += 2_000;
      expect(await cpu()).toBe(2_000_000_000);
      await driver.pause({ instanceId });
      now += 5_000;
      expect(await cpu()).toBe(2_000_000_000);
      await driver.unpause({ instanceId });
      now += 1_000;
      expect(await cpu()).toBe(3_000_000_000);
      await driver.reboot({ instanceId, type: 'SOFT' });
      expect(await cpu()).toBe(3_000_000_000);
      await driver.powerOff({ instanceId });
      expect(await cpu()).toBe(0);
    });

    it('records attached volumes with their device and connection info, and forgets them on detach', async () => {
      const driver = fake();
      const spec = makeInstance();
      const { instanceId } = spec;
      await driver.spawn({ instance: spec });
      const connectionInfo = { driver_volume_type: 'iscsi', data: { target_lun: 1 } };
      await driver.attachVolume({ instanceId, volumeId: 'vol-a', device: '/dev/vdb', connectionInfo });
      connectionInfo.data.target_lun = 99;
      expect(driver.inspect(instanceId)?.volumes).toEqual([{ volumeId: 'vol-a', device: '/dev/vdb', connectionInfo: { driver_volume_type: 'iscsi', data: { target_lun: 1 } } }]);
      await driver.detachVolume({ instanceId, volumeId: 'vol-a' });
      expect(driver.inspect(instanceId)?.volumes).toEqual([]);
    });

    it('refuses a device already used by another volume, and a volume already attached elsewhere', async () => {
      const driver = fake();
      const spec = makeInstance();
      const { instanceId } = spec;
      await driver.spawn({ instance: spec });
      await driver.attachVolume({ instanceId, volumeId: 'vol-a', device: '/dev/vdb', connectionInfo: {} });
      await expect(driver.attachVolume({ instanceId, volumeId: 'vol-b', device: '/dev/vdb', connectionInfo: {} })).rejects.toThrow('in use by volume vol-a');
      await expect(driver.attachVolume({ instanceId, volumeId: 'vol-a', device: '/dev/vdc', connectionInfo: {} })).rejects.toThrow('already attached at /dev/vdb');
      expect(driver.inspect(instanceId)?.volumes.map((v) => v.volumeId)).toEqual(['vol-a']);
    });

    it('rebuild boots the new image, keeps flavor and volumes', async () => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await driver.attachVolume({ instanceId: spec.instanceId, volumeId: 'vol-a', device: '/dev/vdb', connectionInfo: {} });
      const otherFlavor = { ...flavor, id: 'ignored', vcpus: 16 };
      await driver.rebuild({ instance: { ...spec, image: { ...image, id: 'debian-12' }, flavor: otherFlavor } });
      const view = driver.inspect(spec.instanceId);
      expect(view).toMatchObject({ state: RUNNING, instance: { image: { id: 'debian-12' }, flavor: { id: 'f-small', vcpus: 2 } } });
      expect(view?.volumes.map((v) => v.volumeId)).toEqual(['vol-a']);
      expect(view?.consoleLines.at(-2)).toContain('from image debian-12');
    });

    it('refuses a second guest with a domain name already taken, and keeps nothing of it', async () => {
      const driver = fake();
      const first = makeInstance();
      await driver.spawn({ instance: first });
      const clash = makeInstance({ name: first.name });
      await expect(driver.spawn({ instance: clash })).rejects.toThrow(`domain ${first.name} already exists`);
      expect(await driver.listInstances()).toEqual([first.instanceId]);
    });

    it('a stored instance is a copy: changing the caller\'s spec changes nothing', async () => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      spec.flavor.vcpus = 64;
      expect((await driver.getInfo({ instanceId: spec.instanceId })).numCpu).toBe(2);
    });

    it('shows drift the agent must notice: a guest that crashed or vanished behind its back', async () => {
      const driver = fake();
      const crashed = makeInstance();
      const vanished = makeInstance();
      await driver.spawn({ instance: crashed });
      await driver.spawn({ instance: vanished });
      driver.simulateExternalPowerState(crashed.instanceId, CRASHED);
      driver.simulateVanish(vanished.instanceId);
      expect((await driver.getInfo({ instanceId: crashed.instanceId })).state).toBe(CRASHED);
      expect(await driver.listInstances()).toEqual([crashed.instanceId]);
      expect((await used(driver)).runningVms).toBe(1);
      await driver.powerOn({ instanceId: crashed.instanceId });
      expect((await driver.getInfo({ instanceId: crashed.instanceId })).state).toBe(RUNNING);
    });

    it('pause and suspend of a paused or suspended guest resolve without a change', async () => {
      const driver = fake();
      const spec = makeInstance();
      const { instanceId } = spec;
      await driver.spawn({ instance: spec });
      await driver.pause({ instanceId });
      await driver.pause({ instanceId });
      expect((await driver.getInfo({ instanceId })).state).toBe(PAUSED);
      await driver.suspend({ instanceId });
      await driver.suspend({ instanceId });
      expect((await driver.getInfo({ instanceId })).state).toBe(POWER_STATE.SUSPENDED);
    });
  });

  describe('powerOff before a shelve', () => {
    it.each([
      ['paused', (d: FakeComputeDriver, instanceId: string) => d.pause({ instanceId })],
      ['suspended', (d: FakeComputeDriver, instanceId: string) => d.suspend({ instanceId })],
    ])('powerOff of a %s guest ends SHUTDOWN, and the guest can then be snapshotted', async (_, stopHalfway) => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await stopHalfway(driver, spec.instanceId);
      await driver.powerOff({ instanceId: spec.instanceId, timeoutSec: 60 });
      expect(await driver.getInfo({ instanceId: spec.instanceId })).toMatchObject({ state: SHUTDOWN, cpuTimeNs: 0 });
      await expect(driver.snapshot({ instanceId: spec.instanceId })).resolves.toMatchObject({ diskFormat: 'raw' });
    });

    it('a suspended guest powered off boots afresh on powerOn: its saved memory is gone', async () => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await driver.suspend({ instanceId: spec.instanceId });
      await driver.powerOff({ instanceId: spec.instanceId });
      now += 60_000;
      await driver.powerOn({ instanceId: spec.instanceId });
      expect(driver.inspect(spec.instanceId)?.consoleLines.at(-2)).toBe(
        `[2026-01-01T00:01:00.000Z] Booting ${spec.name} (${spec.displayName}) from image cirros-0.6.2: 2 vcpus, 2048 MB RAM.`,
      );
    });
  });

  describe('snapshot', () => {
    it('of a stopped guest is a raw copy naming the guest and its image, sized by the flavor root disk', async () => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec, powerOn: false });
      const copy = await driver.snapshot({ instanceId: spec.instanceId });
      expect(copy).toMatchObject({ diskFormat: 'raw', virtualSize: 20 * 1024 ** 3 });
      expect(await text(copy.stream)).toBe(`fake disk of instance ${spec.instanceId}, image cirros-0.6.2\n`);
    });

    it('leaves the guest as it was: stopped, listed, its claim held', async () => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec, powerOn: false });
      await text((await driver.snapshot({ instanceId: spec.instanceId })).stream);
      expect((await driver.getInfo({ instanceId: spec.instanceId })).state).toBe(SHUTDOWN);
      expect(await used(driver)).toEqual({ vcpusUsed: 2, memoryMbUsed: 2048, localGbUsed: 20, runningVms: 1 });
    });

    it('gives the same bytes every time, so that a redelivered shelve stores the same image', async () => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec, powerOn: false });
      const first = await text((await driver.snapshot({ instanceId: spec.instanceId })).stream);
      expect(await text((await driver.snapshot({ instanceId: spec.instanceId })).stream)).toBe(first);
    });

    it('names the image a rebuild booted, not the first one', async () => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await driver.rebuild({ instance: { ...spec, image: { ...image, id: 'debian-12' } } });
      await driver.powerOff({ instanceId: spec.instanceId });
      expect(await text((await driver.snapshot({ instanceId: spec.instanceId })).stream)).toContain('image debian-12');
    });

    it('has no virtual size for a flavor without a root disk', async () => {
      const driver = fake();
      const spec = makeInstance({ flavor: { ...flavor, rootGb: 0 } });
      await driver.spawn({ instance: spec, powerOn: false });
      expect(await driver.snapshot({ instanceId: spec.instanceId })).toMatchObject({ diskFormat: 'raw', virtualSize: null });
    });

    it.each([
      ['running', RUNNING, async () => undefined],
      ['paused', PAUSED, (d: FakeComputeDriver, instanceId: string) => d.pause({ instanceId })],
    ])('of a %s guest rejects with InstanceInvalidPowerState and leaves it so', async (_, state, bringTo) => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await bringTo(driver, spec.instanceId);
      const error = await driver.snapshot({ instanceId: spec.instanceId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InstanceInvalidPowerState);
      expect(error).toMatchObject({ code: 'InstanceInvalidPowerState', instanceId: spec.instanceId, operation: 'snapshot', state });
      expect((await driver.getInfo({ instanceId: spec.instanceId })).state).toBe(state);
    });

    it('of a suspended guest (its memory saved, its disk at rest) gives the copy and leaves it suspended', async () => {
      const driver = fake();
      const spec = makeInstance();
      await driver.spawn({ instance: spec });
      await driver.suspend({ instanceId: spec.instanceId });
      expect(await driver.snapshot({ instanceId: spec.instanceId })).toMatchObject({ diskFormat: 'raw' });
      expect((await driver.getInfo({ instanceId: spec.instanceId })).state).toBe(SUSPENDED);
      await driver.resume({ instanceId: spec.instanceId });
      expect((await driver.getInfo({ instanceId: spec.instanceId })).state).toBe(RUNNING);
    });

    it('of a missing instance rejects with InstanceNotFound', async () => {
      const spec = makeInstance();
      const error = await fake().snapshot({ instanceId: spec.instanceId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InstanceNotFound);
      expect(error).toMatchObject({ code: 'InstanceNotFound', instanceId: spec.instanceId });
    });
  });

  describe('options', () => {
    it('refuses a host without a name or with a size that is not positive', () => {
      expect(() => new FakeComputeDriver({ hostname: '' })).toThrow(RangeError);
      expect(() => new FakeComputeDriver({ hostname: 'h', vcpus: 0 })).toThrow(RangeError);
      expect(() => new FakeComputeDriver({ hostname: 'h', memoryMb: -1 })).toThrow(RangeError);
      expect(() => new FakeComputeDriver({ hostname: 'h', delayMs: -5 })).toThrow(RangeError);
      expect(() => new FakeComputeDriver({ hostname: 'h', failures: [{ operation: 'spawn', times: 0 }] })).toThrow(RangeError);
    });
  });
});

describe('parseFakeFailures', () => {
  it('reads operation:displayName-regex[:times] rules, comma-separated', () => {
    expect(parseFakeFailures('spawn:^fail-,reboot:boom:2')).toEqual([
      { operation: 'spawn', displayName: /^fail-/ },
      { operation: 'reboot', displayName: /boom/, times: 2 },
    ]);
  });

  it('takes a bare operation or an empty regex as every instance, and trims blanks', () => {
    expect(parseFakeFailures(' destroy , powerOff::3 ,resize:, snapshot')).toEqual([
      { operation: 'destroy' },
      { operation: 'powerOff', times: 3 },
      { operation: 'resize' },
      { operation: 'snapshot' },
    ]);
  });

  it('keeps colons inside the regex', () => {
    expect(parseFakeFailures('spawn:a:b')).toEqual([{ operation: 'spawn', displayName: /a:b/ }]);
  });

  it('reads a blank string as no rules', () => {
    expect(parseFakeFailures('')).toEqual([]);
    expect(parseFakeFailures('   ')).toEqual([]);
  });

  it.each(['explode:x', 'spawn:(', 'spawn:x:0', 'spawn:a,,reboot', 'Spawn:x', ':x'])('refuses %j, saying what format it expects', (spec) => {
    expect(() => parseFakeFailures(spec)).toThrow(/expected comma-separated rules operation\[:displayName-regex\[:times\]\], e\.g\. "spawn:\^fail-,reboot:boom:2"/);
  });
});

describe('parseFakeResources', () => {
  it('reads vcpus, ram (MB) and disk (GB)', () => {
    expect(parseFakeResources('vcpus=4,ram=8192,disk=80')).toEqual({ vcpus: 4, memoryMb: 8192, localGb: 80 });
  });

  it('sets only what it is given; a blank string sets nothing', () => {
    expect(parseFakeResources(' ram=512 ')).toEqual({ memoryMb: 512 });
    expect(parseFakeResources('')).toEqual({});
  });

  it.each(['cpus=4', 'vcpus=0', 'vcpus=-1', 'vcpus=4.5', 'vcpus', 'vcpus=4,vcpus=8', 'vcpus=4;ram=1', 'constructor=1'])(
    'refuses %j, saying what format it expects',
    (spec) => {
      expect(() => parseFakeResources(spec)).toThrow(/expected comma-separated key=value pairs .* e\.g\. "vcpus=4,ram=8192,disk=80"/);
    },
  );
});
