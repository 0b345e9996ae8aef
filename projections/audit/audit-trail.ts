import { Actor, decidedAt, RecordedEvent, redactSecrets } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { table } from '../kernel/rows';

export const AUDIT_EVENTS_TABLE = 'audit_events';
export const AUDIT_RESOURCES_TABLE = 'audit_resources';

/** One event of the log, indexed for auditors' questions: who, which resource, which request, when. */
export type AuditEventRow = {
  event_id: string;
  position: string;
  stream: string;
  stream_version: number;
  resource_type: string;
  resource_id: string;
  /** The project owning the resource (a server's, an image's owner, the project itself); readers of it see the event. */
  resource_project_id: string | null;
  event_type: string;
  occurred_at: string;
  user_id: string | null;
  project_id: string | null;
  domain_id: string | null;
  roles: string[];
  request_id: string | null;
  correlation_id: string | null;
  causation_id: string | null;
  data: unknown;
};

/** The owning project of each stream, learnt from the event that created it. */
export type AuditResourceRow = { stream: string; project_id: string | null };

/** Stream categories whose API name differs (`servergroup-<id>` is a server_group). */
const CATEGORY_NAMES: Record<string, string> = { servergroup: 'server_group', appcred: 'application_credential', oauthconsumer: 'oauth_consumer', endpointgroup: 'endpoint_group', domainconfig: 'domain_config', quotaclass: 'quota_class' };

/**
 * The resource an event belongs to, named as the API names it: `server-<uuid>` → server <uuid>,
 * `saga-build-<uuid>` → build <uuid>; flavors, hosts and keypairs by their API ids (their streams
 * are named by derived uuids), host aggregates (one stream for all) by theirs.
 */
export function resourceOf(event: Pick<RecordedEvent, 'stream' | 'data'>): { type: string; id: string } {
  const dash = event.stream.indexOf('-');
  let category = dash < 0 ? event.stream : event.stream.slice(0, dash);
  let id = dash < 0 ? '' : event.stream.slice(dash + 1);
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (category === 'saga') {
    const second = id.indexOf('-');
    category = second < 0 ? id : id.slice(0, second);
    id = second < 0 ? '' : id.slice(second + 1);
  } else if (category === 'flavor' && typeof data.flavorId === 'string') id = data.flavorId;
  else if (category === 'host' && typeof data.host === 'string') id = data.host;
  else if (category === 'keypair' && typeof data.userId === 'string' && typeof data.name === 'string') id = `${data.userId}/${data.name}`;
  // Every host aggregate is in one stream: the resource is the aggregate an event names, by its API id.
  else if (category === 'aggregates' && typeof data.aggregateId === 'number') return { type: 'aggregate', id: String(data.aggregateId) };
  return { type: CATEGORY_NAMES[category] ?? category, id };
}

/** Resources that belong to a project, and the field of their events that names it. */
const OWNER_FIELD: Record<string, string> = { server: 'projectId', server_group: 'projectId', image: 'owner' };

/**
 * The project an event (or a resource's state) says owns the resource: a project and its quotas belong to themselves, a
 * server or server group to the project in its creating event, an image to its `owner` (which an
 * update may change). Every other resource (users, tokens, trusts, credentials, hosts, flavors...)
 * belongs to no project: only admins and auditors read its events. `undefined`: the event does not say.
 */
