import { assertNever, CommandMetadata, Conflict, Forbidden, InvalidInput, InvalidState, NotFound } from '../../kernel';
import { POWER, PowerState, TaskState, VmState } from '../vm-states';
import {
  ChangeServerMetadata,
  ChangeServerTags,
  CompleteServerAction,
  CompleteServerDeletion,
  ConfirmServerResize,
  CreateServer,
  CreateServerImage,
  DeleteServer,
  FailServerAction,
  FailServerBuild,
  LockServer,
  PowerAction,
  RebuildServer,
  RecordResizeClaimed,
  RecordMigratedOut,
  MigrateServer,
  RecordUnshelveScheduled,
  RecordServerExternalEvents,
  RecordServerRescheduled,
  RecordServerScheduled,
  RecordServerSpawned,
  RequestServerAction,
  ResetServerState,
  ResizeServer,
  RestoreServer,
  RevertServerResize,
  ServerCommand,
  ShelveOffloadServer,
  ShelveServer,
  SyncServerPowerState,
  UnshelveServer,
  UnlockServer,
  UpdateServer,
} from './commands';
import { ImageRequester, ServerAction, ServerActionDoneEvent, ServerEvent } from './events';
import { Server, ServerState } from './state';

// nova/exception.py InstanceNotFound
function liveServer(state: ServerState, serverId: string): Server {
  if (state.status !== 'live') throw new NotFound(`Instance ${serverId} could not be found.`, { serverId });
  return state.server;
}

/**
 * nova/api/openstack/common.py `raise_http_conflict_for_instance_invalid_state`: the API's 409
 * names the action as the API calls it and the attribute that refused it.
 */
export function invalidState(action: string, s: Server, attr: 'vm_state' | 'task_state'): InvalidState {
  const value = attr === 'vm_state' ? s.vmState : String(s.taskState);
  return new InvalidState(`Cannot '${action}' instance ${s.serverId} while it is in ${attr} ${value}`, { serverId: s.serverId, action, attr, state: value });
}

/** nova/compute/api.py `check_instance_lock`: a locked server refuses everyone but an admin (InstanceIsLocked, 409). */
function assertUnlocked(s: Server, byAdmin: boolean): void {
  if (s.locked && !byAdmin) throw new Conflict(`Instance ${s.serverId} is locked`, { serverId: s.serverId, locked: true });
}

/** nova/compute/api.py `check_instance_state`: allowed vm_states, task_state None unless told otherwise, and launched once (`must_have_launched`). */
function assertState(action: string, s: Server, vmStates: readonly VmState[], taskStates: readonly (TaskState | null)[] = [null]): void {
  if (!vmStates.includes(s.vmState)) throw invalidState(action, s, 'vm_state');
  if (!taskStates.includes(s.taskState)) throw invalidState(action, s, 'task_state');
  // InstanceInvalidState with no state: the API's fallback message (raise_http_conflict_for_instance_invalid_state).
  if (s.launchedAt === null) throw new InvalidState(`Instance ${s.serverId} is in an invalid state for '${action}'`, { serverId: s.serverId, action, attr: 'launched_at' });
}

interface PowerRule {
  vmStates: readonly VmState[];
  task: TaskState;
  requested: 'ServerStopRequested' | 'ServerStartRequested' | 'ServerPauseRequested' | 'ServerUnpauseRequested' | 'ServerSuspendRequested' | 'ServerResumeRequested';
}

// nova/compute/api.py: the decorators of stop, start, pause, unpause, suspend, resume.
const POWER_RULES: Record<Exclude<PowerAction, 'reboot'>, PowerRule> = {
  stop: { vmStates: ['active', 'error'], task: 'powering-off', requested: 'ServerStopRequested' },
  start: { vmStates: ['stopped'], task: 'powering-on', requested: 'ServerStartRequested' },
  pause: { vmStates: ['active'], task: 'pausing', requested: 'ServerPauseRequested' },
  unpause: { vmStates: ['paused'], task: 'unpausing', requested: 'ServerUnpauseRequested' },
  suspend: { vmStates: ['active'], task: 'suspending', requested: 'ServerSuspendRequested' },
  resume: { vmStates: ['suspended'], task: 'resuming', requested: 'ServerResumeRequested' },
};

