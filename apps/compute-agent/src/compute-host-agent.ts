import { HostAllocation } from '../../../domain/compute';
import { BlobKey, BlobStore } from '../../../infra/blob';
import { Bus, Consumer } from '../../../infra/messaging/bus';
import { ComputeDriver, ComputeDriverError, DriverOperationFailed, InstanceInvalidPowerState, InstanceNotFound, OperationNotSupported, POWER_STATE, PowerState } from '../../../infra/hypervisor';
import {
  ComputeHeartbeat,
  ComputeReport,
  ComputeWorkOrder,
  computeSubjects,
  ConsoleReply,
  ConsoleRequest,
  DiagnosticsReply,
  DiagnosticsRequest,
  StoredSnapshot,
} from '../../shared/src/compute-protocol';

export interface HostAgentOptions {
  host: string;
  driver: ComputeDriver;
  bus: Bus;
  /** Where a shelve or createImage stores the copy of a root disk: the image blob store (the host shares Strata's data dir). */
  blobs: BlobStore;
  availabilityZone: string;
  allocation: HostAllocation;
  reportIntervalMs: number;
  /** How long a stop lets the guest shut down cleanly before the power is cut (Nova's `shutdown_timeout`); default 0. */
  shutdownTimeoutSec?: number;
  /** Time between reconciliation rounds (the first runs at start); 0 turns them off. */
  syncPowerStateIntervalMs?: number;
  log: { info(m: string): void; warn(m: string): void };
}

/**
 * One compute host: takes its work orders from the bus, performs them through its ComputeDriver and
 * reports back; announces its resources at start and beats its heart every report interval. An order
 * is acked only after its report is published, so a crash mid-operation gets the order again, and
 * every operation is idempotent (spawn of an existing guest, destroy of a missing one).
 */
export class ComputeHostAgent {
  private consumer: Consumer | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private syncRounds = 0;
  private stopConsole: (() => void) | null = null;
  private stopDiagnostics: (() => void) | null = null;
  /** Orders for one instance run one after the other, in the order they arrived. */
  private readonly lanes = new Map<string, Promise<void>>();

  constructor(private readonly o: HostAgentOptions) {}

  get host(): string {
    return this.o.host;
  }

