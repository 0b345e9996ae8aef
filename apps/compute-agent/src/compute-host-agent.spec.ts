import { BlobKey, InMemoryBlobStore } from '../../../infra/blob';
import { FlavorSpec, FakeComputeDriver, POWER_STATE } from '../../../infra/hypervisor';
import { InProcessBus } from '../../../infra/messaging/in-process/in-process-bus';
import { instanceFactory } from '../../../test/contracts/compute-driver.contract';
import { ComputeReport, ComputeWorkOrder, computeSubjects, DiagnosticsReply, DiagnosticsRequest } from '../../shared/src/compute-protocol';
import { ComputeHostAgent } from './compute-host-agent';

const flavor: FlavorSpec = { id: 'f', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const makeInstance = instanceFactory({ scope: 'compute-host-agent.spec', flavor, image: { id: 'img', properties: {}, diskFormat: 'qcow2' } });
const allocation = { cpuAllocationRatio: 16, ramAllocationRatio: 1.5, diskAllocationRatio: 1, reservedHostMemoryMb: 512, reservedHostDiskMb: 0, reservedHostCpus: 0 };

describe('ComputeHostAgent power state sync', () => {
  let bus: InProcessBus;
  let agent: ComputeHostAgent;
  let reports: ComputeReport[];
  let stopReports: () => Promise<void>;

  beforeEach(async () => {
    bus = new InProcessBus();
    reports = [];
    const consumer = await bus.consume<ComputeReport>({ durable: 'test-reports', filterSubject: computeSubjects.reports }, async (m) => {
      reports.push(m.data);
    });
    stopReports = () => consumer.stop();
  });
  afterEach(async () => {
    await agent?.stop();
    await stopReports();
    await bus.close();
  });

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };

  it('reports every guest the hypervisor holds and each one\'s power state, a guest stopped behind its back included', async () => {
    const driver = new FakeComputeDriver({ hostname: 'hv-1' });
    const running = makeInstance();
    const crashed = makeInstance();
    await driver.spawn({ instance: running });
    await driver.spawn({ instance: crashed });
    driver.simulateExternalPowerState(crashed.instanceId, POWER_STATE.CRASHED);
    agent = new ComputeHostAgent({ host: 'hv-1', driver, bus, blobs: new InMemoryBlobStore(), availabilityZone: 'nova', allocation, reportIntervalMs: 60_000, log: { info: () => undefined, warn: () => undefined } });
    await agent.start();
    await agent.syncPowerStates();
    await until(() => reports.filter((r) => r.kind === 'power-state').length === 2);
    const guests = reports.find((r) => r.kind === 'guests');
    expect(guests).toMatchObject({ host: 'hv-1', serverIds: [running.instanceId, crashed.instanceId].sort() });
    const states = Object.fromEntries(reports.flatMap((r) => (r.kind === 'power-state' ? [[r.serverId, r.powerState]] : [])));
    expect(states).toEqual({ [running.instanceId]: POWER_STATE.RUNNING, [crashed.instanceId]: POWER_STATE.CRASHED });
  });

  it('runs a first round at start when an interval is set, and another one each interval', async () => {
    const driver = new FakeComputeDriver({ hostname: 'hv-2' });
    await driver.spawn({ instance: makeInstance() });
    agent = new ComputeHostAgent({ host: 'hv-2', driver, bus, blobs: new InMemoryBlobStore(), availabilityZone: 'nova', allocation, reportIntervalMs: 60_000, syncPowerStateIntervalMs: 50, log: { info: () => undefined, warn: () => undefined } });
    await agent.start();
    await until(() => reports.filter((r) => r.kind === 'guests').length >= 3);
  });

  it('shelves (power off, the disk copied into the blob store), offloads and unshelves a guest; a redelivered shelve reports the same copy', async () => {
    const driver = new FakeComputeDriver({ hostname: 'hv-3' });
    const blobs = new InMemoryBlobStore();
    const guest = makeInstance();
    await driver.spawn({ instance: guest });
    agent = new ComputeHostAgent({ host: 'hv-3', driver, bus, blobs, availabilityZone: 'nova', allocation, reportIntervalMs: 60_000, log: { info: () => undefined, warn: () => undefined } });
    await agent.start();
    const order = (action: 'shelve' | 'shelveOffload' | 'unshelve'): ComputeWorkOrder => ({ kind: 'action', orderId: 'req-1', serverId: guest.instanceId, action, instance: guest, powerOn: true });
    const done = (action: string) => reports.filter((r) => r.kind === 'action-done' && r.action === action);

    await bus.publish(computeSubjects.work('hv-3'), order('shelve'), { msgId: 'shelve-1' });
    await until(() => done('shelve').length === 1);
    const shelved = done('shelve')[0] as Extract<ComputeReport, { kind: 'action-done' }>;
    expect(shelved.powerState).toBe(POWER_STATE.SHUTDOWN);
    expect(shelved.snapshot).toMatchObject({ diskFormat: 'raw' });
    expect(await blobs.stat(shelved.snapshot!.blobKey as BlobKey)).toEqual({ key: shelved.snapshot!.blobKey, size: shelved.snapshot!.size });
    // The same order again (a crash before the ack): the guest is still there, off; the copy is the same blob
    // (the report repeats the first one's message id, so the bus keeps one).
    const put = jest.spyOn(blobs, 'put');
    await bus.publish(computeSubjects.work('hv-3'), order('shelve'), { msgId: 'shelve-2' });
    await until(() => put.mock.results.length === 1);
    expect((await put.mock.results[0].value).key).toBe(shelved.snapshot!.blobKey);

    // An offload whose copy is not in the store keeps the guest (the only copy of its disk) and fails.
    const missing = `sha512:${'0'.repeat(128)}`;
    await bus.publish(computeSubjects.work('hv-3'), { ...order('shelveOffload'), requireBlob: missing }, { msgId: 'offload-0' });
    await until(() => reports.some((r) => r.kind === 'action-failed' && r.action === 'shelveOffload'));
    expect(reports.find((r) => r.kind === 'action-failed')).toMatchObject({ reason: expect.stringContaining('not in the image store; the guest is kept') });
    expect(await driver.listInstances()).toEqual([guest.instanceId]);

    await bus.publish(computeSubjects.work('hv-3'), { ...order('shelveOffload'), orderId: 'req-2', requireBlob: shelved.snapshot!.blobKey }, { msgId: 'offload-1' });
    await until(() => done('shelveOffload').length === 1);
    expect(await driver.listInstances()).toEqual([]);

    await bus.publish(computeSubjects.work('hv-3'), order('unshelve'), { msgId: 'unshelve-1' });
    await until(() => done('unshelve').length === 1);
    expect((await driver.getInfo({ instanceId: guest.instanceId })).state).toBe(POWER_STATE.RUNNING);
  });

  it("moves a guest between two hosts' agents: out of the source (powered off, kept), into the destination, the copy dropped after; a driver that cannot move refuses", async () => {
    const log = { info: () => undefined, warn: () => undefined };
    const source = new FakeComputeDriver({ hostname: 'hv-src' });
    const dest = new FakeComputeDriver({ hostname: 'hv-dst' });
    const guest = makeInstance();
    await source.spawn({ instance: guest });
    agent = new ComputeHostAgent({ host: 'hv-src', driver: source, bus, blobs: new InMemoryBlobStore(), availabilityZone: 'nova', allocation, reportIntervalMs: 60_000, log });
    const destAgent = new ComputeHostAgent({ host: 'hv-dst', driver: dest, bus, blobs: new InMemoryBlobStore(), availabilityZone: 'nova', allocation, reportIntervalMs: 60_000, log });
    await agent.start();
    await destAgent.start();
    try {
      await bus.publish(computeSubjects.work('hv-src'), { kind: 'migrate-out', orderId: 'req-m', serverId: guest.instanceId }, { msgId: 'out-1' });
      await until(() => reports.some((r) => r.kind === 'migrated-out'));
      expect(reports.find((r) => r.kind === 'migrated-out')).toEqual({ kind: 'migrated-out', orderId: 'req-m', serverId: guest.instanceId, host: 'hv-src' });
      expect((await source.getInfo({ instanceId: guest.instanceId })).state).toBe(POWER_STATE.SHUTDOWN);

      await bus.publish(computeSubjects.work('hv-dst'), { kind: 'action', orderId: 'req-m', serverId: guest.instanceId, action: 'resize', instance: guest, powerOn: true, moved: true }, { msgId: 'in-1' });
      await until(() => reports.some((r) => r.kind === 'action-done' && r.action === 'resize'));
      expect(reports.find((r) => r.kind === 'action-done')).toMatchObject({ host: 'hv-dst', powerState: POWER_STATE.RUNNING });
      expect((await dest.getInfo({ instanceId: guest.instanceId })).state).toBe(POWER_STATE.RUNNING);

      let dropped = false;
      const destroy = source.destroy.bind(source);
      jest.spyOn(source, 'destroy').mockImplementation(async (a) => {
        await destroy(a);
        dropped = true;
      });
      await bus.publish(computeSubjects.work('hv-src'), { kind: 'drop-moved', orderId: 'req-c', serverId: guest.instanceId }, { msgId: 'drop-1' });
      await until(() => reports.length > 0 && dropped);
      expect(await source.listInstances()).toEqual([]);
    } finally {
      await destAgent.stop();
    }

    const rigid = new FakeComputeDriver({ hostname: 'hv-rigid', capabilities: { supportsColdMigration: false } });
    const other = makeInstance();
    await rigid.spawn({ instance: other });
    const rigidAgent = new ComputeHostAgent({ host: 'hv-rigid', driver: rigid, bus, blobs: new InMemoryBlobStore(), availabilityZone: 'nova', allocation, reportIntervalMs: 60_000, log });
    await rigidAgent.start();
    try {
      await bus.publish(computeSubjects.work('hv-rigid'), { kind: 'migrate-out', orderId: 'req-r', serverId: other.instanceId }, { msgId: 'out-r' });
      await until(() => reports.some((r) => r.kind === 'action-failed' && r.orderId === 'req-r'));
      expect(reports.find((r) => r.kind === 'action-failed' && r.orderId === 'req-r')).toMatchObject({ action: 'resize', reason: 'The compute driver of hv-rigid cannot move a guest to another host.', powerState: POWER_STATE.RUNNING });
      expect((await rigid.getInfo({ instanceId: other.instanceId })).state).toBe(POWER_STATE.RUNNING);
    } finally {
      await rigidAgent.stop();
    }
  });

  it('copies the disk of a running or paused guest for createImage (suspended for the copy) and brings it back as it was', async () => {
    const driver = new FakeComputeDriver({ hostname: 'hv-4' });
    const blobs = new InMemoryBlobStore();
    const running = makeInstance();
    const paused = makeInstance();
    await driver.spawn({ instance: running });
    await driver.spawn({ instance: paused });
    await driver.pause({ instanceId: paused.instanceId });
    const suspend = jest.spyOn(driver, 'suspend');
    agent = new ComputeHostAgent({ host: 'hv-4', driver, bus, blobs, availabilityZone: 'nova', allocation, reportIntervalMs: 60_000, log: { info: () => undefined, warn: () => undefined } });
    await agent.start();
    const order = (guest: typeof running, afterSnapshot: 'running' | 'paused'): ComputeWorkOrder => ({ kind: 'action', orderId: `req-${guest.instanceId}`, serverId: guest.instanceId, action: 'createImage', instance: guest, powerOn: true, afterSnapshot });
    await bus.publish(computeSubjects.work('hv-4'), order(running, 'running'), { msgId: 'snap-running' });
    await bus.publish(computeSubjects.work('hv-4'), order(paused, 'paused'), { msgId: 'snap-paused' });
    const done = () => reports.filter((r): r is Extract<ComputeReport, { kind: 'action-done' }> => r.kind === 'action-done' && r.action === 'createImage');
    await until(() => done().length === 2);
    expect(Object.fromEntries(done().map((r) => [r.serverId, r.powerState]))).toEqual({ [running.instanceId]: POWER_STATE.RUNNING, [paused.instanceId]: POWER_STATE.PAUSED });
    for (const r of done()) expect(await blobs.stat(r.snapshot!.blobKey as BlobKey)).not.toBeNull();
    expect(suspend.mock.calls.map(([o]) => o.instanceId).sort()).toEqual([running.instanceId, paused.instanceId].sort());
  });

  describe('diagnostics, asked on the bus and answered on the reply subject', () => {
    const ask = (host: string, request: Omit<DiagnosticsRequest, 'replyTo'> & { format: 'legacy' | 'standard' }) =>
      new Promise<DiagnosticsReply>((resolve) => {
        const replyTo = `reply-${host}-${request.serverId}-${request.format}`;
        const stop = bus.listen<DiagnosticsReply>(replyTo, (answer) => {
          stop();
          resolve(answer);
        });
        bus.notify(computeSubjects.diagnostics(host), { launchedAt: null, ...request, replyTo });
      });
    const start = async (driver: FakeComputeDriver) => {
      agent = new ComputeHostAgent({ host: driver.hostname, driver, bus, blobs: new InMemoryBlobStore(), availabilityZone: 'nova', allocation, reportIntervalMs: 60_000, log: { info: () => undefined, warn: () => undefined } });
      await agent.start();
    };

    it("answers with the driver's legacy figures or its standard form, and reports nothing (a read)", async () => {
      const driver = new FakeComputeDriver({ hostname: 'hv-5' });
      const guest = makeInstance();
      await driver.spawn({ instance: guest });
      await start(driver);
      const legacy = await ask('hv-5', { serverId: guest.instanceId, format: 'legacy' });
      expect(legacy).toMatchObject({ ok: true, format: 'legacy', diagnostics: { cpu0_time: 17300000000, memory: 524288 } });
      const standard = await ask('hv-5', { serverId: guest.instanceId, format: 'standard' });
      expect(standard).toMatchObject({ ok: true, format: 'standard', diagnostics: { state: 'running', driver: 'libvirt', memoryDetails: { maximum: 524288, used: 0 } } });
      expect(reports.filter((r) => r.kind !== 'host')).toEqual([]);
    });

    it('refuses a stopped or unknown guest as not running, and says so when the driver has no diagnostics', async () => {
      const driver = new FakeComputeDriver({ hostname: 'hv-6' });
      const stopped = makeInstance();
      await driver.spawn({ instance: stopped, powerOn: false });
      await start(driver);
      expect(await ask('hv-6', { serverId: stopped.instanceId, format: 'standard' })).toMatchObject({ ok: false, refusal: 'not-running' });
      expect(await ask('hv-6', { serverId: makeInstance().instanceId, format: 'legacy' })).toMatchObject({ ok: false, refusal: 'not-running' });
      await agent.stop();
      const without = new FakeComputeDriver({ hostname: 'hv-7', capabilities: { supportsDiagnostics: false } });
      const guest = makeInstance();
      await without.spawn({ instance: guest });
      await start(without);
      expect(await ask('hv-7', { serverId: guest.instanceId, format: 'standard' })).toEqual({ ok: false, refusal: 'not-supported', message: 'The fake compute driver does not support getDiagnostics' });
    });
  });
});
