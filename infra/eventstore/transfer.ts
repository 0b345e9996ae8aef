import { once } from 'node:events';
import { AllFilter, AppendResult, decidedAt, EventStore, NewEvent, NO_STREAM, Position, RecordedEvent } from '../../domain/kernel';
import { PostgresEventStore, StreamAppend } from './postgres/postgres-event-store';
import { EventJson, toEventJson } from './event-json';

/** One line of an export (NDJSON): the event as the relay publishes it (event-json.ts). */
export type EventLine = EventJson;

const FIELDS: readonly (keyof EventLine)[] = ['id', 'stream', 'version', 'position', 'type', 'data', 'metadata', 'recordedAt'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERSION = /^(0|[1-9]\d{0,18})$/;
const MAX_VERSION = 2n ** 63n - 1n;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** The line of an export for `event`, without its newline. */
export function encodeEventLine(event: RecordedEvent): string {
  return JSON.stringify(toEventJson(event));
}

/** A line of an export file that cannot be imported; `line` is 1-based. */
export class EventLineError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'EventLineError';
  }
}

/** Parses and checks one line of an export; throws an EventLineError naming what is wrong. */
export function decodeEventLine(text: string, line: number): RecordedEvent {
  const fail = (reason: string): never => {
    throw new EventLineError(line, reason);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  const p = value as Record<string, unknown>;
  const unknown = Object.keys(p).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) fail(`unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  for (const key of FIELDS) if (!(key in p)) fail(`no "${key}"`);
  for (const key of ['id', 'stream', 'version', 'position', 'type', 'recordedAt'] as const) {
    if (typeof p[key] !== 'string' || p[key] === '') fail(`"${key}" is not a non-empty string`);
  }
  const { id, stream, version, position, type, data, metadata, recordedAt } = p as unknown as EventLine;
  if (!UUID.test(id)) fail(`"id" ${JSON.stringify(id)} is not a uuid`);
  if (!VERSION.test(version) || BigInt(version) > MAX_VERSION) fail(`"version" ${JSON.stringify(version)} is not a 0-based stream version`);
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) fail('"metadata" is not an object');
  const at = new Date(recordedAt);
  if (!RFC3339.test(recordedAt) || Number.isNaN(at.getTime())) fail(`"recordedAt" ${JSON.stringify(recordedAt)} is not an RFC 3339 time`);
  return { id, stream, version: BigInt(version), position, type, data, metadata, recordedAt: at };
}

/** What `--since` selects: events after a position of the exporting store, or at/after an instant. */
export type ExportStart = { after: Position } | { at: Date };

/** `--since`: an RFC 3339 time, or a position as an earlier export of the same store wrote it. */
export function parseSince(value: string): ExportStart {
  if (RFC3339.test(value)) {
    const at = new Date(value);
    if (!Number.isNaN(at.getTime())) return { at };
  }
  if (/^\d+(-\d+)?$/.test(value)) return { after: value };
  throw new TypeError(
    `--since ${JSON.stringify(value)} is neither an RFC 3339 time (e.g. 2026-01-31T12:00:00Z) nor a position (the "position" of a line of an earlier export)`,
  );
}

export interface TransferProgress {
  /** `validate`: a file read once before anything is written; `export` / `import`: the transfer itself. */
  phase: 'validate' | 'export' | 'import';
  /** Events written (export, import) or checked (validate). */
  events: number;
  /** Events the whole transfer will handle, when known (an import of a validated file). */
  total: number | null;
  seconds: number;
  eventsPerSecond: number;
}

type ProgressListener = (progress: TransferProgress) => void;

/** Calls the listener at most every `intervalMs`; the caller reports the end from the result. */
class ProgressMeter {
  private readonly startedAt = Date.now();
  private lastReportAt = this.startedAt;
  events = 0;

  constructor(
    private readonly phase: TransferProgress['phase'],
    private readonly total: number | null,
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs: number,
  ) {}

  tick(): void {
    if (!this.listener) return;
    const now = Date.now();
    if (now - this.lastReportAt < this.intervalMs) return;
    this.lastReportAt = now;
    this.listener(this.snapshot(now));
  }

  finish(): TransferProgress {
    return this.snapshot(Date.now());
  }

  private snapshot(now: number): TransferProgress {
    const seconds = (now - this.startedAt) / 1000;
    return { phase: this.phase, events: this.events, total: this.total, seconds, eventsPerSecond: seconds > 0 ? this.events / seconds : this.events };
  }
}

/** `--since` named a position the store cannot read from: nothing was exported. */
export class SincePositionError extends Error {
  constructor(
    readonly position: Position,
    reason: string,
  ) {
    super(`--since ${position}: ${reason}. Give a position this store wrote (the "position" of a line of an earlier export of it), or an RFC 3339 time.`);
    this.name = 'SincePositionError';
  }
}

export interface ExportOptions {
  since?: ExportStart;
  streamPrefixes?: string[];
  onProgress?: ProgressListener;
  /** Least time between two progress reports (default 1000 ms). */
  progressIntervalMs?: number;
}

export interface ExportResult {
  events: number;
  /** Events read from the store, `--since <time>` skipping some of them. */
  scanned: number;
  /** Position of the last event written: `--since` of the next, incremental export. */
  lastPosition: Position | null;
  seconds: number;
  eventsPerSecond: number;
}

/** Bytes gathered before a write: a write per line would cost more than the JSON. */
const WRITE_CHUNK = 64 * 1024;

/**
 * Writes the store's log to `output`, one `EventLine` per line, in the store's global order. Reads
 * and writes as it goes and waits for `drain` when the output is full, so memory stays flat
 * whatever the size of the log. Leaves `output` open.
 */
export async function exportEvents(store: EventStore, output: NodeJS.WritableStream, options: ExportOptions = {}): Promise<ExportResult> {
  const since = options.since;
  const filter: AllFilter | undefined = options.streamPrefixes?.length ? { streamPrefixes: options.streamPrefixes } : undefined;
  const from = since && 'after' in since ? since.after : undefined;
  const notBefore = since && 'at' in since ? since.at.getTime() : null;
  const meter = new ProgressMeter('export', null, options.onProgress, options.progressIntervalMs ?? 1000);
  let scanned = 0;
  let lastPosition: Position | null = null;
  let chunk = '';
  const flush = async () => {
    const text = chunk;
    chunk = '';
    if (!output.write(text)) await once(output, 'drain');
  };
  try {
    for await (const event of store.readAll({ fromPosition: from, filter })) {
      scanned++;
      if (notBefore !== null && decidedAt(event).getTime() < notBefore) continue;
      chunk += encodeEventLine(event) + '\n';
      lastPosition = event.position;
      meter.events++;
      if (chunk.length >= WRITE_CHUNK) {
        await flush();
        meter.tick();
      }
    }
  } catch (error) {
    if (from !== undefined && scanned === 0 && error instanceof TypeError) throw new SincePositionError(from, error.message);
    throw error;
  }
  if (chunk) await flush();
  const done = meter.finish();
  return { events: done.events, scanned, lastPosition, seconds: done.seconds, eventsPerSecond: done.eventsPerSecond };
}

/**
 * The order an importable file keeps: positions strictly increasing (the export's order), and every
 * stream from version 0 with no gap or repeat, as an import into an empty store needs.
 */
export class ExportOrder {
  private readonly versions = new Map<string, bigint>();
  private lastPosition: Position | null = null;

  get streams(): number {
    return this.versions.size;
  }

  check(event: RecordedEvent, line: number): void {
    if (this.lastPosition !== null && !(event.position > this.lastPosition)) {
      throw new EventLineError(line, `position ${event.position} is not after the previous line's ${this.lastPosition}: lines must stay in the order they were exported`);
    }
    const previous = this.versions.get(event.stream);
    const expected = previous === undefined ? 0n : previous + 1n;
    if (event.version !== expected) {
      const why =
        previous === undefined
          ? `the file has no earlier event of this stream, so it is not a whole log (exported with --since?); an import needs every stream from version 0`
          : event.version <= previous
            ? `version ${event.version} of the stream is repeated`
            : `versions ${expected}..${event.version - 1n} of the stream are missing`;
      throw new EventLineError(line, `${event.stream} version ${event.version}, expected ${expected}: ${why}`);
    }
    this.versions.set(event.stream, event.version);
    this.lastPosition = event.position;
  }
}