// vm_states.ALLOW_SOFT_REBOOT / ALLOW_HARD_REBOOT; task_states.ALLOW_REBOOT (a stuck soft reboot may be forced hard).
const SOFT_REBOOT_VM: readonly VmState[] = ['active'];
const HARD_REBOOT_VM: readonly VmState[] = ['active', 'stopped', 'paused', 'suspended', 'error'];
const HARD_REBOOT_TASKS: readonly (TaskState | null)[] = [null, 'rebooting', 'rebooting_hard', 'pausing', 'unpausing', 'suspending', 'resuming'];

/** Where each completed action leaves a server. */
const OUTCOME: Record<Exclude<ServerAction, 'rebuild' | 'resize' | 'revertResize' | 'createImage' | 'shelve' | 'shelveOffload' | 'unshelve'>, { done: Exclude<ServerActionDoneEvent['type'], 'ServerRebuilt' | 'ServerResized' | 'ServerResizeReverted' | 'ServerImageCreated' | 'ServerShelved' | 'ServerShelveOffloaded' | 'ServerUnshelved'>; vmState: VmState }> = {
  stop: { done: 'ServerStopped', vmState: 'stopped' },
  start: { done: 'ServerStarted', vmState: 'active' },
  reboot: { done: 'ServerRebooted', vmState: 'active' },
  pause: { done: 'ServerPaused', vmState: 'paused' },
  unpause: { done: 'ServerUnpaused', vmState: 'active' },
  suspend: { done: 'ServerSuspended', vmState: 'suspended' },
  resume: { done: 'ServerResumed', vmState: 'active' },
};

/** nova/compute/api.py `check_instance_host`: InstanceNotReady (409) for a server on no host. */
function requireHost(s: Server): string {
  if (s.host === null) throw new InvalidState(`Instance ${s.serverId} is not ready`, { serverId: s.serverId });
  return s.host;
}

export function createServer(command: CreateServer, state: ServerState): ServerEvent[] {
  if (state.status !== 'absent') throw new Conflict(`Instance ${command.data.serverId} already exists.`, { serverId: command.data.serverId });
  return [{ type: 'ServerCreationRequested', data: { ...command.data, vmState: 'building', taskState: 'scheduling', powerState: POWER.NOSTATE } }];
}

export function updateServer(command: UpdateServer, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  const { serverId, byAdmin: _admin, ...asked } = command.data;
  const current = { ...s, autoDiskConfig: s.autoDiskConfig ?? false };
  const changes = Object.fromEntries(Object.entries(asked).filter(([k, v]) => v !== undefined && current[k as keyof typeof asked] !== v));
  if (Object.keys(changes).length === 0) return [];
  return [{ type: 'ServerUpdated', data: { serverId, ...changes } }];
}

export function changeServerMetadata(command: ChangeServerMetadata, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  const metadata = command.data.replace ? { ...command.data.set } : { ...s.metadata, ...command.data.set };
  for (const key of command.data.remove) {
    // nova/api/openstack/compute/server_metadata.py `delete`: "Metadata item was not found" (404), before any other check
    if (!(key in metadata)) throw new NotFound('Metadata item was not found', { key });
    delete metadata[key];
  }
  assertUnlocked(s, command.data.byAdmin);
  // nova/compute/api.py update_instance_metadata / delete_instance_metadata (Zed): these vm_states, no task; the API names the action so.
  const isDelete = command.data.remove.length > 0 && Object.keys(command.data.set).length === 0 && !command.data.replace;
  assertState(isDelete ? 'delete metadata' : 'update metadata', s, ['active', 'paused', 'suspended', 'stopped']);
  if (JSON.stringify(metadata) === JSON.stringify(s.metadata)) return [];
  return [{ type: 'ServerMetadataChanged', data: { serverId: s.serverId, metadata } }];
}

/** nova/objects/instance.py MAX_TAG_COUNT */
export const MAX_SERVER_TAGS = 50;
// nova/api/openstack/compute/server_tags.py `_check_instance_in_valid_state`
const TAGGABLE_VM_STATES: readonly VmState[] = ['active', 'paused', 'suspended', 'stopped', 'shelved', 'shelved_offloaded'];

