import { DomainEvent } from '../../kernel';
import { FlavorSnapshot } from '../flavor-spec';
import { PowerState, TaskState, VmState } from '../vm-states';

export interface ServerImage {
  id: string;
  name: string | null;
  properties: Record<string, string>;
  diskFormat: string | null;
  minDisk: number;
  minRam: number;
}

/** Nova's instance fault: shown on a server in ERROR. */
export interface ServerFault {
  code: number;
  message: string;
  details: string;
  created: string;
}

/**
 * A server as requested (POST /servers), everything a projection and the conductor need to build
 * it. `adminPass` is never recorded: the API returns it once.
 */
export interface ServerSpec {
  serverId: string;
  name: string;
  description: string | null;
  projectId: string;
  userId: string;
  flavor: FlavorSnapshot;
  image: ServerImage;
  keyName: string | null;
  keyData: string | null;
  metadata: Record<string, string>;
  /** The zone asked for (null: any); the zone of the chosen host is in ServerScheduled. */
  availabilityZone: string | null;
  /** `az:host` or `host` (2.74): build only there. */
  requestedHost: string | null;
  serverGroupId: string | null;
  hints: { sameHost: string[]; differentHost: string[] };
  reservationId: string;
  launchIndex: number;
  hostname: string;
  /** Nova's `instance-%08x` name of the domain on the hypervisor. */
  instanceName: string;
  accessIPv4: string | null;
  accessIPv6: string | null;
  userData: string | null;
  configDrive: string;
  tags: string[];
  /** OS-DCF:diskConfig AUTO; absent (MANUAL) in events recorded before it was kept. */
  autoDiskConfig?: boolean;
}

export type ServerCreationRequested = DomainEvent<'ServerCreationRequested', ServerSpec & { vmState: 'building'; taskState: 'scheduling'; powerState: PowerState }>;
export type ServerScheduled = DomainEvent<'ServerScheduled', { serverId: string; host: string; node: string; availabilityZone: string; claimId: string; attempt: number; taskState: TaskState }>;
export type ServerRescheduled = DomainEvent<'ServerRescheduled', { serverId: string; attempt: number; previousHost: string; reason: string; taskState: TaskState }>;
export type ServerSpawned = DomainEvent<'ServerSpawned', { serverId: string; host: string; vmState: VmState; powerState: PowerState; launchedAt: string }>;
export type ServerBuildFailed = DomainEvent<'ServerBuildFailed', { serverId: string; fault: ServerFault; vmState: 'error' }>;
export type ServerUpdated = DomainEvent<
  'ServerUpdated',
  { serverId: string; name?: string; description?: string | null; accessIPv4?: string | null; accessIPv6?: string | null; autoDiskConfig?: boolean }
>;
/** The whole tag set after the change. */
export type ServerTagsChanged = DomainEvent<'ServerTagsChanged', { serverId: string; tags: string[] }>;
/** os-resetState: Nova's `instance.save(admin_state_reset=True)`; the host is not asked anything. */
export type ServerStateReset = DomainEvent<'ServerStateReset', { serverId: string; vmState: VmState; taskState: null; previousVmState: VmState; previousTaskState: TaskState | null }>;
/** The whole metadata after the change. */
export type ServerMetadataChanged = DomainEvent<'ServerMetadataChanged', { serverId: string; metadata: Record<string, string> }>;
export type ServerLocked = DomainEvent<'ServerLocked', { serverId: string; reason: string | null; lockedBy: 'owner' | 'admin' }>;
export type ServerUnlocked = DomainEvent<'ServerUnlocked', { serverId: string }>;

/** Every action a compute agent performs on a running server. */
export type ServerAction =
  | 'stop'
  | 'start'
  | 'reboot'
  | 'pause'
  | 'unpause'
  | 'suspend'
  | 'resume'
  | 'rebuild'
  | 'resize'
  | 'revertResize'
  | 'createImage'
  | 'shelve'
  | 'shelveOffload'
  | 'unshelve';

