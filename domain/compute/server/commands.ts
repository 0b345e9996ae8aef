import { Command } from '../../kernel';
import { FlavorSnapshot } from '../flavor-spec';
import { PowerState } from '../vm-states';
import { ExternalEvent, ServerAction, ServerFault, ServerImage, ServerSpec } from './events';

/** What the caller may do regardless of locks and ownership: decided by the API's policy, not here. */
interface Caller {
  byAdmin: boolean;
}

export type CreateServer = Command<'CreateServer', ServerSpec>;
/** `autoDiskConfig`: OS-DCF:diskConfig AUTO (true) or MANUAL (false). */
export type UpdateServer = Command<
  'UpdateServer',
  Caller & { serverId: string; name?: string; description?: string | null; accessIPv4?: string | null; accessIPv6?: string | null; autoDiskConfig?: boolean }
>;
/** `replace`: PUT (the whole set); otherwise POST/PUT of items merge. `remove`: keys to delete. */
export type ChangeServerMetadata = Command<'ChangeServerMetadata', Caller & { serverId: string; set: Record<string, string>; remove: string[]; replace: boolean }>;
export type LockServer = Command<'LockServer', Caller & { serverId: string; reason: string | null }>;
export type UnlockServer = Command<'UnlockServer', Caller & { serverId: string }>;

export type PowerAction = 'stop' | 'start' | 'reboot' | 'pause' | 'unpause' | 'suspend' | 'resume';
export type RequestServerAction = Command<'RequestServerAction', Caller & { serverId: string; action: PowerAction; rebootType?: 'SOFT' | 'HARD' }>;
export type RebuildServer = Command<
  'RebuildServer',
  Caller & {
    serverId: string;
    image: ServerImage;
    name?: string;
    metadata?: Record<string, string>;
    description?: string | null;
    keyName?: string | null;
    keyData?: string | null;
    autoDiskConfig?: boolean;
  }
>;
export type ResizeServer = Command<'ResizeServer', Caller & { serverId: string; flavor: FlavorSnapshot; autoDiskConfig?: boolean }>;
/** Cold migration (os-migrateServer `migrate`): the same flavor on another host, the scheduler's or `host` (2.56; `hostKnown`: a compute host of that name exists). */
export type MigrateServer = Command<'MigrateServer', Caller & { serverId: string; host: string | null; hostKnown?: boolean }>;
export type ConfirmServerResize = Command<'ConfirmServerResize', Caller & { serverId: string }>;
export type RevertServerResize = Command<'RevertServerResize', Caller & { serverId: string }>;
/** createImage: `imageId` is the image the API made for the copy (queued). The lock does not apply (Nova). */
export type CreateServerImage = Command<'CreateServerImage', Caller & { serverId: string; imageId: string; imageName: string }>;
/** shelve: `imageId` is the id the API gives the shelved image (derived from the request, so a retry converges). */
export type ShelveServer = Command<'ShelveServer', Caller & { serverId: string; imageId: string }>;
/** shelveOffload (admin), or the conductor right after a shelve with that shelve's `orderId` (one action, as Nova's). */
export type ShelveOffloadServer = Command<'ShelveOffloadServer', Caller & { serverId: string; orderId?: string }>;
/**
 * unshelve. `availabilityZone` (2.77; null unpins, 2.91) and `host` (2.91, admin) are for an offloaded
 * server only. The API looks up what the decision needs: whether the zone is one of the available ones
 * (`zoneAvailable`) and the named host's zone (`hostZone`: null when there is no such compute host).
 */
export type UnshelveServer = Command<
  'UnshelveServer',
  Caller & { serverId: string; availabilityZone?: string | null; host?: string; zoneAvailable?: boolean; hostZone?: string | null }
>;
/** os-server-tags: `replace` (PUT /tags, DELETE /tags) makes `add` the whole set; otherwise `add` and `remove` change it. */
export type ChangeServerTags = Command<'ChangeServerTags', Caller & { serverId: string; add: string[]; remove: string[]; replace: boolean }>;
/** os-resetState (admin): vm_state forced, task_state cleared, nothing done on the host. */
export type ResetServerState = Command<'ResetServerState', Caller & { serverId: string; state: 'active' | 'error' }>;
/** restore: brings back a SOFT_DELETED server. */
export type RestoreServer = Command<'RestoreServer', Caller & { serverId: string }>;
/** `hostDown`: the server's compute host is down, so nothing can destroy the guest now (Nova deletes locally then). */
export type DeleteServer = Command<'DeleteServer', Caller & { serverId: string; force: boolean; hostDown?: boolean }>;
/** os-server-external-events (admin): what Neutron, Cinder or Cyborg told about the server, each event as the API accepted it. */
export type RecordServerExternalEvents = Command<'RecordServerExternalEvents', { serverId: string; events: ExternalEvent[] }>;

// Commands of the conductor (reports of agents and scheduling decisions).
export type RecordServerScheduled = Command<'RecordServerScheduled', { serverId: string; host: string; node: string; availabilityZone: string; claimId: string; attempt: number }>;
export type RecordServerRescheduled = Command<'RecordServerRescheduled', { serverId: string; attempt: number; previousHost: string; reason: string }>;
export type RecordServerSpawned = Command<'RecordServerSpawned', { serverId: string; host: string; powerState: PowerState }>;
export type FailServerBuild = Command<'FailServerBuild', { serverId: string; fault: Omit<ServerFault, 'created'> }>;
export type RecordUnshelveScheduled = Command<'RecordUnshelveScheduled', { serverId: string; orderId: string; host: string; node: string; availabilityZone: string; claimId: string }>;
export type RecordResizeClaimed = Command<'RecordResizeClaimed', { serverId: string; orderId: string; host: string; node: string; claimId: string }>;
/** The source host of a move to another host has powered the guest off and let it go (Nova's `migrate_disk_and_power_off`). */
export type RecordMigratedOut = Command<'RecordMigratedOut', { serverId: string; orderId: string }>;
/** `imageDiskFormat`: for a shelve, the disk format of the stored copy (its image is active by then). */
export type CompleteServerAction = Command<'CompleteServerAction', { serverId: string; orderId: string; action: ServerAction; powerState: PowerState; imageDiskFormat?: string }>;
export type FailServerAction = Command<'FailServerAction', { serverId: string; orderId: string; action: ServerAction; message: string; powerState?: PowerState }>;
export type CompleteServerDeletion = Command<'CompleteServerDeletion', { serverId: string }>;
export type SyncServerPowerState = Command<'SyncServerPowerState', { serverId: string; host: string; powerState: PowerState }>;

export type ServerCommand =
  | CreateServer
  | UpdateServer
  | ChangeServerMetadata
  | LockServer
  | UnlockServer
  | RequestServerAction
  | RebuildServer
  | ResizeServer
  | MigrateServer
  | ConfirmServerResize
  | RevertServerResize
  | CreateServerImage
  | ShelveServer
  | ShelveOffloadServer
  | UnshelveServer
  | DeleteServer
  | ChangeServerTags
  | ResetServerState
  | RestoreServer
  | RecordServerExternalEvents
  | RecordServerScheduled
  | RecordServerRescheduled
  | RecordServerSpawned
  | FailServerBuild
  | RecordResizeClaimed
  | RecordMigratedOut
  | RecordUnshelveScheduled
  | CompleteServerAction
  | FailServerAction
  | CompleteServerDeletion
  | SyncServerPowerState;

export type { ServerAction };