export function changeServerTags(command: ChangeServerTags, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  const { add, remove, replace } = command.data;
  // server_tags.py names the action by the call: update (one), update_all, delete (one), delete_all.
  const action = replace ? (add.length === 0 ? 'delete tags' : 'update tags') : remove.length > 0 ? 'delete tag' : 'update tag';
  if (!TAGGABLE_VM_STATES.includes(s.vmState)) throw invalidState(action, s, 'vm_state');
  let tags = replace ? [] : [...s.tags];
  for (const tag of remove) {
    // nova/exception.py InstanceTagNotFound (404)
    if (!tags.includes(tag)) throw new NotFound(`Instance ${s.serverId} has no tag '${tag}'`, { serverId: s.serverId, tag });
    tags = tags.filter((t) => t !== tag);
  }
  const added = add.filter((t, i) => !tags.includes(t) && add.indexOf(t) === i);
  // server_tags.py `update`: a single tag may not push the set past the limit (update_all's schema caps the list).
  if (!replace && added.length > 0 && tags.length >= MAX_SERVER_TAGS) throw new InvalidInput(`The number of tags exceeded the per-server limit ${MAX_SERVER_TAGS}`, { serverId: s.serverId });
  tags = [...tags, ...added];
  if (JSON.stringify(tags) === JSON.stringify(s.tags)) return [];
  return [{ type: 'ServerTagsChanged', data: { serverId: s.serverId, tags } }];
}

/** nova/api/openstack/compute/admin_actions.py `_reset_state`: any state, any task; recorded even when nothing changes (an instance action). */
export function resetServerState(command: ResetServerState, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  return [{ type: 'ServerStateReset', data: { serverId: s.serverId, vmState: command.data.state, taskState: null, previousVmState: s.vmState, previousTaskState: s.taskState } }];
}

/**
 * nova/compute/api.py `restore`: only a SOFT_DELETED server. Strata reclaims at once (Nova's
 * `reclaim_instance_interval` 0), so no server is ever soft-deleted and every restore is refused.
 */
export function restoreServer(command: RestoreServer, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  if (s.vmState !== 'soft-delete') throw invalidState('restore', s, 'vm_state');
  return [];
}

export function lockServer(command: LockServer, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  // nova/compute/api.py `lock`: only the owner's lock of a locked server is a no-op; an admin takes the lock over.
  if (s.locked && !command.data.byAdmin) return [];
  return [{ type: 'ServerLocked', data: { serverId: s.serverId, reason: command.data.reason, lockedBy: command.data.byAdmin ? 'admin' : 'owner' } }];
}

export function unlockServer(command: UnlockServer, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  if (!s.locked) return [];
  // lock_server.py `_unlock`: only an admin may lift an admin's lock (policy unlock:unlock_override).
  if (s.lockedBy === 'admin' && !command.data.byAdmin) throw new Forbidden("Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.");
  return [{ type: 'ServerUnlocked', data: { serverId: s.serverId } }];
}

export function requestServerAction(command: RequestServerAction, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  const { action, byAdmin } = command.data;
  assertUnlocked(s, byAdmin);
  const orderId = command.metadata.requestId;
  if (action === 'reboot') {
    const rebootType = command.data.rebootType ?? 'SOFT';
    if (rebootType === 'SOFT') assertState('reboot', s, SOFT_REBOOT_VM);
    else assertState('reboot', s, HARD_REBOOT_VM, HARD_REBOOT_TASKS);
    const host = requireHost(s);
    return [{ type: 'ServerRebootRequested', data: { serverId: s.serverId, orderId, host, rebootType, taskState: rebootType === 'SOFT' ? 'rebooting' : 'rebooting_hard' } }];
  }
  const rule = POWER_RULES[action];
  // stop and start check the host before the state (`check_instance_host` comes first in their decorators).
  const host = action === 'stop' || action === 'start' ? requireHost(s) : null;
  assertState(action, s, rule.vmStates);
  return [{ type: rule.requested, data: { serverId: s.serverId, orderId, host: host ?? requireHost(s), taskState: rule.task } }];
}

export function rebuildServer(command: RebuildServer, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  assertUnlocked(s, command.data.byAdmin);
  assertState('rebuild', s, ['active', 'stopped', 'error']);
  const host = requireHost(s);
  const d = command.data;
  return [
    {
      type: 'ServerRebuildRequested',
      data: {
        serverId: s.serverId,
        orderId: command.metadata.requestId,
        host,
        taskState: 'rebuilding',
        image: d.image,
        name: d.name ?? s.name,
        metadata: d.metadata ?? s.metadata,
        description: d.description === undefined ? s.description : d.description,
        keyName: d.keyName === undefined ? s.keyName : d.keyName,
        keyData: d.keyData === undefined ? s.keyData : d.keyData,
        ...(d.autoDiskConfig !== undefined ? { autoDiskConfig: d.autoDiskConfig } : {}),
      },
    },
  ];
}

