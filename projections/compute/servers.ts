import { FlavorSnapshot, POWER, PowerState, ServerEvent, ServerFault, ServerImage, serverStatus, SNAPSHOT_EVENT_TYPES, TaskState, VmState } from '../../domain/compute';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, changedColumns, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from '../kernel/rows';

export const SERVERS_TABLE = 'compute_servers';

/**
 * A server as Nova's `instances` table holds it. Deleted servers stay (soft delete, as Nova): the
 * API lists them with `changes-since` and shows them to admins with `deleted=true`.
 */
export type ServerRow = Tracked & {
  id: string;
  name: string;
  description: string | null;
  project_id: string;
  user_id: string;
  vm_state: VmState;
  task_state: TaskState | null;
  power_state: PowerState;
  /** The API's status (nova/api/openstack/common.py `_STATE_MAP`), kept for the `status` filter. */
  status: string;
  host: string | null;
  node: string | null;
  /** OS-EXT-AZ: the zone of the host once scheduled (Nova's conductor writes it on the instance), else the one asked for. */
  availability_zone: string | null;
  requested_availability_zone: string | null;
  flavor: FlavorSnapshot;
  flavor_id: string;
  vcpus: number;
  memory_mb: number;
  root_gb: number;
  image: ServerImage;
  image_id: string;
  key_name: string | null;
  key_data: string | null;
  metadata: Record<string, string>;
  tags: string[];
  fault: ServerFault | null;
  locked: boolean;
  locked_reason: string | null;
  locked_by: 'owner' | 'admin' | null;
  server_group_id: string | null;
  reservation_id: string;
  launch_index: number;
  hostname: string;
  instance_name: string;
  access_ipv4: string | null;
  access_ipv6: string | null;
  user_data: string | null;
  config_drive: string;
  /** OS-DCF:diskConfig: AUTO (true) or MANUAL. */
  auto_disk_config: boolean;
  launched_at: string | null;
  terminated_at: string | null;
  deleted: boolean;
  deleted_at: string | null;
};

export const SERVER_EVENT_TYPES: ServerEvent['type'][] = [
  'ServerCreationRequested',
  'ServerScheduled',
  'ServerRescheduled',
  'ServerSpawned',
  'ServerBuildFailed',
  'ServerUpdated',
  'ServerMetadataChanged',
  'ServerTagsChanged',
  'ServerStateReset',
  'ServerLocked',
  'ServerUnlocked',
  'ServerStopRequested',
  'ServerStopped',
  'ServerStartRequested',
  'ServerStarted',
  'ServerRebootRequested',
  'ServerRebooted',
  'ServerPauseRequested',
  'ServerPaused',
  'ServerUnpauseRequested',
  'ServerUnpaused',
  'ServerSuspendRequested',
  'ServerSuspended',
  'ServerResumeRequested',
  'ServerResumed',
  'ServerRebuildRequested',
  'ServerRebuilt',
  'ServerResizeRequested',
  'ServerResizeClaimed',
  'ServerMigratedOut',
  'ServerResized',
  'ServerResizeConfirmed',
  'ServerRevertResizeRequested',
  'ServerResizeReverted',
  ...SNAPSHOT_EVENT_TYPES,
  'ServerActionFailed',
  'ServerPowerStateChanged',
  'ServerDeletionRequested',
  'ServerDeleted',
];

const flavorColumns = (f: FlavorSnapshot) => ({ flavor: f, flavor_id: f.id, vcpus: f.vcpus, memory_mb: f.memoryMb, root_gb: f.rootGb });

