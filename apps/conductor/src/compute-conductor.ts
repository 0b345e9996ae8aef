import {
  BuildSagaCommand,
  BuildStep,
  BuildSagaEvent,
  buildSagaDecider,
  BuildSagaState,
  buildSagaStream,
  FlavorSnapshot,
  InsufficientHostResources,
  maxRetriesExceeded,
  POWER,
  nextBuildStep,
  NO_VALID_HOST,
  NO_VALID_HOST_RESOURCES,
  Server,
  ServerCommand,
  serverDecider,
  ServerEvent,
  serverGroupDecider,
  ServerGroupState,
  serverGroupStream,
  ServerState,
  serverStream,
} from '../../../domain/compute';
import { describeNoValidHost, fitsResources, RequestSpec, requestedResources, schedule } from '../../../domain/scheduling';
import { Actor, CommandMetadata, Decider, DomainEvent, DomainError, EventStore, fold, FoldCache, handleCommand, RecordedEvent } from '../../../domain/kernel';
import { InstanceSpec } from '../../../infra/hypervisor';
import { deterministicEventId, uuidFromName } from '../../../infra/ids/ids';
import { Bus, Consumer } from '../../../infra/messaging/bus';
import { ComputeReport, ComputeWorkOrder, computeSubjects } from '../../shared/src/compute-protocol';
import { HostAggregates } from './host-aggregates';
import { SnapshotImages } from './snapshot-images';
import { Slots } from '../../../infra/concurrency/slots';

/** Nova's `[scheduler] max_attempts`. */
export const MAX_BUILD_ATTEMPTS = 3;

/** The conductor acts for the service, not for a user; the correlation id ties its events to the user's request. */
const CONDUCTOR: Actor = { userId: null, projectId: null, domainId: null, roles: ['service'] };

/** Events the conductor reacts to (through its own checkpointed subscription to the log). */
export const CONDUCTOR_EVENT_TYPES = [
  'ServerCreationRequested',
  'ServerDeletionRequested',
  'ServerDeleted',
  'ServerStopRequested',
  'ServerStartRequested',
  'ServerRebootRequested',
  'ServerPauseRequested',
  'ServerUnpauseRequested',
  'ServerSuspendRequested',
  'ServerResumeRequested',
  'ServerRebuildRequested',
  'ServerResizeRequested',
  'ServerMigratedOut',
  'ServerRevertResizeRequested',
  'ServerResizeConfirmed',
  'ServerResizeReverted',
  'ServerImageRequested',
  'ServerShelveRequested',
  'ServerShelved',
  'ServerShelveOffloadRequested',
  'ServerShelveOffloaded',
  'ServerUnshelveRequested',
  'ServerUnshelved',
  'ServerActionFailed',
];

export interface ConductorLog {
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
}

interface Loaded<S> {
  state: S;
  correlationId: string | null;
}

/** What a claim of `flavor` takes from a host (placement's resources of the flavor: swap counts as disk). */
function claimOf(flavor: FlavorSnapshot): { vcpus: number; memoryMb: number; diskGb: number } {
  const r = requestedResources(flavor);
  return { vcpus: r.VCPU, memoryMb: r.MEMORY_MB, diskGb: r.DISK_GB };
}

export function instanceSpecOf(s: Server, flavor = s.flavor): InstanceSpec {
  return {
    instanceId: s.serverId,
    name: s.instanceName,
    displayName: s.name,
    flavor: { id: flavor.id, name: flavor.name, vcpus: flavor.vcpus, memoryMb: flavor.memoryMb, rootGb: flavor.rootGb, ephemeralGb: flavor.ephemeralGb, swapMb: flavor.swapMb, extraSpecs: flavor.extraSpecs },
    image: { id: s.image.id, properties: s.image.properties, diskFormat: s.image.diskFormat },
    metadata: s.metadata,
    keyData: s.keyData,
    userData: s.userData,
  };
}

/**
 * Nova's conductor and scheduler on the event log: builds servers through a saga whose every step
 * is an event on `saga-build-<serverId>` (so a restarted conductor folds it and carries on), turns
 * action requests into work orders for the host's agent, and agents' reports into commands.
 */
export class ComputeConductor {
  private readonly building = new Map<string, Promise<void>>();
  /** Builds scheduled at once: enough to keep the store busy, few enough that claims rarely collide. */
  private readonly slots = new Slots(16);
  private reports: Consumer | null = null;
  /** Build sagas: only the active conductor writes them, so their folds are used as they are. */
  private readonly sagas: FoldCache<BuildSagaCommand, BuildSagaEvent, BuildSagaState>;
  /** Servers: the API writes them too, so each use reads the events appended since. */
  private readonly servers: FoldCache<ServerCommand, ServerEvent, ServerState>;
  private readonly snapshotImages: SnapshotImages;

  constructor(
    private readonly store: EventStore,
    private readonly bus: Bus,
    readonly hosts: HostAggregates,
    private readonly log: ConductorLog,
    /** Servers Strata places on a host (not deleted), from the read model; without it guests are not compared. */
    private readonly serversOnHost?: (host: string) => Promise<{ id: string; vmState: string; taskState: string | null }[]>,
    /** Awaited before each build step: lets the API of the same process answer first when it is busy. */
    private readonly giveWay?: () => Promise<void>,
    /** Nova's `shelved_offload_time`: 0 offloads a shelved server at once; otherwise `offloadShelved` does, later or never. */
    private readonly shelvedOffloadTimeSec = 0,
  ) {
    this.sagas = new FoldCache(store, buildSagaDecider, { eventId: deterministicEventId, soleWriter: true });
    // Servers in flight mostly: a server's fold is a few KiB, and one not held is read again when needed.
    this.servers = new FoldCache(store, serverDecider, { eventId: deterministicEventId, soleWriter: false, capacity: 2_000 });
    this.snapshotImages = new SnapshotImages(store);
  }

