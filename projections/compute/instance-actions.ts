import { ServerEvent, SNAPSHOT_EVENT_TYPES } from '../../domain/compute';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { getRow, table } from '../kernel/rows';

export const INSTANCE_ACTIONS_TABLE = 'compute_instance_actions';

/** One step of an action, as nova/compute/utils.py `EventReporter` records it (`<service>_<method>`). */
export interface InstanceActionEventEntry {
  event: string;
  start_time: string;
  finish_time: string | null;
  result: 'Success' | 'Error' | null;
  traceback: string | null;
  /** The service host that ran the step; null for the conductor's steps (Strata's conductor has no host of its own). */
  host: string | null;
  details: string | null;
}

/**
 * Nova's `instance_actions` with its `instance_actions_events`: one row per API action on a server,
 * kept after the server is deleted (2.21 lists the actions of deleted servers).
 */
export type InstanceActionRow = {
  /** `<serverId>|<requestKey>`: `create`, the order id of an agent action, or the request id. */
  id: string;
  server_id: string;
  /** nova/compute/instance_actions.py names. */
  action: string;
  request_id: string;
  user_id: string | null;
  project_id: string | null;
  start_time: string;
  /** Nova's semantics: null until a step starts, then the time of the latest step start or finish (2.58). */
  updated_at: string | null;
  /** 'Error' once any step failed (nova/db/main/api.py `action_event_finish`). */
  message: string | null;
  /** In the order they started; the API shows them newest first. */
  events: InstanceActionEventEntry[];
  /** The server's host when the action was asked (where the source-side steps of a resize run). */
  host: string | null;
  /** Version of the last server event applied to this row (redelivery guard). */
  stream_version: number;
};

/** Server events that record nothing here: edits of the server itself, power changes Strata did not cause, external events (Nova records no action for them). */
type ActionEvent = Exclude<ServerEvent, { type: 'ServerUpdated' | 'ServerMetadataChanged' | 'ServerTagsChanged' | 'ServerPowerStateChanged' | 'ServerExternalEventReceived' }>;

export const INSTANCE_ACTION_EVENT_TYPES: ActionEvent['type'][] = [
  'ServerCreationRequested',
  'ServerScheduled',
  'ServerRescheduled',
  'ServerSpawned',
  'ServerBuildFailed',
  'ServerLocked',
  'ServerUnlocked',
  'ServerStateReset',
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
  'ServerDeletionRequested',
  'ServerDeleted',
];

export const CREATE_ACTION_KEY = 'create';
export const instanceActionKey = (serverId: string, requestKey: string): string => `${serverId}|${requestKey}`;

/** The action and its first step for each request event of an agent action (the `wrap_instance_event` names of nova/compute/manager.py). */
const REQUESTED: Partial<Record<ServerEvent['type'], { action: string; step: string }>> = {
  ServerStopRequested: { action: 'stop', step: 'compute_stop_instance' },
  ServerStartRequested: { action: 'start', step: 'compute_start_instance' },
  ServerRebootRequested: { action: 'reboot', step: 'compute_reboot_instance' },
  ServerPauseRequested: { action: 'pause', step: 'compute_pause_instance' },
  ServerUnpauseRequested: { action: 'unpause', step: 'compute_unpause_instance' },
  ServerSuspendRequested: { action: 'suspend', step: 'compute_suspend_instance' },
  ServerResumeRequested: { action: 'resume', step: 'compute_resume_instance' },
  ServerRebuildRequested: { action: 'rebuild', step: 'compute_rebuild_instance' },
  ServerRevertResizeRequested: { action: 'revertResize', step: 'compute_revert_resize' },
  ServerImageRequested: { action: 'createImage', step: 'compute_snapshot_instance' },
  ServerShelveRequested: { action: 'shelve', step: 'compute_shelve_instance' },
};

/** The key (after `<serverId>|`) of the action row an event belongs to; null when it belongs to none. */
function requestKeyOf(e: ActionEvent, event: RecordedEvent): string | null {
  switch (e.type) {
    case 'ServerCreationRequested':
    case 'ServerScheduled':
    case 'ServerRescheduled':
    case 'ServerSpawned':
    case 'ServerBuildFailed':
      return CREATE_ACTION_KEY;
    case 'ServerLocked':
    case 'ServerUnlocked':
    case 'ServerStateReset':
    case 'ServerResizeConfirmed':
      return event.metadata.requestId;
    default:
      return e.data.orderId;
  }
}

function startStep(row: InstanceActionRow, step: string, at: string, host: string | null): InstanceActionRow {
  return { ...row, updated_at: at, events: [...row.events, { event: step, start_time: at, finish_time: null, result: null, traceback: null, host, details: null }] };
}