export function resizeServer(command: ResizeServer, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  assertUnlocked(s, command.data.byAdmin);
  assertState('resize', s, ['active', 'stopped']);
  const host = requireHost(s);
  const f = command.data.flavor;
  // nova/exception.py CannotResizeToSameFlavor / CannotResizeDisk (400)
  if (f.id === s.flavor.id) throw new InvalidInput('When resizing, instances must change flavor!', { serverId: s.serverId });
  // Shrinking a disk is the driver's to refuse (libvirt's CannotResizeDisk fails the action); the API only refuses to zero.
  if (f.rootGb === 0 && s.flavor.rootGb > 0) throw new InvalidInput('Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.', { serverId: s.serverId });
  const autoDiskConfig = command.data.autoDiskConfig;
  return [
    {
      type: 'ServerResizeRequested',
      data: { serverId: s.serverId, orderId: command.metadata.requestId, host, taskState: 'resize_prep', newFlavor: f, oldFlavorId: s.flavor.id, ...(autoDiskConfig !== undefined ? { autoDiskConfig } : {}) },
    },
  ];
}

/**
 * nova/compute/api.py `resize` without a flavor (a cold migration): an active or stopped server, unlocked,
 * moves to another host with its flavor; never to its own (CannotMigrateToSameHost, 400).
 */
export function migrateServer(command: MigrateServer, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  assertUnlocked(s, command.data.byAdmin);
  assertState('migrate', s, ['active', 'stopped']);
  const host = requireHost(s);
  const asked = command.data.host;
  if (asked === host) throw new InvalidInput('Cannot migrate to the host where the server exists.', { serverId: s.serverId, host });
  if (asked !== null && command.data.hostKnown === false) throw new InvalidInput(`Compute host ${asked} could not be found.`, { serverId: s.serverId, host: asked });
  return [
    {
      type: 'ServerResizeRequested',
      data: {
        serverId: s.serverId,
        orderId: command.metadata.requestId,
        host,
        taskState: 'resize_prep',
        newFlavor: s.flavor,
        oldFlavorId: s.flavor.id,
        migration: true,
        ...(asked !== null ? { requestedHost: asked } : {}),
      },
    },
  ];
}

/** The source host let the guest go: the destination spawns it next (task_state resize_migrated). */
export function recordMigratedOut(command: RecordMigratedOut, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  const r = s.resize;
  if (!r || r.orderId !== command.data.orderId || s.taskState !== 'resize_migrating' || r.destHost === null || r.destHost === r.sourceHost) return [];
  return [{ type: 'ServerMigratedOut', data: { serverId: s.serverId, orderId: r.orderId, host: r.sourceHost, taskState: 'resize_migrated' } }];
}

export function recordResizeClaimed(command: RecordResizeClaimed, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  if (!s.resize || s.resize.orderId !== command.data.orderId || s.taskState !== 'resize_prep') return [];
  const { serverId, orderId, host, node, claimId } = command.data;
  return [{ type: 'ServerResizeClaimed', data: { serverId, orderId, host, node, claimId, taskState: 'resize_migrating' } }];
}

export function confirmServerResize(command: ConfirmServerResize, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  assertUnlocked(s, command.data.byAdmin);
  assertState('confirmResize', s, ['resized']);
  const r = s.resize!;
  const vmState: VmState = r.previousVmState === 'stopped' ? 'stopped' : 'active';
  // On the same host Nova keeps one allocation; here the old claim goes, the new one stays.
  const moved = r.destHost !== null && r.destHost !== r.sourceHost ? { destHost: r.destHost } : {};
  return [{ type: 'ServerResizeConfirmed', data: { serverId: s.serverId, vmState, releasedClaimId: r.sourceClaimId, sourceHost: r.sourceHost, ...moved } }];
}

export function revertServerResize(command: RevertServerResize, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  assertUnlocked(s, command.data.byAdmin);
  assertState('revertResize', s, ['resized']);
  return [{ type: 'ServerRevertResizeRequested', data: { serverId: s.serverId, orderId: command.metadata.requestId, host: s.host!, taskState: 'resize_reverting' } }];
}