  async startReports(): Promise<void> {
    this.reports = await this.bus.consume<ComputeReport>({ durable: 'conductor-compute-reports', filterSubject: computeSubjects.reports }, (msg) => this.onReport(msg.data));
  }

  async stop(): Promise<void> {
    await this.reports?.stop();
    await Promise.allSettled([...this.building.values()]);
    // Another conductor may write the sagas before this one is active again.
    this.sagas.clear();
    this.servers.clear();
  }

  // ---- commands ---------------------------------------------------------------------------

  private meta(requestKey: string, correlationId: string | null, causationId: string): CommandMetadata {
    const requestId = `req-${uuidFromName(`conductor\u0000${requestKey}`)}`;
    return { requestId, correlationId: correlationId ?? requestId.slice(4), causationId, actor: CONDUCTOR, now: new Date().toISOString() };
  }

  private async load<S, E extends DomainEvent>(decider: Pick<Decider<never, E, S>, 'initialState' | 'evolve'>, stream: string): Promise<Loaded<S>> {
    const events: RecordedEvent[] = [];
    for await (const e of this.store.readStream(stream)) events.push(e);
    return { state: fold(decider, events as unknown as E[]), correlationId: (events[0]?.metadata.correlationId as string | undefined) ?? null };
  }

  loadServer(serverId: string): Promise<Loaded<ServerState>> {
    return this.servers.load(serverStream(serverId));
  }

  private loadSaga(serverId: string): Promise<Loaded<BuildSagaState>> {
    return this.sagas.load(buildSagaStream(serverId));
  }

  private async server<T extends ServerCommand['type']>(type: T, data: Extract<ServerCommand, { type: T }>['data'], meta: CommandMetadata) {
    const stream = serverStream((data as { serverId: string }).serverId);
    const result = await this.servers.handle(stream, { type, data, metadata: meta } as ServerCommand);
    if (result.state.status === 'deleted') this.servers.forget(stream);
    return result;
  }

  private saga<T extends BuildSagaCommand['type']>(type: T, data: Extract<BuildSagaCommand, { type: T }>['data'], meta: CommandMetadata) {
    return this.sagaSteps(data.serverId, [{ type, data, metadata: meta } as BuildSagaCommand]);
  }

  /** Steps of one build saga in one append. */
  private async sagaSteps(serverId: string, commands: BuildSagaCommand[]) {
    const stream = buildSagaStream(serverId);
    const result = await this.sagas.handleAll(stream, commands);
    // An ended saga is read again only by a late report or a deletion: no need to keep it.
    if (result.state.status !== 'running' && result.state.status !== 'absent') this.sagas.forget(stream);
    return result;
  }

  private async releaseClaim(host: string, claimId: string, correlationId: string | null, cause: string): Promise<void> {
    await this.hosts.run({ type: 'ReleaseHostClaim', data: { host, claimId }, metadata: this.meta(`release/${claimId}`, correlationId, cause) }, `release/${claimId}`, this.meta(`release/${claimId}`, correlationId, cause));
  }

  private order(host: string, order: ComputeWorkOrder): Promise<void> {
    // A shelve and the offload after it share their order id: an action's message id names the action too.
    const step = order.kind === 'spawn' ? `:${order.attempt}` : order.kind === 'action' ? `:${order.action}` : '';
    return this.bus.publish(computeSubjects.work(host), order, { msgId: `${order.orderId}:${order.kind}:${order.serverId}${step}` });
  }

  // ---- events from the log ---------------------------------------------------------------