/** A step that started and finished within one fact. */
function instantStep(row: InstanceActionRow, step: string, at: string, host: string | null, failure: string | null = null): InstanceActionRow {
  return finishOpen(startStep(row, step, at, host), at, failure, step);
}

/** Finishes the latest unfinished step (of that name, when given): Success, or Error with the failure as traceback and details. */
function finishOpen(row: InstanceActionRow, at: string, failure: string | null, step?: string): InstanceActionRow {
  let index = -1;
  for (let i = row.events.length - 1; i >= 0; i--) {
    if (row.events[i].finish_time === null && (step === undefined || row.events[i].event === step)) {
      index = i;
      break;
    }
  }
  const message = failure !== null ? 'Error' : row.message;
  if (index < 0) return { ...row, message };
  const events = row.events.map((ev, i) =>
    i === index ? { ...ev, finish_time: at, result: failure === null ? ('Success' as const) : ('Error' as const), traceback: failure, details: failure } : ev,
  );
  return { ...row, events, message, updated_at: at };
}

const hasOpen = (row: InstanceActionRow, step: string) => row.events.some((ev) => ev.event === step && ev.finish_time === null);

/** Nova's os-instance-actions (GET /servers/{id}/os-instance-actions[/{request_id}]). */
export const computeInstanceActionsProjection: Projection = {
  name: 'compute_instance_actions',
  // 3: a resize's and a migration's conductor step has Nova's `cold_migrate` inside it.
  version: 3,
  eventTypes: INSTANCE_ACTION_EVENT_TYPES,
  tables: [
    table<InstanceActionRow>({
      name: INSTANCE_ACTIONS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        server_id: { type: 'text' },
        action: { type: 'text' },
        request_id: { type: 'text' },
        user_id: { type: 'text', nullable: true },
        project_id: { type: 'text', nullable: true },
        start_time: { type: 'timestamptz' },
        updated_at: { type: 'timestamptz', nullable: true },
        message: { type: 'text', nullable: true },
        events: { type: 'jsonb' },
        host: { type: 'text', nullable: true },
        stream_version: { type: 'bigint' },
      },
      // The list is per server, newest first; show finds an action by its request id.
      indexes: [
        ['server_id', 'start_time'],
        ['server_id', 'request_id'],
      ],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const e = event as unknown as ActionEvent;
    const key = requestKeyOf(e, event);
    return key === null ? [] : [{ table: INSTANCE_ACTIONS_TABLE, key: instanceActionKey(e.data.serverId, key) }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as ActionEvent;
    const requestKey = requestKeyOf(e, event);
    if (requestKey === null) return;
    const id = instanceActionKey(e.data.serverId, requestKey);
    const row = getRow<InstanceActionRow>(rows, INSTANCE_ACTIONS_TABLE, id);
    if (row !== undefined && row.stream_version >= Number(event.version)) return;
    const at = event.metadata.occurredAt;
    const open = (action: string, host: string | null): InstanceActionRow =>
      row ?? {
        id,
        server_id: e.data.serverId,
        action,
        request_id: requestKey === CREATE_ACTION_KEY ? event.metadata.requestId : requestKey,
        user_id: event.metadata.actor.userId,
        project_id: event.metadata.actor.projectId,
        start_time: at,
        updated_at: null,
        message: null,
        events: [],
        host,
        stream_version: Number(event.version),
      };
    const next = actionChange(e, row, open, at);
    if (next) rows.put(INSTANCE_ACTIONS_TABLE, { ...next, stream_version: Number(event.version) } satisfies InstanceActionRow);
  },
};

function actionChange(
  e: ActionEvent,
  row: InstanceActionRow | undefined,
  open: (action: string, host: string | null) => InstanceActionRow,
  at: string,
): InstanceActionRow | null {
  const requested = REQUESTED[e.type];
  if (requested && 'host' in e.data) return startStep(open(requested.action, e.data.host), requested.step, at, e.data.host);
  switch (e.type) {
    case 'ServerCreationRequested':
      return open('create', null);
    // nova/compute/api.py `lock`/`unlock` record their one step in the API (`wrap_instance_event(prefix='api')`).
    case 'ServerLocked':
      return instantStep(open('lock', null), 'api_lock', at, null);
    case 'ServerUnlocked':
      return instantStep(open('unlock', null), 'api_unlock', at, null);
    case 'ServerStateReset':
      // admin_actions.py `_reset_state`: the action is started and finished in the API, with no step.
      return open('resetState', null);
    case 'ServerResizeRequested':
      // A cold migration is Nova's `migrate` action, with the resize's steps. nova/conductor/manager.py `migrate_server`
      // (conductor_migrate_server) reports `cold_migrate` around the scheduling, for a resize as for a migration.
      return startStep(startStep(open(e.data.migration ? 'migrate' : 'resize', e.data.host), 'conductor_migrate_server', at, null), 'cold_migrate', at, null);
    case 'ServerResizeConfirmed':
      // Strata confirms in one fact; Nova's confirm runs on the source host.
      return instantStep(open('confirmResize', e.data.sourceHost), 'compute_confirm_resize', at, e.data.sourceHost);
    case 'ServerShelveOffloadRequested':
      // Asked by the conductor right after a shelve with its order id, the offload is part of the shelve's step
      // (Nova's `shelved_offload_time` 0: one action, one step); an admin's shelveOffload is an action of its own.
      return row?.action === 'shelve' ? row : startStep(open('shelveOffload', e.data.host), 'compute_shelve_offload_instance', at, e.data.host);
    case 'ServerUnshelveRequested':
      // An offloaded server is placed by the conductor first (nova/conductor/manager.py `unshelve_instance`: the
      // image looked up, then the scheduling), then spawned on the host; a SHELVED one is powered on where it is.
      return e.data.host === null
        ? startStep(instantStep(open('unshelve', null), 'get_image_info', at, null), 'schedule_instances', at, null)
        : startStep(open('unshelve', e.data.host), 'compute_unshelve_instance', at, e.data.host);
    case 'ServerDeletionRequested': {
      // A server never placed on a host is deleted locally (Nova's `_local_delete`): no compute step.
      const action = open('delete', e.data.host);
      return e.data.host === null ? action : startStep(action, 'compute_terminate_instance', at, e.data.host);
    }
    default:
      break;
  }
  // The rest continue an action that must already be there.
  if (!row) return null;
  switch (e.type) {
    case 'ServerScheduled':
      // nova/compute/manager.py `_do_build_and_run_instance`, wrapped by `wrap_instance_event(prefix='compute')`.
      return hasOpen(row, 'compute__do_build_and_run_instance') ? row : startStep(row, 'compute__do_build_and_run_instance', at, e.data.host);
    case 'ServerRescheduled':
      return finishOpen(row, at, e.data.reason, 'compute__do_build_and_run_instance');
    case 'ServerSpawned':
      return finishOpen(row, at, null, 'compute__do_build_and_run_instance');
    case 'ServerBuildFailed':
      if (hasOpen(row, 'compute__do_build_and_run_instance')) return finishOpen(row, at, e.data.fault.message, 'compute__do_build_and_run_instance');
      // No host could be found: nova/conductor/manager.py `_create_instance_action_for_cell0` records the failed scheduling.
      return instantStep(row, 'conductor_schedule_and_build_instances', at, null, e.data.fault.message);
    case 'ServerResizeClaimed': {
      const claimed = finishOpen(finishOpen(row, at, null, 'cold_migrate'), at, null, 'conductor_migrate_server');
      return startStep(instantStep(claimed, 'compute_prep_resize', at, e.data.host), 'compute_resize_instance', at, row.host);
    }
    case 'ServerMigratedOut':
      // The source let the guest go; the destination's step (finish_resize) comes with ServerResized.
      return finishOpen(row, at, null, 'compute_resize_instance');
    case 'ServerResized':
      return instantStep(finishOpen(row, at, null, 'compute_resize_instance'), 'compute_finish_resize', at, e.data.host);
    case 'ServerResizeReverted':
      return instantStep(finishOpen(row, at, null, 'compute_revert_resize'), 'compute_finish_revert_resize', at, e.data.host);
    case 'ServerUnshelveScheduled':
      return startStep(finishOpen(row, at, null, 'schedule_instances'), 'compute_unshelve_instance', at, e.data.host);
    case 'ServerImageCreated':
    case 'ServerShelved':
    case 'ServerShelveOffloaded':
    case 'ServerUnshelved':
    case 'ServerStopped':
    case 'ServerStarted':
    case 'ServerRebooted':
    case 'ServerPaused':
    case 'ServerUnpaused':
    case 'ServerSuspended':
    case 'ServerResumed':
    case 'ServerRebuilt':
    case 'ServerDeleted':
      return finishOpen(row, at, null);
    case 'ServerActionFailed':
      // Failed before a claim (no valid host): both conductor steps end in the error.
      if (hasOpen(row, 'cold_migrate')) return finishOpen(finishOpen(row, at, e.data.message, 'cold_migrate'), at, e.data.message, 'conductor_migrate_server');
      return finishOpen(row, at, e.data.message);
    default:
      return null;
  }
}