/** nova/compute/api.py `snapshot`: an active, stopped, paused or suspended server, on its host; locks do not apply. */
export function createServerImage(command: CreateServerImage, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  assertState('createImage', s, ['active', 'stopped', 'paused', 'suspended']);
  const host = requireHost(s);
  return [{ type: 'ServerImageRequested', data: { serverId: s.serverId, orderId: command.metadata.requestId, host, taskState: 'image_snapshot_pending', imageId: command.data.imageId, imageName: command.data.imageName, requester: requesterOf(command, s) } }];
}

/** Whose snapshot image it is: the caller's (a caller without a user, the conductor, stands for the server's own). */
const requesterOf = (command: { metadata: CommandMetadata }, s: Server): ImageRequester =>
  command.metadata.actor.userId ? { userId: command.metadata.actor.userId, projectId: command.metadata.actor.projectId } : { userId: s.userId, projectId: s.projectId };

/** nova/compute/api.py `shelve`: an active, stopped, paused or suspended server, on its host. */
export function shelveServer(command: ShelveServer, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  assertUnlocked(s, command.data.byAdmin);
  assertState('shelve', s, ['active', 'stopped', 'paused', 'suspended']);
  const host = requireHost(s);
  return [
    {
      type: 'ServerShelveRequested',
      data: {
        serverId: s.serverId,
        orderId: command.metadata.requestId,
        host,
        taskState: 'shelving',
        imageId: command.data.imageId,
        imageName: `${s.name}-shelved`,
        requester: requesterOf(command, s),
      },
    },
  ];
}

/** nova/compute/api.py `shelve_offload`: a SHELVED server only. */
export function shelveOffloadServer(command: ShelveOffloadServer, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  assertUnlocked(s, command.data.byAdmin);
  assertState('shelveOffload', s, ['shelved']);
  const host = requireHost(s);
  return [{ type: 'ServerShelveOffloadRequested', data: { serverId: s.serverId, orderId: command.data.orderId ?? command.metadata.requestId, host, taskState: 'shelving_offloading' } }];
}

/** The zone part of a requested `az`, `az:host` or `az:host:node`. */
const zoneOf = (requested: string | null): string | null => (requested ? requested.split(':')[0] || null : null);

/** nova/compute/api.py `unshelve` (Zed), its checks in its order. */
export function unshelveServer(command: UnshelveServer, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  const d = command.data;
  assertUnlocked(s, d.byAdmin);
  assertState('unshelve', s, ['shelved', 'shelved_offloaded']);
  const zonePassed = d.availabilityZone !== undefined;
  if ((zonePassed || d.host) && s.vmState !== 'shelved_offloaded') {
    // nova/exception.py UnshelveInstanceInvalidState (409)
    throw new InvalidState(
      `Specifying an availability zone or a host when unshelving server "${s.serverId}" with status "${s.vmState}" is not supported. The server status must be SHELVED_OFFLOADED.`,
      { serverId: s.serverId, attr: 'vm_state', state: s.vmState },
    );
  }
  if (zonePassed && d.availabilityZone && !d.zoneAvailable) throw new InvalidInput('The requested availability zone is not available', { availabilityZone: d.availabilityZone });
  if (d.host) {
    if (!d.byAdmin) throw new Forbidden("Policy doesn't allow os_compute_api:os-shelve:unshelve_to_host to be performed.");
    // nova/exception.py ComputeHostNotFound (400 here)
    if (!d.hostZone) throw new InvalidInput(`Compute host ${d.host} could not be found.`, { host: d.host });
    const expected = zonePassed ? (d.availabilityZone ?? null) : zoneOf(s.availabilityZone);
    // nova/exception.py UnshelveHostNotInAZ (409)
    if (expected !== null && d.hostZone !== expected) throw new Conflict(`Host "${d.host}" is not in the availability zone "${expected}".`, { host: d.host, availabilityZone: expected });
  }
  return [
    {
      type: 'ServerUnshelveRequested',
      data: {
        serverId: s.serverId,
        orderId: command.metadata.requestId,
        host: s.vmState === 'shelved' ? s.host : null,
        taskState: 'unshelving',
        ...(zonePassed ? { availabilityZone: d.availabilityZone ?? null } : {}),
        requestedHost: d.host ?? null,
      },
    },
  ];
}