  /** One event of the conductor's subscription; idempotent, since the subscription resumes from a checkpoint. */
  async onEvent(event: RecordedEvent): Promise<void> {
    const e = event as unknown as ServerEvent;
    const correlationId = (event.metadata.correlationId as string | undefined) ?? null;
    switch (e.type) {
      case 'ServerCreationRequested':
        // Not awaited: builds run side by side (bounded). The saga starts with the build's first step;
        // a build a crash interrupts before that is found building in the read model and resumed.
        void this.advanceBuild(e.data.serverId, false);
        return;
      case 'ServerDeletionRequested':
        if (e.data.abandonedImageId) await this.snapshotImages.delete(e.data.abandonedImageId, this.meta(`abandoned-image/${e.data.abandonedImageId}`, correlationId, event.id));
        if (e.data.host !== null) await this.order(e.data.host, { kind: 'destroy', orderId: e.data.orderId, serverId: e.data.serverId });
        return;
      case 'ServerDeleted':
        await this.afterDeletion(e.data, correlationId, event.id);
        return;
      case 'ServerStopRequested':
      case 'ServerStartRequested':
      case 'ServerRebootRequested':
      case 'ServerPauseRequested':
      case 'ServerUnpauseRequested':
      case 'ServerSuspendRequested':
      case 'ServerResumeRequested':
      case 'ServerRebuildRequested':
      case 'ServerRevertResizeRequested':
      case 'ServerImageRequested':
      case 'ServerShelveRequested':
      case 'ServerShelveOffloadRequested':
        await this.orderPendingAction(e.data.serverId);
        return;
      case 'ServerShelved':
        // Nova's `shelved_offload_time` 0: off the host at once, as a step of the same action.
        if (this.shelvedOffloadTimeSec !== 0) return;
        await this.server('ShelveOffloadServer', { serverId: e.data.serverId, byAdmin: true, orderId: e.data.orderId }, this.meta(`offload/${e.data.orderId}`, correlationId, event.id)).catch(
          ignoreGone,
        );
        return;
      case 'ServerShelveOffloaded':
        if (e.data.releasedClaimId) await this.releaseClaim(e.data.releasedHost, e.data.releasedClaimId, correlationId, event.id);
        return;
      case 'ServerUnshelveRequested':
        await this.unshelve(e.data.serverId, correlationId, event.id);
        return;
      case 'ServerUnshelved':
        if (e.data.imageId) await this.snapshotImages.delete(e.data.imageId, this.meta(`unshelved-image/${e.data.imageId}`, correlationId, event.id));
        return;
      case 'ServerResizeRequested':
      case 'ServerMigratedOut':
        await this.claimForResize(e.data.serverId, correlationId, event.id);
        return;
      case 'ServerResizeConfirmed':
        if (e.data.releasedClaimId) await this.releaseClaim(e.data.sourceHost, e.data.releasedClaimId, correlationId, event.id);
        // A move leaves its powered-off copy on the source until now (Nova's `confirm_migration` on the source).
        if (e.data.destHost !== undefined && e.data.destHost !== e.data.sourceHost) await this.order(e.data.sourceHost, { kind: 'drop-moved', orderId: event.id, serverId: e.data.serverId });
        else await this.order(e.data.sourceHost, { kind: 'confirm-resize', orderId: event.id, serverId: e.data.serverId });
        return;
      case 'ServerResizeReverted':
        if (e.data.releasedClaimId) await this.releaseClaim(e.data.releasedHost, e.data.releasedClaimId, correlationId, event.id);
        // A reverted move: the copy the destination took in goes.
        if (e.data.releasedHost !== e.data.host) await this.order(e.data.releasedHost, { kind: 'drop-moved', orderId: event.id, serverId: e.data.serverId });
        return;
      case 'ServerActionFailed':
        if (e.data.releasedClaimId && e.data.releasedHost) await this.releaseClaim(e.data.releasedHost, e.data.releasedClaimId, correlationId, event.id);
        // nova/compute/manager.py `snapshot_instance`: the image of a failed snapshot is deleted.
        if (e.data.imageId) await this.snapshotImages.delete(e.data.imageId, this.meta(`failed-image/${e.data.imageId}`, correlationId, event.id));
        return;
      default:
        return;
    }
  }

  private async afterDeletion(d: Extract<ServerEvent, { type: 'ServerDeleted' }>['data'], correlationId: string | null, cause: string): Promise<void> {
    for (const claim of d.claims) await this.releaseClaim(claim.host, claim.claimId, correlationId, cause);
    // A server deleted in the middle of a move (or in VERIFY_RESIZE after one) may have a copy on the move's other
    // host: it goes too (Nova confirms the resize first, `_confirm_resize_on_deleting`).
    for (const other of new Set(d.claims.map((c) => c.host).filter((h) => h !== d.host))) {
      await this.order(other, { kind: 'drop-moved', orderId: `${cause}-moved`, serverId: d.serverId });
    }
    // nova/compute/api.py `_delete`: a shelved server's image goes with it.
    if (d.shelvedImageId) await this.snapshotImages.delete(d.shelvedImageId, this.meta(`deleted-image/${d.shelvedImageId}`, correlationId, cause));
    // A build that held a claim not yet recorded on the server gives it back too.
    const saga = await this.loadSaga(d.serverId);
    if (saga.state.status === 'running') {
      const b = saga.state.build;
      await this.saga('CancelBuildSaga', { serverId: d.serverId }, this.meta(`cancel/${d.serverId}`, correlationId, cause));
      if (b.host && b.claimId && b.phase !== 'scheduling') await this.releaseClaim(b.host, b.claimId, correlationId, cause);
    }
    if (d.serverGroupId) {
      await handleCommand(
        this.store,
        serverGroupDecider,
        serverGroupStream(d.serverGroupId),
        { type: 'RemoveServerGroupMember', data: { groupId: d.serverGroupId, serverId: d.serverId }, metadata: this.meta(`ungroup/${d.serverId}`, correlationId, cause) },
        { eventId: deterministicEventId },
      );
    }
  }

  /** Sends the order of the server's pending action to its host (again, after a restart: agents are idempotent). */
  async orderPendingAction(serverId: string): Promise<void> {
    const { state } = await this.loadServer(serverId);
    if (state.status !== 'live') return;
    const s = state.server;
    const p = s.pending;
    if (!p || p.action === 'resize' || s.host === null) return;
    let instance = instanceSpecOf(s);
    let host = s.host;
    let powerOn = s.vmState !== 'stopped';
    let moved = false;
    if (p.action === 'revertResize' && s.resize) {
      instance = instanceSpecOf(s, s.resize.oldFlavor);
      host = s.resize.sourceHost;
      powerOn = s.resize.previousVmState !== 'stopped';
      // A move goes back to the source, where the guest was left powered off.
      moved = s.resize.destHost !== null && s.resize.destHost !== s.resize.sourceHost;
    }
    let extra: Partial<Extract<ComputeWorkOrder, { kind: 'action' }>> = {};
    if (p.action === 'shelveOffload') {
      // The offload removes the guest: only once the shelved image holds the copy of its disk.
      const blob = s.shelvedImage ? await this.snapshotImages.blobOf(s.shelvedImage.id) : null;
      if (blob === null) {
        const message = `The shelved image ${s.shelvedImage?.id ?? '(none)'} holds no copy of the disk; the guest is kept on ${host}.`;
        await this.server('FailServerAction', { serverId, orderId: p.orderId, action: 'shelveOffload', message }, this.meta(`offload-refused/${p.orderId}`, null, p.orderId)).catch(ignoreGone);
        return;
      }
      extra = { requireBlob: blob };
    } else if (p.action === 'createImage') {
      const afterSnapshot = s.vmState === 'active' ? 'running' : s.vmState === 'paused' ? 'paused' : undefined;
      if (afterSnapshot) extra = { afterSnapshot };
    }
    await this.order(host, { kind: 'action', orderId: p.orderId, serverId, action: p.action, rebootType: p.rebootType, instance, powerOn, ...extra, ...(moved ? { moved } : {}) });
  }