interface Requested {
  serverId: string;
  /** The work order the conductor sends to the host: the request id of the API call. */
  orderId: string;
  host: string;
  taskState: TaskState;
}
interface Done {
  serverId: string;
  orderId: string;
  vmState: VmState;
  powerState: PowerState;
}

export type ServerStopRequested = DomainEvent<'ServerStopRequested', Requested>;
export type ServerStopped = DomainEvent<'ServerStopped', Done>;
export type ServerStartRequested = DomainEvent<'ServerStartRequested', Requested>;
export type ServerStarted = DomainEvent<'ServerStarted', Done>;
export type ServerRebootRequested = DomainEvent<'ServerRebootRequested', Requested & { rebootType: 'SOFT' | 'HARD' }>;
export type ServerRebooted = DomainEvent<'ServerRebooted', Done>;
export type ServerPauseRequested = DomainEvent<'ServerPauseRequested', Requested>;
export type ServerPaused = DomainEvent<'ServerPaused', Done>;
export type ServerUnpauseRequested = DomainEvent<'ServerUnpauseRequested', Requested>;
export type ServerUnpaused = DomainEvent<'ServerUnpaused', Done>;
export type ServerSuspendRequested = DomainEvent<'ServerSuspendRequested', Requested>;
export type ServerSuspended = DomainEvent<'ServerSuspended', Done>;
export type ServerResumeRequested = DomainEvent<'ServerResumeRequested', Requested>;
export type ServerResumed = DomainEvent<'ServerResumed', Done>;
/** Rebuild: a new root disk from `image`; name and metadata replaced when given. */
export type ServerRebuildRequested = DomainEvent<
  'ServerRebuildRequested',
  Requested & {
    image: ServerImage;
    name: string;
    metadata: Record<string, string>;
    description: string | null;
    keyName: string | null;
    keyData: string | null;
    /** Absent in events recorded before OS-DCF:diskConfig was kept: unchanged. */
    autoDiskConfig?: boolean;
  }
>;
export type ServerRebuilt = DomainEvent<'ServerRebuilt', Done & { launchedAt: string }>;
/**
 * Resize: the new flavor is claimed (on the same host, or another the scheduler picks) before the agent resizes.
 * `autoDiskConfig`: the OS-DCF:diskConfig asked with the resize (absent: unchanged). `oldFlavorId`: the flavor
 * resized from (the migration record's old flavor; absent in events recorded before it was kept).
 * A cold migration (`migration`: true) is a resize to the same flavor on another host: the scheduler's, or
 * `requestedHost` (2.56). Both absent in a resize, and in events written before migrations were offered.
 */
export type ServerResizeRequested = DomainEvent<
  'ServerResizeRequested',
  Requested & { newFlavor: FlavorSnapshot; oldFlavorId?: string; autoDiskConfig?: boolean; migration?: true; requestedHost?: string }
>;
/** A move to another host: the source has powered the guest off (task_state resize_migrated); the destination takes it next. */
export type ServerMigratedOut = DomainEvent<'ServerMigratedOut', { serverId: string; orderId: string; host: string; taskState: TaskState }>;
export type ServerResizeClaimed = DomainEvent<'ServerResizeClaimed', { serverId: string; orderId: string; host: string; node: string; claimId: string; taskState: TaskState }>;
export type ServerResized = DomainEvent<'ServerResized', Done & { host: string; node: string; oldFlavor: FlavorSnapshot; flavor: FlavorSnapshot }>;
/** `destHost`: where the server now runs, when it moved (absent on its own host, and in events written before moves). */
export type ServerResizeConfirmed = DomainEvent<'ServerResizeConfirmed', { serverId: string; vmState: VmState; releasedClaimId: string | null; sourceHost: string; destHost?: string }>;
export type ServerRevertResizeRequested = DomainEvent<'ServerRevertResizeRequested', Requested>;
export type ServerResizeReverted = DomainEvent<
  'ServerResizeReverted',
  Done & { host: string; node: string; flavor: FlavorSnapshot; releasedClaimId: string | null; releasedHost: string }