/** The conductor placed an offloaded server's unshelve; a stale or repeated placement changes nothing. */
export function recordUnshelveScheduled(command: RecordUnshelveScheduled, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  const u = s.unshelve;
  if (!u || u.orderId !== command.data.orderId || u.claimId !== null || s.taskState !== 'unshelving') return [];
  return [{ type: 'ServerUnshelveScheduled', data: { ...command.data, taskState: 'spawning' } }];
}

export function deleteServer(command: DeleteServer, state: ServerState): ServerEvent[] {
  if (state.status === 'deleted') return [];
  const s = liveServer(state, command.data.serverId);
  assertUnlocked(s, command.data.byAdmin);
  // A repeated delete changes nothing; a forced one sends the destroy order again (the first may be stuck).
  if (s.taskState === 'deleting' && !command.data.force && !command.data.hostDown) return [];
  const orderId = command.metadata.requestId;
  // An offloaded server being unshelved is on the host its unshelve placed it on.
  const host = s.host ?? s.unshelve?.host ?? null;
  const abandoned = s.pending?.action === 'createImage' && s.pending.imageId ? { abandonedImageId: s.pending.imageId } : {};
  const requested: ServerEvent = { type: 'ServerDeletionRequested', data: { serverId: s.serverId, orderId, host, force: command.data.force, taskState: 'deleting', ...abandoned } };
  // Never placed on a host (still scheduling, no valid host, shelved offloaded), or its host is down: delete locally (Nova's `_local_delete`).
  if (host === null || command.data.hostDown) return [requested, deleted(s, command.metadata.now, orderId)];
  return [requested];
}

function claimsOf(s: Server): { host: string; claimId: string }[] {
  const claims: { host: string; claimId: string }[] = [];
  if (s.host !== null && s.claimId !== null) claims.push({ host: s.host, claimId: s.claimId });
  const r = s.resize;
  if (r?.sourceClaimId && !claims.some((c) => c.claimId === r.sourceClaimId)) claims.push({ host: r.sourceHost, claimId: r.sourceClaimId });
  if (r?.destClaimId && r.destHost && !claims.some((c) => c.claimId === r.destClaimId)) claims.push({ host: r.destHost, claimId: r.destClaimId });
  const u = s.unshelve;
  if (u?.claimId && u.host && !claims.some((c) => c.claimId === u.claimId)) claims.push({ host: u.host, claimId: u.claimId });
  return claims;
}

function deleted(s: Server, now: string, orderId: string | null = s.deleteOrderId): ServerEvent {
  return {
    type: 'ServerDeleted',
    data: {
      serverId: s.serverId,
      orderId,
      projectId: s.projectId,
      host: s.host,
      claims: claimsOf(s),
      serverGroupId: s.serverGroupId,
      vmState: 'deleted',
      terminatedAt: now,
      ...(s.shelvedImage ? { shelvedImageId: s.shelvedImage.id } : {}),
    },
  };
}

export function completeServerDeletion(command: CompleteServerDeletion, state: ServerState): ServerEvent[] {
  if (state.status === 'deleted') return [];
  const s = liveServer(state, command.data.serverId);
  if (s.taskState !== 'deleting') throw invalidState('delete', s, 'task_state');
  return [deleted(s, command.metadata.now)];
}

/** The build saga's facts are refused once the server is being deleted: the saga then releases its claim. */
function buildingServer(state: ServerState, serverId: string, action: string): Server {
  const s = liveServer(state, serverId);
  if (s.vmState !== 'building') throw invalidState(action, s, 'vm_state');
  if (s.taskState === 'deleting') throw invalidState(action, s, 'task_state');
  return s;
}

export function recordServerScheduled(command: RecordServerScheduled, state: ServerState): ServerEvent[] {
  const s = buildingServer(state, command.data.serverId, 'schedule');
  // A repeated step of an earlier attempt (a conductor resuming after a crash) must not put the server back on that host.
  if (s.claimId === command.data.claimId || command.data.attempt < s.attempt) return [];
  return [{ type: 'ServerScheduled', data: { ...command.data, taskState: 'spawning' } }];
}

export function recordServerRescheduled(command: RecordServerRescheduled, state: ServerState): ServerEvent[] {
  const s = buildingServer(state, command.data.serverId, 'reschedule');
  if (s.attempt >= command.data.attempt) return [];
  return [{ type: 'ServerRescheduled', data: { ...command.data, taskState: 'scheduling' } }];
}