  /**
   * A resize's next step, from the server's state (so a restart resumes it): a resize stays on the
   * server's own host (Nova with allow_resize_to_same_host, as DevStack sets it): the new flavor is
   * claimed there, then ordered. A cold migration goes to another host: the scheduler's (or 2.56's)
   * destination is claimed, the source powers the guest off and lets it go (`migrate-out`), then the
   * destination takes it in (a `resize` with `moved`).
   */
  async claimForResize(serverId: string, correlationId: string | null, cause: string): Promise<void> {
    const { state } = await this.loadServer(serverId);
    if (state.status !== 'live' || !state.server.resize) return;
    const s = state.server;
    const r = s.resize!;
    if (r.destClaimId === null) {
      const fail = (message: string) => this.server('FailServerAction', { serverId, orderId: r.orderId, action: 'resize', message }, this.meta(`resize-fail/${r.orderId}`, correlationId, cause));
      let dest = { host: r.sourceHost, node: r.sourceNode };
      if (r.migration) {
        // nova/conductor/tasks/migrate.py: the scheduler, with the server's own host ignored; 2.56's host is the
        // requested destination, which every filter still checks.
        // The zone asked for at boot still holds (the request spec's); a forced boot host does not.
        const spec = await this.requestSpec(s, [r.sourceHost]);
        const candidates = (await this.hosts.schedulerHosts({ zoneAsked: spec.availabilityZone !== null, named: r.requestedHost })).filter((h) => r.requestedHost === null || h.host === r.requestedHost);
        const result = schedule(candidates, { ...spec, forcedHost: null });
        const chosen = result.hosts[0];
        if (!chosen) {
          this.log.info(`migration of ${serverId}: ${describeNoValidHost(result).log}`);
          await fail(NO_VALID_HOST);
          return;
        }
        dest = { host: chosen.host, node: chosen.host };
      }
      const claimId = uuidFromName(`resize/${serverId}/${r.orderId}`);
      const meta = this.meta(`resize-claim/${r.orderId}`, correlationId, cause);
      try {
        await this.hosts.run(
          { type: 'ClaimHostResources', data: { host: dest.host, claimId, serverId, ...claimOf(r.newFlavor) }, metadata: meta },
          `resize-claim/${r.orderId}`,
          meta,
        );
      } catch (e) {
        if (!(e instanceof InsufficientHostResources)) throw e;
        await fail(NO_VALID_HOST_RESOURCES);
        return;
      }
      await this.server('RecordResizeClaimed', { serverId, orderId: r.orderId, host: dest.host, node: dest.node, claimId }, this.meta(`resize-claimed/${r.orderId}`, correlationId, cause));
    }
    const again = await this.loadServer(serverId);
    if (again.state.status !== 'live' || !again.state.server.resize) return;
    const now = again.state.server;
    const at = now.resize!;
    const destHost = at.destHost ?? at.sourceHost;
    const powerOn = r.previousVmState !== 'stopped';
    if (destHost === at.sourceHost) {
      await this.order(destHost, { kind: 'action', orderId: r.orderId, serverId, action: 'resize', instance: instanceSpecOf(now, at.newFlavor), powerOn });
    } else if (now.taskState === 'resize_migrating') {
      await this.order(at.sourceHost, { kind: 'migrate-out', orderId: r.orderId, serverId });
    } else if (now.taskState === 'resize_migrated') {
      await this.order(destHost, { kind: 'action', orderId: r.orderId, serverId, action: 'resize', instance: instanceSpecOf(now, at.newFlavor), powerOn, moved: true });
    }
  }

  // ---- shelve and unshelve ----------------------------------------------------------------