export function owningProject(resource: { type: string; id: string }, data: Record<string, unknown>): string | null | undefined {
  if (resource.type === 'project' || resource.type === 'quota') return resource.id;
  const field = OWNER_FIELD[resource.type];
  if (field === undefined) return null;
  const value = data[field];
  return typeof value === 'string' ? value : value === null ? null : undefined;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The audit trail: every event of the log, whatever its type, one row each with its actor,
 * request and resource, secrets masked. Rebuildable and verifiable like every read model.
 */
export const auditTrailProjection: Projection = {
  name: 'audit_trail',
  // 2: keyed by position (was event id): one index fewer, and a key that grows as rows are loaded.
  // 3: identifiers collated "C" and partial indexes on the columns that are often null: a rebuild
  //    builds the indexes in about half the time (BENCHMARKS.md, Ops).
  version: 3,
  eventTypes: [],
  allEvents: true,
  tables: [
    table<AuditEventRow>({
      name: AUDIT_EVENTS_TABLE,
      primaryKey: 'position',
      // Identifiers (positions, uuids, type names) compare byte by byte: their order is their bytes'
      // anyway, and the database's language collation sorts and indexes them several times slower.
      columns: {
        position: { type: 'text', collate: 'C' },
        event_id: { type: 'text', collate: 'C' },
        stream: { type: 'text', collate: 'C' },
        stream_version: { type: 'bigint' },
        resource_type: { type: 'text', collate: 'C' },
        resource_id: { type: 'text', collate: 'C' },
        resource_project_id: { type: 'text', nullable: true, collate: 'C' },
        event_type: { type: 'text', collate: 'C' },
        occurred_at: { type: 'timestamptz' },
        user_id: { type: 'text', nullable: true, collate: 'C' },
        project_id: { type: 'text', nullable: true, collate: 'C' },
        domain_id: { type: 'text', nullable: true, collate: 'C' },
        roles: { type: 'jsonb' },
        request_id: { type: 'text', nullable: true, collate: 'C' },
        correlation_id: { type: 'text', nullable: true, collate: 'C' },
        causation_id: { type: 'text', nullable: true, collate: 'C' },
        data: { type: 'jsonb' },
      },
      // The audit API filters by equality, so an index of a column that is often null (the actor
      // of the conductor's and agents' events, the project of a token's) leaves those rows out.
      indexes: [
        { columns: ['user_id', 'position'], whereNotNull: true },
        { columns: ['project_id', 'position'], whereNotNull: true },
        { columns: ['resource_project_id', 'position'], whereNotNull: true },
        ['resource_type', 'resource_id', 'position'],
        ['event_type', 'position'],
        { columns: ['request_id'], whereNotNull: true },
        { columns: ['correlation_id'], whereNotNull: true },
        ['occurred_at'],
      ],
      // One row per event, written once: a rebuild loads them with COPY and keeps none in memory.
      appendOnly: true,
    }),
    table<AuditResourceRow>({
      name: AUDIT_RESOURCES_TABLE,
      primaryKey: 'stream',
      columns: { stream: { type: 'text', collate: 'C' }, project_id: { type: 'text', nullable: true, collate: 'C' } },
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: AUDIT_RESOURCES_TABLE, key: event.stream }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const resource = resourceOf(event);
    let owner = rows.get(AUDIT_RESOURCES_TABLE, event.stream) as AuditResourceRow | undefined;
    const said = owningProject(resource, (event.data ?? {}) as Record<string, unknown>);
    // The owner as of this event: set by the first event, moved by any that names another (an image's new owner).
    if (!owner || (said !== undefined && said !== owner.project_id)) {
      owner = { stream: event.stream, project_id: said ?? owner?.project_id ?? null };
      rows.put(AUDIT_RESOURCES_TABLE, owner);
    }
    const m = event.metadata;
    const actor = (m.actor ?? {}) as Partial<Actor>;
    rows.put(AUDIT_EVENTS_TABLE, {
      event_id: event.id,
      position: event.position,
      stream: event.stream,
      stream_version: Number(event.version),
      resource_type: resource.type,
      resource_id: resource.id,
      resource_project_id: owner.project_id,
      event_type: event.type,
      occurred_at: decidedAt(event).toISOString(),
      user_id: actor.userId ?? null,
      project_id: actor.projectId ?? null,
      domain_id: actor.domainId ?? null,
      roles: Array.isArray(actor.roles) ? actor.roles : [],
      request_id: text(m.requestId),
      correlation_id: text(m.correlationId),
      causation_id: text(m.causationId),
      data: redactSecrets(event.data ?? {}),
    } satisfies AuditEventRow);
  },
};

export const AUDIT_PROJECTIONS: Projection[] = [auditTrailProjection];
