import { Actor, decidedAt, diffStates, DomainEvent, EventStore, FieldChange, RecordedEvent, redactSecrets, summarizeChanges } from '../../domain/kernel';
import { AsOf, AsOfCut } from './as-of';
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
  /** The project owning the resource (as of the last event read), or null when only admins and auditors may read it. */
  ownerProject: string | null;
  /** Events in the stream now (whatever `asOf` says). */
  total: number;
  events: HistoryEntry[];
  /** The state after the last event listed (secrets masked). */
  state: unknown;
  /** True when events after the last one listed exist (up to `asOf`, when given): ask for the next page. */
  more: boolean;
}

export interface HistoryOptions {
  /** Only entries after this stream version (paging marker). */
  afterVersion?: number;
  /** Entries per page; the default is every event. */
  limit?: number;
  /** Stop at this instant or position: the history as it was then. */
  asOf?: AsOf;
}

const meta = (e: RecordedEvent, key: string): string | null => {
  const v = e.metadata[key];
  return typeof v === 'string' ? v : null;
};

export function historyEntry(e: RecordedEvent, before: unknown, after: unknown): HistoryEntry {
  const changes = diffStates(before, after);
  return {
    version: Number(e.version),
    position: e.position,
    eventId: e.id,
    type: e.type,
    occurredAt: decidedAt(e).toISOString(),
    recordedAt: e.recordedAt.toISOString(),
    actor: (e.metadata.actor as Actor | undefined) ?? { userId: null, projectId: null, domainId: null, roles: [] },
    requestId: meta(e, 'requestId'),
    correlationId: meta(e, 'correlationId'),
    causationId: meta(e, 'causationId'),
    data: redactSecrets(e.data),
    changes,
    summary: summarizeChanges(changes),
  };
}

/**
 * States of long streams every `every` events, so the next page of a history starts from the
 * nearest one instead of the stream's first event. Recorded events never change and `evolve` is
 * pure, so a state once folded stays true. Least recently used streams are dropped past `streams`.
 */
export class HistorySnapshots {
  private readonly byStream = new Map<string, Map<number, unknown>>();
  private held = 0;

  constructor(
    readonly every = 1_000,
    /** States held in all, whatever the streams: a host's stream may be very long. */
    private readonly maxStates = 5_000,
  ) {}

  /** The latest state at or before `version` (the state after that event), or null. */
  before(stream: string, version: number): { version: number; state: unknown } | null {
    const states = this.byStream.get(stream);
    if (!states) return null;
    this.byStream.delete(stream);
    this.byStream.set(stream, states);
    const at = Math.floor((version + 1) / this.every) * this.every - 1;
    for (let v = at; v >= 0; v -= this.every) if (states.has(v)) return { version: v, state: states.get(v) };
    return null;
  }

  remember(stream: string, version: number, state: unknown): void {
    if ((version + 1) % this.every !== 0) return;
    let states = this.byStream.get(stream);
    if (!states) this.byStream.set(stream, (states = new Map()));
    if (states.has(version)) return;
    states.set(version, state);
    this.held++;
    // Least recently used streams go first; the one being read goes last, and keeps its newest states.
    for (const [name, old] of this.byStream) {
      if (this.held <= this.maxStates) break;
      if (name === stream) {
        const oldest = old.keys().next().value!;
        old.delete(oldest);
        this.held--;
        continue;
      }
      this.byStream.delete(name);
      this.held -= old.size;
    }
  }
}

/**
 * Reads a resource's stream, folds it with its decider and diffs each step of the page asked for.
 * A page's first state needs every event before it and none after it: the read starts at the
 * nearest snapshot before the page and stops once the page is full.
 */
export async function readHistory(store: EventStore, type: ResourceType, id: string, options: HistoryOptions = {}, snapshots?: HistorySnapshots): Promise<ResourceHistory> {
  const stream = type.stream(id);
  const afterVersion = options.afterVersion ?? -1;
  const limit = options.limit ?? Infinity;
  const events: HistoryEntry[] = [];
  // A snapshot may hold events after `asOf`: time travel folds from the start.
  const start = options.asOf ? null : (snapshots?.before(stream, afterVersion) ?? null);
  let state = start ? start.state : type.initialState;
  let read = start ? start.version + 1 : 0;
  let more = false;
  const cut = options.asOf ? new AsOfCut(options.asOf) : null;
  for await (const e of store.readStream(stream, start ? { fromVersion: BigInt(start.version + 1) } : undefined)) {
    const verdict = cut?.decide(e) ?? 'take';
    if (verdict === 'end') break;
    if (verdict === 'skip') continue;
    if (events.length >= limit) {
      more = true;
      break;
    }
    read++;
    const before = state;
    state = type.evolve(state, e as unknown as DomainEvent);
    const version = Number(e.version);
    snapshots?.remember(stream, version, state);
    if (version > afterVersion) events.push(historyEntry(e, before, state));
  }
  const total = !more && !options.asOf && read > 0 ? read : await streamLength(store, stream);
  return { resourceType: type.name, id, stream, ownerProject: read ? type.ownerProject(state, id) : null, total, events, state: redactSecrets(state), more };
}

async function streamLength(store: EventStore, stream: string): Promise<number> {
  for await (const last of store.readStream(stream, { backwards: true, maxCount: 1 })) return Number(last.version) + 1;
  return 0;
}