  /**
   * Unshelve. A SHELVED server is powered on where it is (its pending order). An offloaded one is placed
   * by the scheduler (in the zone of its unshelve, on the host an admin named), the placement recorded,
   * the claim taken with the id recorded, then the host spawns it from its shelved image. Every step is
   * recorded before the next, so a restarted conductor carries on where it was (`resume`).
   */
  async unshelve(serverId: string, correlationId: string | null, cause: string): Promise<void> {
    const { state } = await this.loadServer(serverId);
    if (state.status !== 'live' || state.server.pending?.action !== 'unshelve') return;
    let s = state.server;
    const u = s.unshelve;
    if (!u) return this.orderPendingAction(serverId);
    const key = (what: string) => this.meta(`unshelve/${u.orderId}/${what}`, correlationId, cause);
    const fail = (message: string) => this.server('FailServerAction', { serverId, orderId: u.orderId, action: 'unshelve', message }, key('failed')).catch(ignoreGone);
    if (u.claimId === null) {
      const spec = await this.requestSpec(s, []);
      // nova/conductor/manager.py `unshelve_instance`: the forced destinations of the boot are reset; 2.91's host is
      // the requested destination, which every filter still checks (a disabled host takes nothing).
      const candidates = (await this.hosts.schedulerHosts({ zoneAsked: spec.availabilityZone !== null, named: u.requestedHost })).filter((h) => u.requestedHost === null || h.host === u.requestedHost);
      const result = schedule(candidates, { ...spec, forcedHost: null });
      const chosen = result.hosts[0];
      if (!chosen) {
        this.log.info(`unshelve of ${serverId}: ${describeNoValidHost(result).log}`);
        await fail(NO_VALID_HOST);
        return;
      }
      const claimId = uuidFromName(`unshelve/${serverId}/${u.orderId}`);
      const placed = await this.server(
        'RecordUnshelveScheduled',
        { serverId, orderId: u.orderId, host: chosen.host, node: chosen.host, availabilityZone: chosen.availabilityZone, claimId },
        key('scheduled'),
      ).catch((e) => (ignoreGone(e), null));
      if (placed?.state.status !== 'live') return;
      s = placed.state.server;
    }
    const placedOn = s.unshelve;
    if (!placedOn?.host || !placedOn.claimId) return;
    try {
      await this.hosts.run(
        { type: 'ClaimHostResources', data: { host: placedOn.host, claimId: placedOn.claimId, serverId, ...claimOf(s.flavor) }, metadata: key('claim') },
        `unshelve-claim/${placedOn.claimId}`,
        key('claim'),
      );
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      // The host filled up between the placement and the claim: the unshelve fails, the server stays offloaded.
      await fail(e instanceof InsufficientHostResources ? NO_VALID_HOST_RESOURCES : e.message);
      return;
    }
    // Deleted (or its unshelve ended) while the claim was taken: the room goes back.
    const now = await this.loadServer(serverId);
    const still = now.state.status === 'live' && now.state.server.unshelve?.claimId === placedOn.claimId ? now.state.server : null;
    if (!still) {
      await this.releaseClaim(placedOn.host, placedOn.claimId, correlationId, cause);
      return;
    }
    await this.order(placedOn.host, { kind: 'action', orderId: placedOn.orderId, serverId, action: 'unshelve', instance: this.unshelveSpec(still), powerOn: true });
  }

  /**
   * Nova's `_poll_shelved_instances`: servers SHELVED on their host for longer than `shelved_offload_time`
   * leave it. `shelvedAt` keys the request, so a server found again by the next poll is asked once.
   */
  async offloadShelved(due: { id: string; shelvedAt: string }[]): Promise<void> {
    for (const { id, shelvedAt } of due) {
      await this.server('ShelveOffloadServer', { serverId: id, byAdmin: true }, this.meta(`offload-due/${id}/${shelvedAt}`, null, `offload-due/${id}`)).catch(ignoreGone);
    }
  }

  /** The server as its unshelve spawns it: from the shelved image (the server keeps showing the image it was built from). */
  private unshelveSpec(s: Server): InstanceSpec {
    const spec = instanceSpecOf(s);
    const image = s.shelvedImage;
    return image ? { ...spec, image: { id: image.id, properties: s.image.properties, diskFormat: image.diskFormat } } : spec;
  }

  /**
   * A shelve's or createImage's report: the host stored the copy of the root disk. The conductor records it on
   * the image, then the server's action as done; an image that cannot take it fails the action (a shelved guest
   * stays, powered off; a failed createImage's image is deleted).
   */
  private async snapshotDone(r: Extract<ComputeReport, { kind: 'action-done' }>, meta: (what: string) => CommandMetadata): Promise<void> {
    const { state } = await this.loadServer(r.serverId);
    const p = state.status === 'live' ? state.server.pending : null;
    if (state.status !== 'live' || p?.action !== r.action || p.orderId !== r.orderId) return;
    const s = state.server;
    const image = r.action === 'shelve' ? s.shelvedImage : p.imageId ? { id: p.imageId, name: p.imageName ?? `${s.name}-snapshot` } : null;
    if (!image) return;
    const requester = (r.action === 'shelve' ? s.shelvedImage?.requester : p.requester) ?? { userId: s.userId, projectId: s.projectId };
    const recorded = r.snapshot ? await this.snapshotImages.record(s, image.name, image.id, requester, r.snapshot, meta(`snapshot-image/${image.id}`)) : false;
    if (!recorded) {
      const message = r.snapshot ? `The image ${image.id} could not take the copy (it was deleted, or its upload killed, meanwhile).` : 'The host stored no copy of the disk.';
      await this.server('FailServerAction', { serverId: r.serverId, orderId: r.orderId, action: r.action, message, powerState: r.powerState }, meta(`failed/${r.action}`)).catch(ignoreGone);
      return;
    }
    try {
      await this.server('CompleteServerAction', { serverId: r.serverId, orderId: r.orderId, action: r.action, powerState: r.powerState, imageDiskFormat: r.snapshot!.diskFormat }, meta(`done/${r.action}`));
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      // Deleted while the copy was recorded (its deletion found no image to delete yet): the image goes too.
      await this.snapshotImages.delete(image.id, meta(`orphan-image/${image.id}`));
    }
  }

  // ---- the build saga ---------------------------------------------------------------------

