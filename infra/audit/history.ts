import { Actor, diffStates, DomainEvent, EventStore, FieldChange, RecordedEvent, redactSecrets, summarizeChanges } from '../../domain/kernel';
import { AsOf, isAfter } from './as-of';
import { ResourceType } from './resource-types';

/** One event of a resource's history, as auditors read it. */
export interface HistoryEntry {
  version: number;
  position: string;
  eventId: string;
  type: string;
  /** When the command was decided (metadata.occurredAt), and when the store recorded it. */
  occurredAt: string;
  recordedAt: string;
  actor: Actor;
  requestId: string | null;
  correlationId: string | null;
  causationId: string | null;
  /** The event's data with secret-named fields masked. */
  data: unknown;
  /** Field-level difference of the resource's state before and after this event. */
  changes: FieldChange[];
  summary: string;
}

export interface ResourceHistory {
  resourceType: string;
  id: string;
  stream: string;
  /** The project owning the resource (last known), or null when only admins and auditors may read it. */
  ownerProject: string | null;
  /** Events in the stream (up to `asOf` when given). */
  total: number;
  events: HistoryEntry[];
  /** The state after the last event read (secrets masked): with `asOf`, the state at that instant. */
  state: unknown;
}

export interface HistoryOptions {
  /** Only entries after this stream version (paging marker). */
  afterVersion?: number;
  limit?: number;
  /** Stop at this instant or position: the history as it was then. */
  asOf?: AsOf;
}

const meta = (e: RecordedEvent, key: string): string | null => {
  const v = e.metadata[key];
  return typeof v === 'string' ? v : null;
};

/** Time of an event for auditors and for `as_of`: when it was decided, else when it was recorded. */
export function eventTime(e: RecordedEvent): string {
  return meta(e, 'occurredAt') ?? e.recordedAt.toISOString();
}

/**
 * Reads a resource's stream, folds it with its decider, and diffs each step. Every event is
 * folded (the state after a page needs all before it); entries are built for the page only.
 */
export async function readHistory(store: EventStore, type: ResourceType, id: string, options: HistoryOptions = {}): Promise<ResourceHistory> {
  const stream = type.stream(id);
  const afterVersion = options.afterVersion ?? -1;
  const limit = options.limit ?? Infinity;
  const events: HistoryEntry[] = [];
  let state = type.initialState;
  let total = 0;
  for await (const e of store.readStream(stream)) {
    if (options.asOf && isAfter(e, options.asOf)) break;
    total++;
    const before = state;
    state = type.evolve(state, e as unknown as DomainEvent);
    const version = Number(e.version);
    if (version <= afterVersion || events.length >= limit) continue;
    const changes = diffStates(before, state);
    const actor = (e.metadata.actor as Actor | undefined) ?? { userId: null, projectId: null, domainId: null, roles: [] };
    events.push({
      version,
      position: e.position,
      eventId: e.id,
      type: e.type,
      occurredAt: eventTime(e),
      recordedAt: e.recordedAt.toISOString(),
      actor,
      requestId: meta(e, 'requestId'),
      correlationId: meta(e, 'correlationId'),
      causationId: meta(e, 'causationId'),
      data: redactSecrets(e.data),
      changes,
      summary: summarizeChanges(changes),
    });
  }
  return { resourceType: type.name, id, stream, ownerProject: total ? type.ownerProject(state, id) : null, total, events, state: redactSecrets(state) };
}