export function recordServerSpawned(command: RecordServerSpawned, state: ServerState): ServerEvent[] {
  const s = buildingServer(state, command.data.serverId, 'spawn');
  if (s.host !== command.data.host) throw invalidState('spawn', s, 'task_state');
  return [{ type: 'ServerSpawned', data: { serverId: s.serverId, host: s.host, vmState: 'active', powerState: command.data.powerState, launchedAt: command.metadata.now } }];
}

export function failServerBuild(command: FailServerBuild, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  if (s.vmState !== 'building' || s.taskState === 'deleting') return [];
  return [{ type: 'ServerBuildFailed', data: { serverId: s.serverId, fault: { ...command.data.fault, created: command.metadata.now }, vmState: 'error' } }];
}

export function completeServerAction(command: CompleteServerAction, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  const { orderId, action, powerState } = command.data;
  // A report for an order that is no longer pending (superseded, or already recorded) changes nothing.
  if (s.pending?.orderId !== orderId || s.pending.action !== action) return [];
  const base = { serverId: s.serverId, orderId, powerState };
  switch (action) {
    case 'rebuild':
      // nova/compute/manager.py `rebuild_instance`: a stopped server is stopped again after the rebuild.
      return [{ type: 'ServerRebuilt', data: { ...base, vmState: s.vmState === 'stopped' ? 'stopped' : 'active', powerState: s.vmState === 'stopped' ? POWER.SHUTDOWN : powerState, launchedAt: command.metadata.now } }];
    case 'resize': {
      const r = s.resize;
      if (!r || r.destHost === null || r.destNode === null) return [];
      return [{ type: 'ServerResized', data: { ...base, vmState: 'resized', host: r.destHost, node: r.destNode, oldFlavor: r.oldFlavor, flavor: r.newFlavor } }];
    }
    case 'revertResize': {
      const r = s.resize;
      if (!r) return [];
      const vmState: VmState = r.previousVmState === 'stopped' ? 'stopped' : 'active';
      return [
        {
          type: 'ServerResizeReverted',
          data: { ...base, vmState, powerState: vmState === 'stopped' ? POWER.SHUTDOWN : powerState, host: r.sourceHost, node: r.sourceNode, flavor: r.oldFlavor, releasedClaimId: r.destClaimId === r.sourceClaimId ? null : r.destClaimId, releasedHost: r.destHost ?? r.sourceHost },
        },
      ];
    }
    case 'createImage':
      return [{ type: 'ServerImageCreated', data: { ...base, vmState: s.vmState, imageId: s.pending.imageId! } }];
    case 'shelve':
      if (!s.shelvedImage || command.data.imageDiskFormat === undefined) return [];
      return [{ type: 'ServerShelved', data: { ...base, vmState: 'shelved', imageId: s.shelvedImage.id, imageDiskFormat: command.data.imageDiskFormat } }];
    case 'shelveOffload':
      return [{ type: 'ServerShelveOffloaded', data: { ...base, vmState: 'shelved_offloaded', releasedClaimId: s.claimId, releasedHost: s.host! } }];
    case 'unshelve': {
      // A shelved server powered on where it is; an offloaded one spawned where the unshelve placed it.
      const host = s.unshelve?.host ?? s.host;
      const node = s.unshelve?.node ?? s.node;
      if (host === null || node === null) return [];
      return [{ type: 'ServerUnshelved', data: { ...base, vmState: 'active', host, node, imageId: s.shelvedImage?.id ?? null } }];
    }
    default: {
      const outcome = OUTCOME[action];
      return [{ type: outcome.done, data: { ...base, vmState: outcome.vmState } }];
    }
  }
}

export function failServerAction(command: FailServerAction, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  const { orderId, action, message } = command.data;
  if (s.pending?.orderId !== orderId || s.pending.action !== action) return [];
  const resizeClaim = action === 'resize' && s.resize?.destClaimId && s.resize.destClaimId !== s.resize.sourceClaimId ? s.resize : null;
  // An offloaded server's unshelve gives back the claim it took.
  const unshelveClaim = action === 'unshelve' && s.unshelve?.claimId && s.unshelve.host ? { claimId: s.unshelve.claimId, host: s.unshelve.host } : null;
  return [
    {
      type: 'ServerActionFailed',
      data: {
        serverId: s.serverId,
        orderId,
        action,
        message,
        vmState: s.vmState,
        powerState: command.data.powerState ?? s.powerState,
        releasedClaimId: resizeClaim?.destClaimId ?? unshelveClaim?.claimId ?? null,
        releasedHost: resizeClaim?.destHost ?? unshelveClaim?.host ?? null,
        ...(action === 'createImage' && s.pending.imageId ? { imageId: s.pending.imageId } : {}),
      },
    },
  ];
}