  /** Runs the build's next steps until it waits for an agent or ends; one runner per server in this process. */
  async advanceBuild(serverId: string, resumed: boolean): Promise<void> {
    // Members of one server group are placed one after the other, so each sees where the others went
    // (Nova rechecks the group policy late on the compute host; here it never has to).
    const { state } = await this.servers.peek(serverStream(serverId));
    const lane = state.status === 'live' && state.server.serverGroupId ? `group:${state.server.serverGroupId}` : serverId;
    const previous = this.building.get(lane) ?? Promise.resolve();
    const next = previous.then(() => this.slots.run(() => this.runBuild(serverId, resumed))).catch((e: Error) => this.log.error(`build of ${serverId}: ${e.stack ?? e.message}`));
    this.building.set(lane, next);
    void next.finally(() => {
      if (this.building.get(lane) === next) this.building.delete(lane);
    });
    return next;
  }

  private async runBuild(serverId: string, resumed: boolean): Promise<void> {
    for (let steps = 0; steps < 200; steps++) {
      await this.giveWay?.();
      const saga = await this.loadSaga(serverId);
      // No saga yet: the build's first step starts it (in the same append as the host it selects).
      const starting = saga.state.status === 'absent';
      const correlationId = starting ? (await this.servers.peek(serverStream(serverId))).correlationId : saga.correlationId;
      const step: BuildStep = starting ? { kind: 'schedule', attempt: 1, ignoreHosts: [] } : nextBuildStep(saga.state);
      const key = (what: string) => this.meta(`build/${serverId}/${what}`, correlationId, `saga-build-${serverId}`);
      switch (step.kind) {
        case 'none':
          return;
        case 'await-spawn':
          if (resumed) {
            const { state } = await this.loadServer(serverId);
            if (state.status === 'live') await this.order(step.host, { kind: 'spawn', orderId: `build-${serverId}-${step.attempt}`, serverId, attempt: step.attempt, instance: instanceSpecOf(state.server) });
          }
          return;
        case 'fail':
          await this.failBuild(serverId, step.reason, correlationId);
          return;
        case 'schedule': {
          const { state } = await this.loadServer(serverId);
          if (state.status !== 'live' || state.server.vmState !== 'building' || state.server.taskState === 'deleting') {
            if (!starting) await this.saga('CancelBuildSaga', { serverId }, key('cancel'));
            return;
          }
          const start: BuildSagaCommand[] = starting
            ? [{ type: 'StartBuildSaga', data: { serverId, maxAttempts: MAX_BUILD_ATTEMPTS }, metadata: this.meta(`start/${serverId}`, correlationId, `server-${serverId}`) }]
            : [];
          const spec = await this.requestSpec(state.server, step.ignoreHosts);
          const hosts = await this.hosts.schedulerHosts({ zoneAsked: spec.availabilityZone !== null, named: spec.forcedHost });
          const result = schedule(hosts, spec);
          const chosen = result.hosts[0];
          if (!chosen) {
            this.log.info(`build of ${serverId}: ${describeNoValidHost(result).log}`);
            const anyRoom = hosts.some((h) => fitsResources(h, spec.flavor).fits);
            if (starting) await this.sagaSteps(serverId, start);
            await this.failBuild(serverId, step.attempt > 1 ? maxRetriesExceeded(serverId) : anyRoom ? NO_VALID_HOST : NO_VALID_HOST_RESOURCES, correlationId);
            return;
          }
          const refusals = saga.state.status === 'running' ? saga.state.build.claimRefusals : 0;
          const claimId = uuidFromName(`claim/${serverId}/${step.attempt}/${refusals}`);
          const select: BuildSagaCommand = {
            type: 'SelectBuildHost',
            data: { serverId, attempt: step.attempt, host: chosen.host, node: chosen.host, availabilityZone: chosen.availabilityZone, claimId },
            metadata: key(`select/${step.attempt}/${refusals}`),
          };
          await this.sagaSteps(serverId, [...start, select]);
          break;
        }
        case 'claim': {
          // The flavor does not change while the server builds; a deletion meanwhile is seen when the server is scheduled.
          const { state } = await this.servers.peek(serverStream(serverId));
          if (state.status !== 'live') return;
          const f = state.server.flavor;
          const meta = key(`claim/${step.claimId}`);
          try {
            await this.hosts.run(
              { type: 'ClaimHostResources', data: { host: step.host, claimId: step.claimId, serverId, ...claimOf(f) }, metadata: meta },
              `claim/${step.claimId}`,
              meta,
            );
          } catch (e) {
            if (!(e instanceof DomainError)) throw e;
            await this.saga('RefuseBuildClaim', { serverId, attempt: step.attempt, claimId: step.claimId, reason: e.message }, key(`refused/${step.claimId}`));
            break;
          }
          // Claimed: the saga records the claim together with the order (after the server is on the host).
          const b = saga.state.status === 'running' ? saga.state.build : null;
          if (!b || b.node === null || b.availabilityZone === null) break;
          const claimed: BuildSagaCommand = { type: 'RecordBuildClaim', data: { serverId, attempt: step.attempt, claimId: step.claimId }, metadata: key(`claimed/${step.claimId}`) };
          await this.assignAndOrder(serverId, { attempt: step.attempt, host: step.host, node: b.node, availabilityZone: b.availabilityZone, claimId: step.claimId }, correlationId, key, [claimed]);
          return;
        }
        case 'assign':
          await this.assignAndOrder(serverId, step, correlationId, key, []);
          return;
      }
    }
    this.log.warn(`build of ${serverId}: gave up after 200 steps`);
  }