export interface ValidationResult {
  events: number;
  streams: number;
  lines: number;
}

/** Reads a whole export and checks every line and the order, writing nothing; throws an EventLineError. */
export async function validateEventLines(lines: AsyncIterable<string>, options: { onProgress?: ProgressListener; progressIntervalMs?: number } = {}): Promise<ValidationResult> {
  const order = new ExportOrder();
  const meter = new ProgressMeter('validate', null, options.onProgress, options.progressIntervalMs ?? 1000);
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    order.check(decodeEventLine(text, line), line);
    meter.events++;
    if ((meter.events & 1023) === 0) meter.tick();
  }
  meter.finish();
  return { events: meter.events, streams: order.streams, lines: line };
}

/** The target of an import holds events already: nothing was written. */
export class StoreNotEmptyError extends Error {
  constructor(readonly head: Position) {
    super(
      `The event store already holds events (head at ${head}); an import only goes into an empty store. ` +
        `Point DATABASE_URL at a new database (or STRATA_DATA_DIR at a fresh data dir) and import there; nothing was written.`,
    );
    this.name = 'StoreNotEmptyError';
  }
}

/** An import stopped after writing part of the file. */
export class PartialImportError extends Error {
  constructor(
    readonly imported: number,
    readonly lastImportedLine: number,
    reason: Error,
  ) {
    super(
      `${reason.message}. ` +
        (imported === 0
          ? 'Nothing was written.'
          : `The store now holds the first ${imported} events (up to line ${lastImportedLine}): drop that database (or data dir) and import the corrected file into a fresh one.`),
      { cause: reason },
    );
    this.name = 'PartialImportError';
  }
}