/** nova/compute/manager.py `_sync_instance_power_state`, for the case that matters: a guest that stopped behind Strata's back. */
export function syncServerPowerState(command: SyncServerPowerState, state: ServerState): ServerEvent[] {
  const s = liveServer(state, command.data.serverId);
  if (s.taskState !== null || s.host !== command.data.host) return [];
  const power: PowerState = command.data.powerState;
  if (power === s.powerState) return [];
  let vmState: VmState = s.vmState;
  if (s.vmState === 'active' && (power === POWER.SHUTDOWN || power === POWER.CRASHED || power === POWER.NOSTATE)) vmState = 'stopped';
  return [{ type: 'ServerPowerStateChanged', data: { serverId: s.serverId, powerState: power, vmState } }];
}

/**
 * nova/api/openstack/compute/server_external_events.py `create`: an event is accepted for a server on a host;
 * one on no host yet cannot be dispatched (InstanceNotReady). A deleted server keeps its host and its events
 * are accepted still, as the Nova anchor does (its instance lookup includes deleted rows).
 */
export function recordServerExternalEvents(command: RecordServerExternalEvents, state: ServerState): ServerEvent[] {
  if (state.status === 'absent') throw new NotFound(`Instance ${command.data.serverId} could not be found.`, { serverId: command.data.serverId });
  const host = requireHost(state.server);
  return command.data.events.map((e) => ({ type: 'ServerExternalEventReceived', data: { serverId: state.server.serverId, host, name: e.name, tag: e.tag, status: e.status } }));
}

export function decideServer(command: ServerCommand, state: ServerState): ServerEvent[] {
  switch (command.type) {
    case 'CreateServer':
      return createServer(command, state);
    case 'UpdateServer':
      return updateServer(command, state);
    case 'ChangeServerMetadata':
      return changeServerMetadata(command, state);
    case 'LockServer':
      return lockServer(command, state);
    case 'UnlockServer':
      return unlockServer(command, state);
    case 'RequestServerAction':
      return requestServerAction(command, state);
    case 'RebuildServer':
      return rebuildServer(command, state);
    case 'ResizeServer':
      return resizeServer(command, state);
    case 'MigrateServer':
      return migrateServer(command, state);
    case 'ConfirmServerResize':
      return confirmServerResize(command, state);
    case 'RevertServerResize':
      return revertServerResize(command, state);
    case 'CreateServerImage':
      return createServerImage(command, state);
    case 'ShelveServer':
      return shelveServer(command, state);
    case 'ShelveOffloadServer':
      return shelveOffloadServer(command, state);
    case 'UnshelveServer':
      return unshelveServer(command, state);
    case 'RecordUnshelveScheduled':
      return recordUnshelveScheduled(command, state);
    case 'DeleteServer':
      return deleteServer(command, state);
    case 'ChangeServerTags':
      return changeServerTags(command, state);
    case 'ResetServerState':
      return resetServerState(command, state);
    case 'RestoreServer':
      return restoreServer(command, state);
    case 'RecordServerExternalEvents':
      return recordServerExternalEvents(command, state);
    case 'RecordServerScheduled':
      return recordServerScheduled(command, state);
    case 'RecordServerRescheduled':
      return recordServerRescheduled(command, state);
    case 'RecordServerSpawned':
      return recordServerSpawned(command, state);
    case 'FailServerBuild':
      return failServerBuild(command, state);
    case 'RecordResizeClaimed':
      return recordResizeClaimed(command, state);
    case 'RecordMigratedOut':
      return recordMigratedOut(command, state);
    case 'CompleteServerAction':
      return completeServerAction(command, state);
    case 'FailServerAction':
      return failServerAction(command, state);
    case 'CompleteServerDeletion':
      return completeServerDeletion(command, state);
    case 'SyncServerPowerState':
      return syncServerPowerState(command, state);
    default:
      return assertNever(command);
  }
}
