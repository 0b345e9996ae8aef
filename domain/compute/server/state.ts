import { FlavorSnapshot } from '../flavor-spec';
import { POWER, PowerState, TaskState, VmState } from '../vm-states';
import { ImageRequester, ServerAction, ServerEvent, ServerFault, ServerSpec } from './events';

/** An action a compute agent is performing: the conductor resends its order after a crash. */
export interface PendingAction {
  action: ServerAction;
  orderId: string;
  rebootType?: 'SOFT' | 'HARD';
  /** createImage: the image the copy goes into, and its name. */
  imageId?: string;
  imageName?: string;
  /** createImage: who asked for it. */
  requester?: ImageRequester;
}

export interface ResizeInProgress {
  orderId: string;
  oldFlavor: FlavorSnapshot;
  newFlavor: FlavorSnapshot;
  sourceHost: string;
  sourceNode: string;
  sourceClaimId: string | null;
  /** Set once the new flavor is claimed. */
  destHost: string | null;
  destNode: string | null;
  destClaimId: string | null;
  /** vm_state before the resize: a stopped server stays stopped after confirm (Nova). */
  previousVmState: VmState;
  /** A cold migration: the same flavor, on another host (the resize's own host is never a candidate). */
  migration: boolean;
  /** 2.56's host for a migration, else null: the scheduler chooses. */
  requestedHost: string | null;
}

/** An offloaded server's unshelve: where the conductor placed it, once it has. */
export interface UnshelveInProgress {
  orderId: string;
  requestedHost: string | null;
  host: string | null;
  node: string | null;
  claimId: string | null;
}

export interface Server extends ServerSpec {
  vmState: VmState;
  taskState: TaskState | null;
  powerState: PowerState;
  host: string | null;
  node: string | null;
  /** The zone of the host the server runs on (OS-EXT-AZ), or the zone asked for before that. */
  hostAvailabilityZone: string | null;
  claimId: string | null;
  attempt: number;
  launchedAt: string | null;
  terminatedAt: string | null;
  locked: boolean;
  lockedReason: string | null;
  lockedBy: 'owner' | 'admin' | null;
  fault: ServerFault | null;
  pending: PendingAction | null;
  resize: ResizeInProgress | null;
  deleteOrderId: string | null;
  /** The image a shelve stores the root disk in (Nova's `shelved_image_id`), from the request until the unshelve; absent in folds of old events. */
  shelvedImage?: { id: string; name: string; diskFormat: string | null; requester?: ImageRequester } | null;
  unshelve?: UnshelveInProgress | null;
}

export type ServerState = { status: 'absent' } | { status: 'live'; server: Server } | { status: 'deleted'; server: Server };

export const initialServerState: ServerState = { status: 'absent' };

const live = (server: Server): ServerState => ({ status: 'live', server });

/** An action the host finished: its vm and power states, no task, nothing pending. */
const finished = (s: Server, done: { vmState: VmState; powerState: PowerState }): Server => ({ ...s, vmState: done.vmState, powerState: done.powerState, taskState: null, pending: null });

