import { EventMetadata } from './metadata';

/**
 * Global position in the store's total order. Opaque per adapter, but every adapter encodes
 * it as a fixed-width string so that plain string comparison is the store's order
 * (`comparePositions`). The empty string is never a position.
 */
export type Position = string;

/** Sentinel for "the stream does not exist"; never leaks as -1 or 0. */
export const NO_STREAM = 'no_stream' as const;
export type ExpectedVersion = 'any' | typeof NO_STREAM | 'stream_exists' | bigint;

export interface NewEvent<Type extends string = string, Data = unknown> {
  /** uuid; derived from the request id so that a retried request appends the same ids. */
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  /**
   * Only `strata events import` sets it: when the exported store recorded the event. The PostgreSQL
   * and in-memory stores keep it; EventStoreDB records its own created time. Absent, the store's clock.
   */
  recordedAt?: Date;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  stream: string;
  /** 0-based position of the event inside its stream. */
  version: bigint;
  position: Position;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  recordedAt: Date;
}

export interface AppendResult {
  /** Version of the last event of the stream after the append (the expected version for the next one). */
  nextVersion: bigint;
  /** Position of the last event appended. */
  position: Position;
}

export interface ReadStreamOptions {
  fromVersion?: bigint;
  backwards?: boolean;
  maxCount?: number;
}

export interface AllFilter {
  /** Stream name prefixes, e.g. `server-`. */
  streamPrefixes?: string[];
  eventTypes?: string[];
}

export interface ReadAllOptions {
  /** Exclusive: reading starts strictly after this position. */
  fromPosition?: Position;
  filter?: AllFilter;
  maxCount?: number;
}

export interface SubscribeOptions {
  /** Exclusive: delivery resumes strictly after this position. */
  fromPosition?: Position;
  filter?: AllFilter;
  signal?: AbortSignal;
}

/** The event store contract of DESIGN.md. Every adapter passes test/contracts/event-store.contract.ts. */
export interface EventStore {
  /** Adapter name for logs and health output (`postgres`, `eventstoredb`, `in-memory`). */
  readonly name: string;
  append(stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult>;
  /** A missing stream reads empty. */
  readStream(stream: string, opts?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  readAll(opts?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /** Catch-up, then live, until the signal aborts. Never skips, never repeats, strictly increasing position. */
  subscribeToAll(opts: SubscribeOptions): AsyncIterable<RecordedEvent>;
  /** Position of the newest event visible to readers, or null for an empty store. */
  headPosition(): Promise<Position | null>;
  close(): Promise<void>;
}

export class WrongExpectedVersionError extends Error {
  readonly code = 'WrongExpectedVersion';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedVersion,
    /** Current version, or NO_STREAM when the stream does not exist. */
    readonly actual: bigint | typeof NO_STREAM,
  ) {
    super(`Wrong expected version on ${stream}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/**
 * When an event happened, for auditors, `as_of` and `export --since`: when its command was decided
 * (metadata.occurredAt, which export and import keep), else when the store recorded it.
 */
export function decidedAt(event: Pick<RecordedEvent, 'metadata' | 'recordedAt'>): Date {
  const occurred = event.metadata?.occurredAt;
  const at = typeof occurred === 'string' ? new Date(occurred) : null;
  return at !== null && !Number.isNaN(at.getTime()) ? at : event.recordedAt;
}

export function comparePositions(a: Position, b: Position): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Category of a stream: everything before the first hyphen (`server-<uuid>` → `server`). */
export function categoryOf(stream: string): string {
  const i = stream.indexOf('-');
  return i < 0 ? stream : stream.slice(0, i);
}

export function matchesFilter(event: { stream: string; type: string }, filter?: AllFilter): boolean {
  if (!filter) return true;
  if (filter.streamPrefixes?.length && !filter.streamPrefixes.some((p) => event.stream.startsWith(p))) return false;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(event.type)) return false;
  return true;
}
