import { InstanceActionRow } from '../../../../../projections/compute/instance-actions';
import { ApiVersion } from '../microversion';
import { hostId, novaTimestamp } from './server-views';

export interface InstanceActionViewContext {
  version: ApiVersion;
  /**
   * os_compute_api:os-instance-actions:events (admin by default): events at every microversion,
   * with traceback, host (2.62) and details (2.84, events:details, also admin).
   */
  isAdmin: boolean;
  /** The server's project: hashes the events' hostId when the action has no project (Nova's fallback). */
  serverProjectId: string;
}

const timestamp = (instant: string | null): string | null => (instant === null ? null : novaTimestamp(instant));

/** nova/api/openstack/compute/instance_actions.py ACTION_KEYS (2.58: with updated_at). */
export function instanceActionSummary(row: InstanceActionRow, ctx: Pick<InstanceActionViewContext, 'version'>): Record<string, unknown> {
  const action: Record<string, unknown> = {
    action: row.action,
    instance_uuid: row.server_id,
    request_id: row.request_id,
    user_id: row.user_id,
    project_id: row.project_id,
    start_time: novaTimestamp(row.start_time),
    message: row.message,
  };
  if (ctx.version.atLeast('2.58')) action.updated_at = timestamp(row.updated_at);
  return action;
}

/** GET /servers/{id}/os-instance-actions: the actions, newest first (the caller adds the 2.58 pagination links). */
export function instanceActionsList(rows: InstanceActionRow[], ctx: Pick<InstanceActionViewContext, 'version'>): Record<string, unknown>[] {
  return [...rows]
    // The driver may hand timestamps over as Date objects: Date.parse(String(date)) would drop the milliseconds.
    .sort((a, b) => new Date(b.start_time).getTime() - new Date(a.start_time).getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((row) => instanceActionSummary(row, ctx));
}

/** GET /servers/{id}/os-instance-actions/{request_id}: `show` of nova/api/openstack/compute/instance_actions.py (Zed). */
export function instanceActionView(row: InstanceActionRow, ctx: InstanceActionViewContext): Record<string, unknown> {
  const v = ctx.version;
  const action = instanceActionSummary(row, ctx);
  // Before 2.51 only those allowed the events policy see events; from 2.51 everyone does, without traceback.
  const showEvents = ctx.isAdmin || v.atLeast('2.51');
  if (!showEvents) return action;
  const showHost = ctx.isAdmin && v.atLeast('2.62');
  const showHostId = v.atLeast('2.62');
  const showDetails = ctx.isAdmin && v.atLeast('2.84');
  const project = row.project_id || ctx.serverProjectId;
  // nova/db/main/api.py `action_events_get`: newest first.
  action.events = [...row.events].reverse().map((e) => {
    const event: Record<string, unknown> = { event: e.event, start_time: novaTimestamp(e.start_time), finish_time: timestamp(e.finish_time), result: e.result };
    if (ctx.isAdmin) event.traceback = e.traceback;
    if (showHost) event.host = e.host;
    if (showHostId) event.hostId = hostId(e.host, project);
    if (showDetails) event.details = e.details;
    return event;
  });
  return action;
}