>;
/**
 * createImage (nova/compute/api.py `snapshot`): the API has made the image `imageId` (queued); the host copies
 * the root disk into it, suspending a running or paused guest for the copy and resuming it after (a cold snapshot).
 * `requester`: who asked (absent in events written before it was recorded: then the server's own user and project).
 */
export type ServerImageRequested = DomainEvent<'ServerImageRequested', Requested & { imageId: string; imageName: string; requester?: ImageRequester }>;
/** The copy is stored and the image active; the server is as it was. */
export type ServerImageCreated = DomainEvent<'ServerImageCreated', Done & { imageId: string }>;

/** Who asked for a snapshot image: its owner is their project, as the image API makes it for them in Nova. */
export interface ImageRequester {
  userId: string;
  projectId: string | null;
}

/**
 * Shelve (nova/compute/api.py `shelve`): the host powers the guest off and copies its root disk into
 * the image `imageId`, named `<server name>-shelved` (Nova's snapshot image; it exists once the copy is stored).
 * `requester`: who shelved it (absent in events written before it was recorded: then the server's own user and project).
 */
export type ServerShelveRequested = DomainEvent<'ServerShelveRequested', Requested & { imageId: string; imageName: string; requester?: ImageRequester }>;
/** The copy is stored and its image active: the guest stays on the host, powered off (vm_state SHELVED). */
export type ServerShelved = DomainEvent<'ServerShelved', Done & { imageId: string; imageDiskFormat: string }>;
/**
 * The guest is removed from its host (nova `shelve_offload_instance`). The conductor asks it right after
 * ServerShelved with the shelve's order id (Nova's `shelved_offload_time` 0: one action); an admin may ask it
 * of a server left SHELVED.
 */
export type ServerShelveOffloadRequested = DomainEvent<'ServerShelveOffloadRequested', Requested>;
/** Off its host, its claim released: SHELVED_OFFLOADED. */
export type ServerShelveOffloaded = DomainEvent<'ServerShelveOffloaded', Done & { releasedClaimId: string | null; releasedHost: string }>;
/**
 * Unshelve: a SHELVED server is powered on where it is (`host`); a SHELVED_OFFLOADED one (`host` null) is
 * scheduled again, in `availabilityZone` when given (2.77; null unpins the server, 2.91) and on
 * `requestedHost` when an admin names one (2.91), and spawned from its shelved image.
 */
export type ServerUnshelveRequested = DomainEvent<
  'ServerUnshelveRequested',
  { serverId: string; orderId: string; host: string | null; taskState: 'unshelving'; availabilityZone?: string | null; requestedHost: string | null }
>;
/** The conductor chose the host of an offloaded server's unshelve; the claim on it is taken next, with this id. */
export type ServerUnshelveScheduled = DomainEvent<
  'ServerUnshelveScheduled',
  { serverId: string; orderId: string; host: string; node: string; availabilityZone: string; claimId: string; taskState: 'spawning' }
>;
/** Running again (ACTIVE); the shelved image is deleted after this (Nova deletes it on unshelve). */
export type ServerUnshelved = DomainEvent<'ServerUnshelved', Done & { host: string; node: string; imageId: string | null }>;

/** An agent failed an action: the task is cleared, the state stays where it was (Nova's `reverts_task_state`). */
export type ServerActionFailed = DomainEvent<
  'ServerActionFailed',
  {
    serverId: string;
    orderId: string;
    action: ServerAction;
    message: string;
    vmState: VmState;
    powerState: PowerState;
    releasedClaimId: string | null;
    releasedHost: string | null;
    /** A failed createImage: its image, which goes (Nova deletes it). */
    imageId?: string;
  }