  /**
   * Puts the server on its host, records in the saga (after `before`, in the same append) that the
   * spawn is ordered, then sends the order. The saga records the order before it is sent: a report
   * can never arrive for a step the saga has not reached. A claim recorded together with the order
   * is safe to repeat after a crash: the host and the server both take the same claim id once.
   */
  private async assignAndOrder(
    serverId: string,
    step: { attempt: number; host: string; node: string; availabilityZone: string; claimId: string },
    correlationId: string | null,
    key: (what: string) => CommandMetadata,
    before: BuildSagaCommand[],
  ): Promise<void> {
    let state: ServerState;
    try {
      ({ state } = await this.server(
        'RecordServerScheduled',
        { serverId, host: step.host, node: step.node, availabilityZone: step.availabilityZone, claimId: step.claimId, attempt: step.attempt },
        key(`scheduled/${step.claimId}`),
      ));
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      // Deleted while we claimed: give the room back and stop.
      await this.releaseClaim(step.host, step.claimId, correlationId, `saga-build-${serverId}`);
      await this.sagaSteps(serverId, [...before, { type: 'CancelBuildSaga', data: { serverId }, metadata: key('cancel') }]);
      return;
    }
    const ordered: BuildSagaCommand = { type: 'RecordSpawnOrdered', data: { serverId, attempt: step.attempt, claimId: step.claimId }, metadata: key(`ordered/${step.claimId}`) };
    await this.sagaSteps(serverId, [...before, ordered]);
    if (state.status !== 'live') return;
    await this.order(step.host, { kind: 'spawn', orderId: `build-${serverId}-${step.attempt}`, serverId, attempt: step.attempt, instance: instanceSpecOf(state.server) });
  }

  private async failBuild(serverId: string, reason: string, correlationId: string | null): Promise<void> {
    const meta = (what: string) => this.meta(`build/${serverId}/${what}`, correlationId, `saga-build-${serverId}`);
    // nova/conductor/manager.py: the instance goes to ERROR with the fault (code 500 for NoValidHost, as Nova records it).
    await this.server('FailServerBuild', { serverId, fault: { code: 500, message: reason, details: '' } }, meta('fail-server'));
    await this.saga('FailBuildSaga', { serverId, reason }, meta('fail'));
  }

  private async requestSpec(s: Server, ignoreHosts: string[]): Promise<RequestSpec> {
    const hostsOfServers: Record<string, string> = {};
    for (const id of [...s.hints.sameHost, ...s.hints.differentHost]) {
      const other = await this.loadServer(id);
      if (other.state.status === 'live' && other.state.server.host) hostsOfServers[id] = other.state.server.host;
    }
    let group: RequestSpec['group'] = null;
    if (s.serverGroupId) {
      const g = await this.load<ServerGroupState, DomainEvent>(serverGroupDecider as never, serverGroupStream(s.serverGroupId));
      if (g.state.status === 'active') {
        const memberCountByHost: Record<string, number> = {};
        for (const member of g.state.group.members) {
          if (member === s.serverId) continue;
          const m = await this.loadServer(member);
          const host = m.state.status === 'live' ? m.state.server.host : null;
          if (host) memberCountByHost[host] = (memberCountByHost[host] ?? 0) + 1;
        }
        group = {
          id: g.state.group.groupId,
          policy: g.state.group.policy,
          hosts: Object.keys(memberCountByHost),
          maxServerPerHost: g.state.group.rules.max_server_per_host ?? 1,
          memberCountByHost,
        };
      }
    }
    const [az, forced] = requestedPlacement(s);
    return {
      instanceId: s.serverId,
      projectId: s.projectId,
      flavor: { vcpus: s.flavor.vcpus, memoryMb: s.flavor.memoryMb, rootGb: s.flavor.rootGb, ephemeralGb: s.flavor.ephemeralGb, swapMb: s.flavor.swapMb, extraSpecs: s.flavor.extraSpecs },
      image: { properties: s.image.properties },
      availabilityZone: az,
      forcedHost: forced,
      ignoreHosts,
      group,
      hints: s.hints,
      hostsOfServers,
    };
  }

  // ---- reports of agents ------------------------------------------------------------------