export function evolveServer(state: ServerState, event: ServerEvent): ServerState {
  if (event.type === 'ServerCreationRequested') {
    const { vmState, taskState, powerState, ...spec } = event.data;
    return live({
      ...spec,
      vmState,
      taskState,
      powerState,
      host: null,
      node: null,
      hostAvailabilityZone: null,
      claimId: null,
      attempt: 0,
      launchedAt: null,
      terminatedAt: null,
      locked: false,
      lockedReason: null,
      lockedBy: null,
      fault: null,
      pending: null,
      resize: null,
      deleteOrderId: null,
    });
  }
  if (state.status !== 'live') return state;
  const s = state.server;
  switch (event.type) {
    case 'ServerScheduled': {
      const d = event.data;
      return live({ ...s, host: d.host, node: d.node, hostAvailabilityZone: d.availabilityZone, claimId: d.claimId, attempt: d.attempt, taskState: d.taskState });
    }
    case 'ServerRescheduled':
      return live({ ...s, host: null, node: null, claimId: null, attempt: event.data.attempt, taskState: event.data.taskState });
    case 'ServerSpawned':
      return live({ ...s, vmState: event.data.vmState, taskState: null, powerState: event.data.powerState, launchedAt: event.data.launchedAt });
    case 'ServerBuildFailed':
      return live({ ...s, vmState: 'error', taskState: null, claimId: null, host: null, node: null, fault: event.data.fault });
    case 'ServerUpdated': {
      const { serverId: _id, ...changes } = event.data;
      return live({ ...s, ...changes });
    }
    case 'ServerMetadataChanged':
      return live({ ...s, metadata: event.data.metadata });
    case 'ServerTagsChanged':
      return live({ ...s, tags: event.data.tags });
    case 'ServerStateReset':
      // Whatever the host was doing is forgotten: a late report of it no longer matches a pending order.
      return live({ ...s, vmState: event.data.vmState, taskState: null, pending: null });
    case 'ServerLocked':
      return live({ ...s, locked: true, lockedReason: event.data.reason, lockedBy: event.data.lockedBy });
    case 'ServerUnlocked':
      return live({ ...s, locked: false, lockedReason: null, lockedBy: null });
    case 'ServerStopRequested':
    case 'ServerStartRequested':
    case 'ServerPauseRequested':
    case 'ServerUnpauseRequested':
    case 'ServerSuspendRequested':
    case 'ServerResumeRequested':
      return live({ ...s, taskState: event.data.taskState, pending: { action: ACTION_OF[event.type], orderId: event.data.orderId } });
    case 'ServerRebootRequested':
      return live({ ...s, taskState: event.data.taskState, pending: { action: 'reboot', orderId: event.data.orderId, rebootType: event.data.rebootType } });
    case 'ServerRebuildRequested': {
      const d = event.data;
      return live({
        ...s,
        taskState: d.taskState,
        pending: { action: 'rebuild', orderId: d.orderId },
        image: d.image,
        name: d.name,
        metadata: d.metadata,
        description: d.description,
        keyName: d.keyName,
        keyData: d.keyData,
        ...(d.autoDiskConfig !== undefined ? { autoDiskConfig: d.autoDiskConfig } : {}),
      });
    }
    case 'ServerResizeRequested':
      return live({
        ...s,
        ...(event.data.autoDiskConfig !== undefined ? { autoDiskConfig: event.data.autoDiskConfig } : {}),
        taskState: event.data.taskState,
        pending: { action: 'resize', orderId: event.data.orderId },
        resize: {
          orderId: event.data.orderId,
          oldFlavor: s.flavor,
          newFlavor: event.data.newFlavor,
          sourceHost: s.host ?? event.data.host,
          sourceNode: s.node ?? event.data.host,
          sourceClaimId: s.claimId,
          destHost: null,
          destNode: null,
          destClaimId: null,
          previousVmState: s.vmState,
          migration: event.data.migration === true,
          requestedHost: event.data.requestedHost ?? null,
        },
      });
    case 'ServerMigratedOut':
      return live({ ...s, taskState: event.data.taskState });
    case 'ServerResizeClaimed':
      return live({
        ...s,
        taskState: event.data.taskState,
        resize: s.resize && { ...s.resize, destHost: event.data.host, destNode: event.data.node, destClaimId: event.data.claimId },
      });
    case 'ServerRevertResizeRequested':
      return live({ ...s, taskState: event.data.taskState, pending: { action: 'revertResize', orderId: event.data.orderId } });
    case 'ServerStopped':
    case 'ServerStarted':
    case 'ServerRebooted':
    case 'ServerPaused':
    case 'ServerUnpaused':
    case 'ServerSuspended':
    case 'ServerResumed':
      return live(finished(s, event.data));
    case 'ServerRebuilt':
      return live({ ...finished(s, event.data), launchedAt: event.data.launchedAt, fault: null });
    case 'ServerResized':
      return live({
        ...finished(s, event.data),
        host: event.data.host,
        node: event.data.node,
        flavor: event.data.flavor,
        claimId: s.resize?.destClaimId ?? s.claimId,
      });
    case 'ServerResizeConfirmed':
      return live({ ...s, vmState: event.data.vmState, resize: null });
    case 'ServerResizeReverted':
      return live({
        ...finished(s, event.data),
        host: event.data.host,
        node: event.data.node,
        flavor: event.data.flavor,
        claimId: s.resize?.sourceClaimId ?? null,
        resize: null,
      });
    case 'ServerImageRequested':
      return live({ ...s, taskState: event.data.taskState, pending: { action: 'createImage', orderId: event.data.orderId, imageId: event.data.imageId, imageName: event.data.imageName, requester: event.data.requester } });
    case 'ServerImageCreated':
      return live(finished(s, event.data));
    case 'ServerShelveRequested':
      return live({ ...s, taskState: event.data.taskState, pending: { action: 'shelve', orderId: event.data.orderId }, shelvedImage: { id: event.data.imageId, name: event.data.imageName, diskFormat: null, requester: event.data.requester } });
    case 'ServerShelved':
      return live({
        ...finished(s, event.data),
        shelvedImage: { id: event.data.imageId, name: s.shelvedImage?.name ?? `${s.name}-shelved`, diskFormat: event.data.imageDiskFormat, requester: s.shelvedImage?.requester },
      });
    case 'ServerShelveOffloadRequested':
      return live({ ...s, taskState: event.data.taskState, pending: { action: 'shelveOffload', orderId: event.data.orderId } });
    case 'ServerShelveOffloaded':
      return live({ ...finished(s, event.data), host: null, node: null, hostAvailabilityZone: null, claimId: null });
    case 'ServerUnshelveRequested': {
      const d = event.data;
      return live({
        ...s,
        taskState: d.taskState,
        pending: { action: 'unshelve', orderId: d.orderId },
        ...(d.availabilityZone !== undefined ? { availabilityZone: d.availabilityZone } : {}),
        unshelve: d.host === null ? { orderId: d.orderId, requestedHost: d.requestedHost, host: null, node: null, claimId: null } : null,
      });
    }
    case 'ServerUnshelveScheduled': {
      const d = event.data;
      return live({
        ...s,
        taskState: d.taskState,
        hostAvailabilityZone: d.availabilityZone,
        unshelve: s.unshelve ? { ...s.unshelve, host: d.host, node: d.node, claimId: d.claimId } : null,
      });
    }
    case 'ServerUnshelved': {
      return live({
        ...finished(s, event.data),
        host: event.data.host,
        node: event.data.node,
        claimId: s.unshelve?.claimId ?? s.claimId,
        shelvedImage: null,
        unshelve: null,
      });
    }
    case 'ServerActionFailed': {
      // A failed resize before it finished migrating drops the resize (its new claim is released).
      const resize = event.data.action === 'resize' ? null : s.resize;
      // A failed unshelve of an offloaded server leaves it offloaded, on no host.
      if (event.data.action === 'unshelve' && s.vmState === 'shelved_offloaded') {
        return live({ ...s, powerState: event.data.powerState, taskState: null, pending: null, host: null, node: null, claimId: null, unshelve: null });
      }
      // A failed shelve stored no image.
      const shelvedImage = event.data.action === 'shelve' ? null : s.shelvedImage;
      return live({ ...finished(s, event.data), resize, shelvedImage });
    }
    case 'ServerPowerStateChanged':
      return live({ ...s, vmState: event.data.vmState, powerState: event.data.powerState });
    case 'ServerExternalEventReceived':
      return state;
    case 'ServerDeletionRequested':
      return live({ ...s, taskState: 'deleting', deleteOrderId: event.data.orderId, pending: null });
    case 'ServerDeleted':
      return { status: 'deleted', server: { ...s, vmState: 'deleted', taskState: null, powerState: POWER.NOSTATE, terminatedAt: event.data.terminatedAt, pending: null } };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

const ACTION_OF = {
  ServerStopRequested: 'stop',
  ServerStartRequested: 'start',
  ServerPauseRequested: 'pause',
  ServerUnpauseRequested: 'unpause',
  ServerSuspendRequested: 'suspend',
  ServerResumeRequested: 'resume',
} as const;
