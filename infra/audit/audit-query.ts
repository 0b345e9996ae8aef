import type { Pool } from 'pg';
import { AuditEventRow } from '../../projections/audit';
import { sqlParams } from '../persistence/sql-params';

export interface AuditFilter {
  userId?: string;
  /** The acting token's project. */
  projectId?: string;
  resourceType?: string;
  resourceId?: string;
  eventType?: string;
  /** Inclusive bounds on the decision time. */
  since?: Date;
  until?: Date;
  requestId?: string;
  correlationId?: string;
  /**
   * Everything one API call caused, across services: its own events and those other components
   * (the conductor, agents' reports) appended on its behalf, which carry its correlation id.
   */
  causedByRequest?: string;
  /** Set for project-scoped readers: only events on resources of that project. */
  resourceProjectId?: string;
}

export interface AuditPage {
  events: AuditRecord[];
  /** Position of the last event returned when more may follow: the next page's marker. */
  next: string | null;
}

export interface AuditRecord {
  eventId: string;
  position: string;
  occurredAt: string;
  type: string;
  resource: { type: string; id: string; stream: string; version: number; projectId: string | null };
  actor: { userId: string | null; projectId: string | null; domainId: string | null; roles: string[] };
  requestId: string | null;
  correlationId: string | null;
  causationId: string | null;
  /** Depth in the causal chain of a `causedByRequest` query (0: the request's own events). */
  depth?: number;
  data: unknown;
}

export const AUDIT_MAX_LIMIT = 1000;

/** Queries over `rm.audit_events`, in log order, paged by position. */
export async function queryAudit(pool: Pick<Pool, 'query'>, filter: AuditFilter, page: { limit: number; marker?: string }): Promise<AuditPage> {
  const where: string[] = [];
  const { params, p } = sqlParams();
  if (filter.userId !== undefined) where.push(`user_id = ${p(filter.userId)}`);
  if (filter.projectId !== undefined) where.push(`project_id = ${p(filter.projectId)}`);
  if (filter.resourceType !== undefined) where.push(`resource_type = ${p(filter.resourceType)}`);
  if (filter.resourceId !== undefined) where.push(`resource_id = ${p(filter.resourceId)}`);
  if (filter.eventType !== undefined) where.push(`event_type = ${p(filter.eventType)}`);
  if (filter.since !== undefined) where.push(`occurred_at >= ${p(filter.since.toISOString())}::timestamptz`);
  if (filter.until !== undefined) where.push(`occurred_at <= ${p(filter.until.toISOString())}::timestamptz`);
  if (filter.requestId !== undefined) where.push(`request_id = ${p(filter.requestId)}`);
  if (filter.correlationId !== undefined) where.push(`correlation_id = ${p(filter.correlationId)}`);
  if (filter.causedByRequest !== undefined) {
    const r = filter.causedByRequest;
    where.push(`(request_id = ${p(r)} OR correlation_id = ${p(r.startsWith('req-') ? r.slice(4) : r)})`);
  }
  if (filter.resourceProjectId !== undefined) where.push(`resource_project_id = ${p(filter.resourceProjectId)}`);
  if (page.marker !== undefined) where.push(`position > ${p(page.marker)}`);
  const limit = Math.min(Math.max(page.limit, 1), AUDIT_MAX_LIMIT);
  const sql = `SELECT * FROM rm.audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY position LIMIT ${limit + 1}`;
  const { rows } = await pool.query<StoredRow>(sql, params);
  const more = rows.length > limit;
  const events = rows.slice(0, limit).map(toRecord);
  if (filter.causedByRequest !== undefined) markDepths(events, filter.causedByRequest);
  return { events, next: more && events.length ? events[events.length - 1].position : null };
}

type StoredRow = Omit<AuditEventRow, 'occurred_at'> & { occurred_at: Date | string };

function toRecord(r: StoredRow): AuditRecord {
  return {
    eventId: r.event_id,
    position: r.position,
    occurredAt: r.occurred_at instanceof Date ? r.occurred_at.toISOString() : r.occurred_at,
    type: r.event_type,
    resource: { type: r.resource_type, id: r.resource_id, stream: r.stream, version: Number(r.stream_version), projectId: r.resource_project_id },
    actor: { userId: r.user_id, projectId: r.project_id, domainId: r.domain_id, roles: r.roles },
    requestId: r.request_id,
    correlationId: r.correlation_id,
    causationId: r.causation_id,
    data: r.data,
  };
}

/**
 * Log order is a causal order (an effect is appended after its cause); the depth says how far
 * down the chain each event is: the request's own events are 0; an event whose causation id names
 * an event (or a request) of depth n is n + 1; other events the request's correlation reached
 * (steps of the conductor keyed by order or saga) are 1.
 */
export function markDepths(events: AuditRecord[], requestId: string): void {
  const depthOf = new Map<string, number>([[requestId, -1]]);
  for (const e of events) {
    if (e.requestId === requestId) e.depth = 0;
    else {
      const parent = e.causationId !== null ? depthOf.get(e.causationId) : undefined;
      e.depth = parent === undefined ? 1 : parent + 1;
    }
    depthOf.set(e.eventId, e.depth);
    if (e.requestId !== null && !depthOf.has(e.requestId)) depthOf.set(e.requestId, e.depth);
  }
}