/** Nova's servers (GET /servers, /servers/detail, /servers/{id}). */
export const computeServersProjection: Projection = {
  name: 'compute_servers',
  version: 2,
  eventTypes: SERVER_EVENT_TYPES,
  tables: [
    table<ServerRow>({
      name: SERVERS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        name: { type: 'text' },
        description: { type: 'text', nullable: true },
        project_id: { type: 'text' },
        user_id: { type: 'text' },
        vm_state: { type: 'text' },
        task_state: { type: 'text', nullable: true },
        power_state: { type: 'integer' },
        status: { type: 'text' },
        host: { type: 'text', nullable: true },
        node: { type: 'text', nullable: true },
        availability_zone: { type: 'text', nullable: true },
        requested_availability_zone: { type: 'text', nullable: true },
        flavor: { type: 'jsonb' },
        flavor_id: { type: 'text' },
        vcpus: { type: 'integer' },
        memory_mb: { type: 'integer' },
        root_gb: { type: 'integer' },
        image: { type: 'jsonb' },
        image_id: { type: 'text' },
        key_name: { type: 'text', nullable: true },
        key_data: { type: 'text', nullable: true },
        metadata: { type: 'jsonb' },
        tags: { type: 'jsonb' },
        fault: { type: 'jsonb', nullable: true },
        locked: { type: 'boolean' },
        locked_reason: { type: 'text', nullable: true },
        locked_by: { type: 'text', nullable: true },
        server_group_id: { type: 'text', nullable: true },
        reservation_id: { type: 'text' },
        launch_index: { type: 'integer' },
        hostname: { type: 'text' },
        instance_name: { type: 'text' },
        access_ipv4: { type: 'text', nullable: true },
        access_ipv6: { type: 'text', nullable: true },
        user_data: { type: 'text', nullable: true },
        config_drive: { type: 'text' },
        auto_disk_config: { type: 'boolean' },
        launched_at: { type: 'timestamptz', nullable: true },
        terminated_at: { type: 'timestamptz', nullable: true },
        deleted: { type: 'boolean' },
        deleted_at: { type: 'timestamptz', nullable: true },
        ...TRACKED_COLUMNS,
      },
      // GET /servers filters by project (non-admins always), host, status, deleted and changes-since (updated_at), and sorts by created_at.
      indexes: [['project_id'], ['host'], ['created_at'], ['updated_at'], ['status'], ['deleted']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: SERVERS_TABLE, key: (event.data as { serverId: string }).serverId }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as ServerEvent;
    const row = getRow<ServerRow>(rows, SERVERS_TABLE, e.data.serverId);
    if (e.type === 'ServerCreationRequested') {
      if (alreadyApplied(row, event)) return;
      const d = e.data;
      rows.put(SERVERS_TABLE, {
        id: d.serverId,
        name: d.name,
        description: d.description,
        project_id: d.projectId,
        user_id: d.userId,
        vm_state: d.vmState,
        task_state: d.taskState,
        power_state: d.powerState,
        status: serverStatus(d.vmState, d.taskState),
        host: null,
        node: null,
        availability_zone: d.availabilityZone,
        requested_availability_zone: d.availabilityZone,
        ...flavorColumns(d.flavor),
        image: d.image,
        image_id: d.image.id,
        key_name: d.keyName,
        key_data: d.keyData,
        metadata: d.metadata,
        tags: d.tags,
        fault: null,
        locked: false,
        locked_reason: null,
        locked_by: null,
        server_group_id: d.serverGroupId,
        reservation_id: d.reservationId,
        launch_index: d.launchIndex,
        hostname: d.hostname,
        instance_name: d.instanceName,
        access_ipv4: d.accessIPv4,
        access_ipv6: d.accessIPv6,
        user_data: d.userData,
        config_drive: d.configDrive,
        auto_disk_config: d.autoDiskConfig ?? false,
        launched_at: null,
        terminated_at: null,
        deleted: false,
        deleted_at: null,
        ...created(event),
      } satisfies ServerRow);
      return;
    }
    if (!row || alreadyApplied(row, event)) return;
    const next: ServerRow = { ...row, ...serverChanges(e, event.metadata.occurredAt), ...touched(event) };
    next.status = next.deleted ? 'DELETED' : serverStatus(next.vm_state, next.task_state);
    rows.put(SERVERS_TABLE, next);
  },
};

type ServerChange = Exclude<ServerEvent, { type: 'ServerCreationRequested' }>;

function serverChanges(e: ServerChange, at: string): Partial<ServerRow> {
  switch (e.type) {
    case 'ServerScheduled':
      return { host: e.data.host, node: e.data.node, availability_zone: e.data.availabilityZone, task_state: e.data.taskState };
    case 'ServerRescheduled':
      // The zone stays the last host's: Nova's conductor writes it on the instance and a reschedule does not clear it.
      return { host: null, node: null, task_state: e.data.taskState };
    case 'ServerSpawned':
      return { host: e.data.host, vm_state: e.data.vmState, task_state: null, power_state: e.data.powerState, launched_at: e.data.launchedAt };
    case 'ServerBuildFailed':
      return { vm_state: e.data.vmState, task_state: null, host: null, node: null, fault: e.data.fault };
    case 'ServerUpdated':
      return changedColumns(e.data, { name: 'name', description: 'description', accessIPv4: 'access_ipv4', accessIPv6: 'access_ipv6', autoDiskConfig: 'auto_disk_config' }) as Partial<ServerRow>;
    case 'ServerMetadataChanged':
      return { metadata: e.data.metadata };
    case 'ServerTagsChanged':
      return { tags: e.data.tags };
    case 'ServerStateReset':
      return { vm_state: e.data.vmState, task_state: null };
    case 'ServerLocked':
      return { locked: true, locked_reason: e.data.reason, locked_by: e.data.lockedBy };
    case 'ServerUnlocked':
      return { locked: false, locked_reason: null, locked_by: null };
    case 'ServerStopRequested':
    case 'ServerStartRequested':
    case 'ServerRebootRequested':
    case 'ServerPauseRequested':
    case 'ServerUnpauseRequested':
    case 'ServerSuspendRequested':
    case 'ServerResumeRequested':
    case 'ServerResizeClaimed':
    case 'ServerMigratedOut':
    case 'ServerRevertResizeRequested':
      return { task_state: e.data.taskState };
    case 'ServerResizeRequested':
      return { task_state: e.data.taskState, ...(e.data.autoDiskConfig !== undefined ? { auto_disk_config: e.data.autoDiskConfig } : {}) };
    case 'ServerRebuildRequested': {
      const d = e.data;
      return {
        task_state: d.taskState,
        image: d.image,
        image_id: d.image.id,
        name: d.name,
        metadata: d.metadata,
        description: d.description,
        key_name: d.keyName,
        key_data: d.keyData,
        ...(d.autoDiskConfig !== undefined ? { auto_disk_config: d.autoDiskConfig } : {}),
      };
    }
    case 'ServerStopped':
    case 'ServerStarted':
    case 'ServerRebooted':
    case 'ServerPaused':
    case 'ServerUnpaused':
    case 'ServerSuspended':
    case 'ServerResumed':
    case 'ServerActionFailed':
      return { vm_state: e.data.vmState, power_state: e.data.powerState, task_state: null };
    case 'ServerRebuilt':
      return { vm_state: e.data.vmState, power_state: e.data.powerState, task_state: null, launched_at: e.data.launchedAt, fault: null };
    case 'ServerResized':
    case 'ServerResizeReverted':
      // nova/compute/manager.py `_finish_resize` and `finish_revert_resize` set launched_at to now.
      return { vm_state: e.data.vmState, power_state: e.data.powerState, task_state: null, host: e.data.host, node: e.data.node, ...flavorColumns(e.data.flavor), launched_at: at };
    case 'ServerResizeConfirmed':
      return { vm_state: e.data.vmState };
    case 'ServerImageRequested':
    case 'ServerShelveRequested':
    case 'ServerShelveOffloadRequested':
      return { task_state: e.data.taskState };
    case 'ServerImageCreated':
    case 'ServerShelved':
      return { vm_state: e.data.vmState, power_state: e.data.powerState, task_state: null };
    case 'ServerShelveOffloaded':
      // nova/compute/manager.py `_shelve_offload_instance`: off its host and node, in no zone until placed again.
      return { vm_state: e.data.vmState, power_state: e.data.powerState, task_state: null, host: null, node: null, availability_zone: null };
    case 'ServerUnshelveRequested':
      return { task_state: e.data.taskState, ...(e.data.availabilityZone !== undefined ? { requested_availability_zone: e.data.availabilityZone } : {}) };
    case 'ServerUnshelveScheduled':
      return { task_state: e.data.taskState, availability_zone: e.data.availabilityZone };
    case 'ServerUnshelved':
      return { vm_state: e.data.vmState, power_state: e.data.powerState, task_state: null, host: e.data.host, node: e.data.node };
    case 'ServerPowerStateChanged':
      return { vm_state: e.data.vmState, power_state: e.data.powerState };
    case 'ServerExternalEventReceived':
      // Not among SERVER_EVENT_TYPES: an external event changes nothing a server shows.
      return {};
    case 'ServerDeletionRequested':
      return { task_state: e.data.taskState };
    case 'ServerDeleted':
      // nova/compute/manager.py `_delete_instance`: the host stays on the deleted instance.
      return { vm_state: e.data.vmState, task_state: null, power_state: POWER.NOSTATE, terminated_at: e.data.terminatedAt, deleted: true, deleted_at: at };
    default: {
      const unhandled: never = e;
      return unhandled;
    }
  }
}