  async start(): Promise<void> {
    await this.announce();
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), this.o.reportIntervalMs);
    this.heartbeat.unref();
    this.stopConsole = this.o.bus.listen<ConsoleRequest>(computeSubjects.console(this.o.host), (request) => void this.answerConsole(request));
    this.stopDiagnostics = this.o.bus.listen<DiagnosticsRequest>(computeSubjects.diagnostics(this.o.host), (request) => void this.answerDiagnostics(request));
    this.consumer = await this.o.bus.consume<ComputeWorkOrder>(
      { durable: `compute-agent-${this.o.host}`, filterSubject: computeSubjects.work(this.o.host), ackWaitMs: 10 * 60_000 },
      (msg) => this.inLane(msg.data.serverId, () => this.perform(msg.data)),
    );
    const every = this.o.syncPowerStateIntervalMs ?? 0;
    if (every > 0) {
      void this.syncPowerStates();
      this.syncTimer = setInterval(() => void this.syncPowerStates(), every);
      this.syncTimer.unref();
    }
  }

  /**
   * One reconciliation round (Nova's `_sync_power_states`): the list of guests, then each guest's
   * power state read in its lane, so that a guest stopped behind Strata's back becomes an event and a
   * guest Strata does not know is named. Nothing here changes a guest.
   */
  syncPowerStates(): Promise<void> {
    this.syncing ??= (async () => {
      const round = `sync-${this.o.host}-${Date.now()}-${++this.syncRounds}`;
      try {
        const ids = await this.o.driver.listInstances();
        await this.report({ kind: 'guests', orderId: round, host: this.o.host, serverIds: ids });
        await Promise.all(
          ids.map((serverId) =>
            this.inLane(serverId, async () => {
              const powerState = await this.powerStateOf(serverId);
              // Gone since the list: nothing to say (a destroy reported it already).
              if (powerState === POWER_STATE.NOSTATE) return;
              await this.report({ kind: 'power-state', orderId: round, serverId, host: this.o.host, powerState });
            }),
          ),
        );
      } catch (e) {
        this.o.log.warn(`power state sync of ${this.o.host} failed: ${(e as Error).message}; the next round tries again`);
      }
    })().finally(() => (this.syncing = null));
    return this.syncing;
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.syncTimer) clearInterval(this.syncTimer);
    await this.syncing;
    this.stopConsole?.();
    this.stopDiagnostics?.();
    await this.consumer?.stop();
    await Promise.allSettled([...this.lanes.values()]);
  }

  /** The host's resources as the driver sees them; the conductor records a change as an event. */
  async announce(): Promise<void> {
    const r = await this.o.driver.getAvailableResource();
    await this.report({
      kind: 'host',
      host: this.o.host,
      availabilityZone: this.o.availabilityZone,
      allocation: this.o.allocation,
      resources: {
        hypervisorHostname: r.hypervisorHostname,
        hypervisorType: r.hypervisorType,
        hypervisorVersion: r.hypervisorVersion,
        cpuArch: r.cpuArch,
        cpuInfo: r.cpuInfo,
        hostIp: r.hostIp,
        vcpus: r.vcpus,
        memoryMb: r.memoryMb,
        localGb: r.localGb,
      },
    });
  }

  private beat(): void {
    const beat: ComputeHeartbeat = { host: this.o.host, at: new Date().toISOString() };
    this.o.bus.notify(computeSubjects.heartbeat(this.o.host), beat);
  }

  private inLane(serverId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.lanes.get(serverId) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.lanes.set(serverId, next);
    void next.finally(() => {
      if (this.lanes.get(serverId) === next) this.lanes.delete(serverId);
    }).catch(() => undefined);
    return next;
  }

  private report(report: ComputeReport): Promise<void> {
    // A shelve and the offload after it share their order id: an action's report names the action too.
    const action = report.kind === 'action-done' || report.kind === 'action-failed' ? `:${report.action}` : '';
    const id =
      report.kind === 'host' ? `host:${this.o.host}:${Date.now()}` : report.kind === 'guests' ? `${report.orderId}:guests` : `${report.orderId}:${report.kind}${action}:${report.serverId}`;
    return this.o.bus.publish(computeSubjects.report(this.o.host), report, { msgId: id });
  }

  private async powerStateOf(serverId: string): Promise<PowerState> {
    try {
      return (await this.o.driver.getInfo({ instanceId: serverId })).state;
    } catch (e) {
      if (e instanceof InstanceNotFound) return POWER_STATE.NOSTATE;
      throw e;
    }
  }

  private async perform(order: ComputeWorkOrder): Promise<void> {
    const d = this.o.driver;
    const host = this.o.host;
    switch (order.kind) {
      case 'spawn':
        try {
          await d.spawn({ instance: order.instance });
          await this.report({ kind: 'spawned', orderId: order.orderId, serverId: order.serverId, attempt: order.attempt, host, powerState: await this.powerStateOf(order.serverId) });
        } catch (e) {
          if (!(e instanceof ComputeDriverError)) throw e; // an infrastructure fault: redelivered
          // A failed spawn leaves nothing behind (driver contract); the conductor reschedules.
          this.o.log.warn(`spawn of ${order.serverId} on ${host} failed: ${e.message}`);
          await this.report({ kind: 'spawn-failed', orderId: order.orderId, serverId: order.serverId, attempt: order.attempt, host, reason: e.message });
        }
        return;
      case 'destroy':
        await d.destroy({ instanceId: order.serverId });
        await this.report({ kind: 'destroyed', orderId: order.orderId, serverId: order.serverId, host });
        return;
      case 'confirm-resize':
        await d.confirmResize({ instanceId: order.serverId });
        return;
      case 'migrate-out': {
        // nova/compute/manager.py `resize_instance` on the source: the guest is powered off and let go; it stays
        // here until the move is confirmed (then `drop-moved`) or reverted (then powered on again).
        if (!d.capabilities.supportsColdMigration) {
          const reason = `The compute driver of ${host} cannot move a guest to another host.`;
          this.o.log.warn(`move of ${order.serverId} from ${host} refused: ${reason}`);
          await this.report({ kind: 'action-failed', orderId: order.orderId, serverId: order.serverId, action: 'resize', host, reason, powerState: await this.powerStateOf(order.serverId) });
          return;
        }
        const state = await this.powerStateOf(order.serverId);
        if (state !== POWER_STATE.SHUTDOWN && state !== POWER_STATE.NOSTATE) await d.powerOff({ instanceId: order.serverId, timeoutSec: this.o.shutdownTimeoutSec ?? 0 });
        await this.report({ kind: 'migrated-out', orderId: order.orderId, serverId: order.serverId, host });
        return;
      }
      case 'drop-moved':
        // The copy a confirmed move left on its source, or a reverted one on its destination: gone, if still here.
        if ((await this.powerStateOf(order.serverId)) !== POWER_STATE.NOSTATE) await d.destroy({ instanceId: order.serverId });
        return;
      case 'action':
        try {
          const snapshot = await this.act(order);
          await this.report({
            kind: 'action-done',
            orderId: order.orderId,
            serverId: order.serverId,
            action: order.action,
            host,
            powerState: await this.powerStateOf(order.serverId),
            ...(snapshot ? { snapshot } : {}),
          });
        } catch (e) {
          if (!(e instanceof ComputeDriverError)) throw e;
          this.o.log.warn(`${order.action} of ${order.serverId} on ${host} failed: ${e.message}`);
          await this.report({
            kind: 'action-failed',
            orderId: order.orderId,
            serverId: order.serverId,
            action: order.action,
            host,
            reason: e.message,
            powerState: await this.powerStateOf(order.serverId).catch(() => null),
          });
        }
        return;
    }
  }

  /**
   * Each action looks at the guest first, so a redelivered order that already took effect just reports.
   * A shelve or createImage answers with the copy of the root disk it stored.
   */
  private async act(order: Extract<ComputeWorkOrder, { kind: 'action' }>): Promise<StoredSnapshot | void> {
    const d = this.o.driver;
    const instanceId = order.serverId;
    const state = await this.powerStateOf(instanceId);
    switch (order.action) {
      case 'stop':
        if (state !== POWER_STATE.SHUTDOWN) await d.powerOff({ instanceId, timeoutSec: this.o.shutdownTimeoutSec ?? 0 });
        return;
      case 'start':
        if (state !== POWER_STATE.RUNNING) await d.powerOn({ instanceId });
        return;
      case 'reboot':
        await d.reboot({ instanceId, type: order.rebootType ?? 'SOFT' });
        return;
      case 'pause':
        if (state !== POWER_STATE.PAUSED) await d.pause({ instanceId });
        return;
      case 'unpause':
        if (state === POWER_STATE.PAUSED) await d.unpause({ instanceId });
        return;
      case 'suspend':
        if (state !== POWER_STATE.SUSPENDED) await d.suspend({ instanceId });
        return;
      case 'resume':
        if (state === POWER_STATE.SUSPENDED) await d.resume({ instanceId });
        return;
      case 'rebuild':
        await d.rebuild({ instance: order.instance });
        // nova/compute/manager.py: a server stopped before its rebuild is stopped again.
        if (!order.powerOn) await d.powerOff({ instanceId });
        return;
      case 'resize':
        if (order.moved) {
          // The destination of a move (Nova's `finish_migration`): the guest comes in with its flavor, running
          // unless it was stopped. A redelivered order finds it here already.
          if (!d.capabilities.supportsColdMigration) throw new DriverOperationFailed('resize', instanceId, `the compute driver of ${this.o.host} cannot take a guest in from another host`);
          if (state === POWER_STATE.NOSTATE) await d.spawn({ instance: order.instance });
          const now = await this.powerStateOf(instanceId);
          if (!order.powerOn && now !== POWER_STATE.SHUTDOWN) await d.powerOff({ instanceId, timeoutSec: 0 });
          return;
        }
        await d.resize({ instance: order.instance, powerOn: order.powerOn });
        return;
      case 'revertResize':
        // A reverted move: the guest was left here powered off (`finish_revert_migration`); it runs again unless it was stopped.
        if (order.moved) {
          if (state === POWER_STATE.NOSTATE) throw new DriverOperationFailed('revertResize', instanceId, `the guest is no longer on ${this.o.host}`);
          if (order.powerOn && state !== POWER_STATE.RUNNING) await d.powerOn({ instanceId });
          return;
        }
        await d.revertResize({ instance: order.instance, powerOn: order.powerOn });
        return;
      case 'createImage': {
        // Nova's libvirt cold snapshot: a running or paused guest is suspended (its memory saved, its disk at rest)
        // for the copy and brought back after, whatever happened. A redelivered order finds it suspended: `afterSnapshot` says where it goes back to.
        if (state === POWER_STATE.RUNNING || state === POWER_STATE.PAUSED) await d.suspend({ instanceId });
        try {
          return await this.copyDisk(instanceId);
        } finally {
          if (order.afterSnapshot && (await this.powerStateOf(instanceId)) === POWER_STATE.SUSPENDED) {
            await d.resume({ instanceId });
            if (order.afterSnapshot === 'paused') await d.pause({ instanceId });
          }
        }
      }
      case 'shelve':
        // nova/compute/manager.py `shelve_instance`: power off, then snapshot. The guest stays until the offload,
        // so a redelivered shelve copies the disk again (identical bytes are stored once).
        if (state !== POWER_STATE.SHUTDOWN) await d.powerOff({ instanceId, timeoutSec: this.o.shutdownTimeoutSec ?? 0 });
        return this.copyDisk(instanceId);
      case 'shelveOffload':
        // The guest's disk goes only while its copy is in the image store (a sweep of bytes nothing referenced
        // yet, after a long conductor outage, could have taken it): otherwise the server stays SHELVED, on this host.
        if (order.requireBlob && state !== POWER_STATE.NOSTATE && !(await this.o.blobs.stat(order.requireBlob as BlobKey))) {
          throw new DriverOperationFailed('destroy', instanceId, `the shelved image's bytes (${order.requireBlob}) are not in the image store; the guest is kept`);
        }
        await d.destroy({ instanceId });
        return;
      case 'unshelve':
        // Shelved on this host: the guest is here, powered off. Offloaded: spawned from the shelved image.
        if (state === POWER_STATE.NOSTATE) await d.spawn({ instance: order.instance });
        else if (state !== POWER_STATE.RUNNING) await d.powerOn({ instanceId });
        return;
    }
  }

  /** A copy of the guest's root disk (it must be at rest), stored in the image blob store. */
  private async copyDisk(instanceId: string): Promise<StoredSnapshot> {
    const copy = await this.o.driver.snapshot({ instanceId });
    let stored;
    try {
      stored = await this.o.blobs.put(copy.stream);
    } catch (e) {
      // The driver's temporary copy goes when its stream does.
      copy.stream.destroy();
      throw e;
    }
    return { blobKey: stored.key, size: stored.size, md5: stored.md5, sha512: stored.sha512, diskFormat: copy.diskFormat, virtualSize: copy.virtualSize };
  }

  private async answerConsole(request: ConsoleRequest): Promise<void> {
    let reply: ConsoleReply;
    try {
      let output = await this.o.driver.getConsoleOutput({ instanceId: request.serverId });
      if (request.length !== null) output = output.split('\n').slice(-request.length).join('\n');
      reply = { ok: true, output };
    } catch (e) {
      reply = { ok: false, notFound: e instanceof InstanceNotFound, message: (e as Error).message };
    }
    this.o.bus.notify(request.replyTo, reply);
  }

  /** Nova's compute manager `get_diagnostics` / `get_instance_diagnostics`: a read, so outside the guest's lane and with no report. */
  private async answerDiagnostics(request: DiagnosticsRequest): Promise<void> {
    const instanceId = request.serverId;
    let reply: DiagnosticsReply;
    try {
      reply =
        request.format === 'standard'
          ? { ok: true, format: 'standard', diagnostics: await this.o.driver.getInstanceDiagnostics({ instanceId, launchedAt: request.launchedAt }) }
          : { ok: true, format: 'legacy', diagnostics: await this.o.driver.getDiagnostics({ instanceId }) };
    } catch (e) {
      const refusal = e instanceof InstanceInvalidPowerState || e instanceof InstanceNotFound ? 'not-running' : e instanceof OperationNotSupported ? 'not-supported' : 'failed';
      reply = { ok: false, refusal, message: (e as Error).message };
    }
    this.o.bus.notify(request.replyTo, reply);
  }
}