>;
/** An event another service sends Nova about a server (nova/objects/external_event.py): its name, tag (a port, volume...) and status. */
export interface ExternalEvent {
  name: string;
  tag: string | null;
  status: 'failed' | 'completed' | 'in-progress';
}
/**
 * os-server-external-events accepted the event for the server's host. Strata has no Neutron or Cinder yet, so
 * nothing acts on it: the server is unchanged and the fact is kept for the audit trail.
 */
export type ServerExternalEventReceived = DomainEvent<'ServerExternalEventReceived', { serverId: string; host: string } & ExternalEvent>;
/** The hypervisor reports a power state Strata did not cause (Nova's `_sync_power_states`). */
export type ServerPowerStateChanged = DomainEvent<'ServerPowerStateChanged', { serverId: string; powerState: PowerState; vmState: VmState }>;
/** `abandonedImageId`: the image of a createImage the deletion cuts short, which goes (Nova deletes it when the snapshot fails). */
export type ServerDeletionRequested = DomainEvent<
  'ServerDeletionRequested',
  { serverId: string; orderId: string; host: string | null; force: boolean; taskState: 'deleting'; abandonedImageId?: string }
>;
/**
 * The claims the server held are listed so that the conductor can release them without reading anything;
 * `shelvedImageId`: the image of a shelved server, which goes with it (Nova's `_delete`); absent before shelve existed.
 */
export type ServerDeleted = DomainEvent<
  'ServerDeleted',
  {
    serverId: string;
    orderId: string | null;
    projectId: string;
    host: string | null;
    claims: { host: string; claimId: string }[];
    serverGroupId: string | null;
    vmState: 'deleted';
    terminatedAt: string;
    shelvedImageId?: string | null;
  }
>;

export type ServerActionRequestedEvent =
  | ServerStopRequested
  | ServerStartRequested
  | ServerRebootRequested
  | ServerPauseRequested
  | ServerUnpauseRequested
  | ServerSuspendRequested
  | ServerResumeRequested
  | ServerRebuildRequested
  | ServerResizeRequested
  | ServerRevertResizeRequested
  | ServerImageRequested
  | ServerShelveRequested
  | ServerShelveOffloadRequested;

export type ServerActionDoneEvent =
  | ServerStopped
  | ServerStarted
  | ServerRebooted
  | ServerPaused
  | ServerUnpaused
  | ServerSuspended
  | ServerResumed
  | ServerRebuilt
  | ServerResized
  | ServerResizeReverted
  | ServerImageCreated
  | ServerShelved
  | ServerShelveOffloaded
  | ServerUnshelved;

/** The events of createImage, shelve, shelveOffload and unshelve: the actions that copy a server's disk into an image. */
export const SNAPSHOT_EVENT_TYPES = [
  'ServerImageRequested',
  'ServerImageCreated',
  'ServerShelveRequested',
  'ServerShelved',
  'ServerShelveOffloadRequested',
  'ServerShelveOffloaded',
  'ServerUnshelveRequested',
  'ServerUnshelveScheduled',
  'ServerUnshelved',
] as const satisfies readonly ServerEvent['type'][];

export type ServerEvent =
  | ServerCreationRequested
  | ServerScheduled
  | ServerRescheduled
  | ServerSpawned
  | ServerBuildFailed
  | ServerUpdated
  | ServerMetadataChanged
  | ServerTagsChanged
  | ServerStateReset
  | ServerLocked
  | ServerUnlocked
  | ServerActionRequestedEvent
  | ServerActionDoneEvent
  | ServerResizeClaimed
  | ServerMigratedOut
  | ServerResizeConfirmed
  | ServerUnshelveRequested
  | ServerUnshelveScheduled
  | ServerActionFailed
  | ServerPowerStateChanged
  | ServerExternalEventReceived
  | ServerDeletionRequested
  | ServerDeleted;