  async onReport(r: ComputeReport): Promise<void> {
    const correlation = 'orderId' in r ? r.orderId.replace(/^req-/, '') : null;
    const meta = (what: string) => this.meta(`report/${'orderId' in r ? r.orderId : r.host}/${what}`, correlation, 'orderId' in r ? r.orderId : r.host);
    switch (r.kind) {
      case 'power-state':
        // The decider leaves a server alone while an operation runs on it or when it is on another host.
        await this.server('SyncServerPowerState', { serverId: r.serverId, host: r.host, powerState: r.powerState }, meta(`power/${r.serverId}`)).catch(ignoreGone);
        return;
      case 'guests':
        await this.compareGuests(r.host, r.serverIds);
        return;
      case 'host': {
        const m = meta(`host/${JSON.stringify(r.resources)}/${JSON.stringify(r.allocation)}/${r.availabilityZone}/${Date.now()}`);
        const hostUuid = uuidFromName(`host:${r.host}`);
        await this.hosts.run(
          {
            type: 'RegisterComputeHost',
            data: { host: r.host, serviceId: uuidFromName(`service:${r.host}`), hypervisorId: hostUuid, availabilityZone: r.availabilityZone, resources: r.resources, allocation: r.allocation },
            metadata: m,
          },
          m.requestId,
          m,
        );
        return;
      }
      case 'spawned': {
        const saga = await this.loadSaga(r.serverId);
        const correlationId = saga.correlationId;
        const m = (what: string) => this.meta(`build/${r.serverId}/${what}`, correlationId, r.orderId);
        try {
          await this.server('RecordServerSpawned', { serverId: r.serverId, host: r.host, powerState: r.powerState }, m(`spawned/${r.attempt}`));
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          // Deleted while it spawned (or a late duplicate): make sure nothing is left running on the host.
          const { state } = await this.loadServer(r.serverId);
          if (state.status === 'deleted' || (state.status === 'live' && state.server.host !== r.host)) {
            await this.order(r.host, { kind: 'destroy', orderId: `${r.orderId}-late`, serverId: r.serverId });
          }
          return;
        }
        await this.saga('CompleteBuildSaga', { serverId: r.serverId, host: r.host }, m(`complete/${r.attempt}`));
        return;
      }
      case 'spawn-failed': {
        const saga = await this.loadSaga(r.serverId);
        if (saga.state.status !== 'running' || saga.state.build.attempt !== r.attempt || saga.state.build.phase !== 'spawning') return;
        const b = saga.state.build;
        const m = (what: string) => this.meta(`build/${r.serverId}/${what}`, saga.correlationId, r.orderId);
        await this.releaseClaim(r.host, b.claimId!, saga.correlationId, r.orderId);
        await this.saga('FailBuildAttempt', { serverId: r.serverId, attempt: r.attempt, host: r.host, reason: r.reason }, m(`attempt-failed/${r.attempt}`));
        if (r.attempt < b.maxAttempts) {
          try {
            await this.server('RecordServerRescheduled', { serverId: r.serverId, attempt: r.attempt + 1, previousHost: r.host, reason: r.reason }, m(`rescheduled/${r.attempt}`));
          } catch (e) {
            if (!(e instanceof DomainError)) throw e;
          }
        }
        await this.advanceBuild(r.serverId, false);
        return;
      }
      case 'action-done':
        if (r.action === 'shelve' || r.action === 'createImage') return this.snapshotDone(r, meta);
        // An offloaded guest is gone; Nova records the power state it had (SHUTDOWN).
        await this.server(
          'CompleteServerAction',
          { serverId: r.serverId, orderId: r.orderId, action: r.action, powerState: r.action === 'shelveOffload' ? POWER.SHUTDOWN : r.powerState },
          meta(`done/${r.action}`),
        ).catch(ignoreGone);
        return;
      case 'action-failed':
        await this.server(
          'FailServerAction',
          { serverId: r.serverId, orderId: r.orderId, action: r.action, message: r.reason, ...(r.powerState === null ? {} : { powerState: r.powerState }) },
          meta(`failed/${r.action}`),
        ).catch(ignoreGone);
        return;
      case 'destroyed':
        await this.server('CompleteServerDeletion', { serverId: r.serverId }, meta('destroyed')).catch(ignoreGone);
        return;
      case 'migrated-out':
        await this.server('RecordMigratedOut', { serverId: r.serverId, orderId: r.orderId }, meta('migrated-out')).catch(ignoreGone);
        return;
    }
  }

  /**
   * Guests on the hypervisor that Strata does not place on that host are named, never destroyed
   * (Nova's `running_deleted_instance_action = log`); servers the host should hold but does not are
   * named too (Nova: "Instance is unexpectedly not found. Ignore.").
   */
  private async compareGuests(host: string, guestIds: string[]): Promise<void> {
    if (!this.serversOnHost) return;
    const expected = await this.serversOnHost(host);
    const known = new Set(expected.map((s) => s.id));
    const present = new Set(guestIds);
    const unknown = guestIds.filter((id) => !known.has(id));
    const missing = expected.filter((s) => !present.has(s.id) && s.vmState !== 'building' && s.taskState === null).map((s) => s.id);
    if (unknown.length) this.log.warn(`host ${host} runs ${unknown.length} guest(s) Strata does not place there, left as they are: ${unknown.join(', ')}`);
    if (missing.length) this.log.warn(`host ${host} does not hold ${missing.length} server(s) Strata places there: ${missing.join(', ')}`);
  }

  /** After a restart: everything in flight gets its next step (builds), or its order again (actions, deletions). */
  async resume(serverIds: { id: string; vmState: string; taskState: string | null }[]): Promise<void> {
    for (const s of serverIds) {
      if (s.taskState === 'deleting') {
        const { state } = await this.loadServer(s.id);
        if (state.status === 'live' && state.server.host && state.server.deleteOrderId) {
          await this.order(state.server.host, { kind: 'destroy', orderId: state.server.deleteOrderId, serverId: s.id });
        }
      } else if (s.vmState === 'building') {
        await this.advanceBuild(s.id, true);
      } else if (s.taskState === 'resize_prep' || s.taskState === 'resize_migrating' || s.taskState === 'resize_migrated') {
        await this.claimForResize(s.id, null, 'resume');
      } else if (s.taskState === 'unshelving' || (s.taskState === 'spawning' && s.vmState === 'shelved_offloaded')) {
        await this.unshelve(s.id, null, 'resume');
      } else {
        await this.orderPendingAction(s.id);
      }
    }
  }
}

/** A report about a server that is gone, or a command made moot by newer state, changes nothing. */
function ignoreGone(e: unknown): void {
  if (e instanceof DomainError) return;
  throw e;
}

/** `az`, `az:host` or `az:host:node` (nova/compute/api.py `parse_availability_zone`), or a host asked for at 2.74. */
function requestedPlacement(s: Server): [string | null, string | null] {
  if (s.requestedHost) return [s.availabilityZone, s.requestedHost];
  if (!s.availabilityZone) return [null, null];
  const [az, host] = s.availabilityZone.split(':');
  return [az || null, host || null];
}