export interface ImportOptions {
  /** Events the input holds, when known (a validated file), for the progress reports. */
  total?: number | null;
  onProgress?: ProgressListener;
  progressIntervalMs?: number;
  /** Most events of one stream per append (default 500). */
  batchSize?: number;
  /** PostgreSQL: events committed together, across streams (default 1,000). Other stores commit each append. */
  eventsPerTransaction?: number;
}

export interface ImportResult {
  events: number;
  streams: number;
  lastPosition: Position | null;
  seconds: number;
  eventsPerSecond: number;
}

/** Throws a StoreNotEmptyError unless the store holds no event. */
export async function assertEmptyStore(store: EventStore): Promise<void> {
  const head = await store.headPosition();
  if (head !== null) throw new StoreNotEmptyError(head);
}

/** Consecutive events of one stream from the file, appended together. */
interface StreamRun {
  stream: string;
  events: RecordedEvent[];
  firstLine: number;
  lastLine: number;
}

/**
 * Appends an export to an empty store in the file's order, keeping event ids, types, data, metadata
 * and (where the store can) recordedAt. Consecutive events of one stream go in one append, with the
 * expected version the file implies, so a gap or a repeat fails instead of being written. The
 * PostgreSQL store commits runs of several streams in one transaction: a log interleaves its
 * streams, and one commit per stream would bound the import at a few hundred events per second.
 * Lines are checked as they come: give a file to `validateEventLines` first to write nothing when
 * one is bad.
 */
export async function importEvents(store: EventStore, lines: AsyncIterable<string>, options: ImportOptions = {}): Promise<ImportResult> {
  await assertEmptyStore(store);
  const batchSize = options.batchSize ?? 500;
  const eventsPerCommit = store instanceof PostgresEventStore ? options.eventsPerTransaction ?? 1_000 : 1;
  // Other stores get one run per commit (eventsPerCommit 1), so a failure never leaves part of a batch written.
  const appendAll = async (appends: StreamAppend[]): Promise<AppendResult[]> =>
    store instanceof PostgresEventStore ? store.appendAll(appends) : [await store.append(appends[0].stream, appends[0].events, appends[0].expected)];
  const order = new ExportOrder();
  const meter = new ProgressMeter('import', options.total ?? null, options.onProgress, options.progressIntervalMs ?? 1000);
  let runs: StreamRun[] = [];
  let pending = 0;
  let lastImportedLine = 0;
  let lastPosition: Position | null = null;

  const commit = async () => {
    const where = `lines ${runs[0].firstLine}-${runs[runs.length - 1].lastLine}`;
    let results: AppendResult[];
    try {
      results = await appendAll(runs.map((r) => ({ stream: r.stream, events: r.events.map(newEvent), expected: r.events[0].version === 0n ? NO_STREAM : r.events[0].version - 1n })));
    } catch (error) {
      throw new PartialImportError(meter.events, lastImportedLine, new Error(`${where}: the store refused an append: ${(error as Error).message}`));
    }
    runs.forEach((run, i) => {
      // An append of ids the stream already holds writes nothing and answers with their versions
      // (PostgreSQL's appendAll refuses it instead, inside its transaction).
      if (results[i].nextVersion !== run.events[run.events.length - 1].version) {
        throw new PartialImportError(meter.events, lastImportedLine, new Error(`lines ${run.firstLine}-${run.lastLine} (${run.stream}): an event id is repeated in the stream, so the store skipped the events`));
      }
    });
    meter.events += pending;
    lastImportedLine = runs[runs.length - 1].lastLine;
    lastPosition = results[results.length - 1].position;
    runs = [];
    pending = 0;
    meter.tick();
  };

  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let event: RecordedEvent;
    try {
      event = decodeEventLine(text, line);
      order.check(event, line);
    } catch (error) {
      throw new PartialImportError(meter.events, lastImportedLine, error as Error);
    }
    const run = runs[runs.length - 1];
    if (run && run.stream === event.stream && run.events.length < batchSize) {
      run.events.push(event);
      run.lastLine = line;
    } else {
      if (pending >= eventsPerCommit) await commit();
      runs.push({ stream: event.stream, events: [event], firstLine: line, lastLine: line });
    }
    pending++;
  }
  if (runs.length > 0) await commit();
  const done = meter.finish();
  return { events: done.events, streams: order.streams, lastPosition, seconds: done.seconds, eventsPerSecond: done.eventsPerSecond };
}

function newEvent(event: RecordedEvent): NewEvent {
  return { id: event.id, type: event.type, data: event.data, metadata: event.metadata, recordedAt: event.recordedAt };
}
