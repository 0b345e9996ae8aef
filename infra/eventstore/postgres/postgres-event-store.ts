import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import {
  AllFilter,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedVersion,
  NewEvent,
  NO_STREAM,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../../../domain/kernel';
import { inTransaction } from '../../persistence/pg-transaction';
import { parseJsonKeepingSource } from '../../persistence/json-source';
import { warmPool } from '../../persistence/pool-warmth';
import { preparedName } from '../../persistence/prepared';
import { appendToStream } from './append';
import { compareCursors, formatPosition, LOG_START, MAX_SEQUENCE, parsePosition, PgCursor } from './position';
import { LiveTail } from './live-tail';
import { EventStoreSchema } from './schema';

export interface PostgresEventStoreOptions {
  /** Schema holding the streams and events tables (default `eventstore`). */
  schema?: string;
  /** Pool size for appends and reads; LISTEN uses one more connection of its own. */
  poolSize?: number;
  /** Rows per query when reading a stream or catching up a subscription (default 500). */
  batchSize?: number;
  /**
   * Rows per query of `readAll`, a bulk read (rebuilds, verification): default four times
   * `batchSize`, so 2,000. Larger pages save little and keep more rows alive at once, which makes
   * the garbage collector copy them.
   */
  readAllBatchSize?: number;
  /**
   * Newest rows of $all kept in memory for the live subscriptions (default ten times `batchSize`,
   * so 5,000); a subscription further behind reads for itself.
   */
  liveTailRows?: number;
  /** Subscriptions re-read at least this often (default 500 ms), even without a NOTIFY. */
  pollIntervalMs?: number;
  /** Called after each read a subscription makes, with the xmin horizon it read below (tests, metrics). */
  onSubscriptionPoll?: (poll: { horizon: bigint; delivered: number }) => void;
}

/** One stream's part of `PostgresEventStore.appendAll`: an exact expected version, so a repeat is seen. */
export interface StreamAppend {
  stream: string;
  events: NewEvent[];
  expected: bigint | typeof NO_STREAM;
}

/** A row as the readers fetch it: every column as text, in the order of `EventStoreSchema.columns`. */
type RawRow = (string | null)[];

/** Values stay the text PostgreSQL sent: `decodeEvent` parses only what it needs, and cheaper. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

/**
 * Rows from offset `at`: position, stream, version, id, type, data, metadata, recorded_at (epoch
 * ms). With `keepSource` (bulk reads) the data object keeps the text it was parsed from: a rebuild
 * copies most events' data unchanged into the audit trail.
 */
function decodeEvent(row: RawRow, at: number, keepSource = false): RecordedEvent {
  return {
    id: row[at + 3]!,
    stream: row[at + 1]!,
    version: BigInt(row[at + 2]!),
    position: row[at]!,
    type: row[at + 4]!,
    data: keepSource ? parseJsonKeepingSource(row[at + 5]!) : JSON.parse(row[at + 5]!),
    metadata: JSON.parse(row[at + 6]!) as EventMetadata,
    recordedAt: new Date(Number(row[at + 7])),
  };
}

/**
 * Events of the shared live tail are decoded once for every subscription that takes them (twenty
 * projection runners each decoded every event, most of them to pass it by), so they are shared,
 * and frozen: a consumer that tried to change one would change it for the others; now it throws.
 */
const sharedEvents = new WeakMap<RawRow, RecordedEvent>();
function decodeShared(row: RawRow): RecordedEvent {
  let event = sharedEvents.get(row);
  if (event === undefined) {
    event = deepFreeze(decodeEvent(row, 1));
    sharedEvents.set(row, event);
  }
  return event;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** A subscription filter applied to fetched rows (stream at column 2, type at column 5), or null for all. */
function rowFilter(filter: AllFilter | undefined): ((row: RawRow) => boolean) | null {
  const prefixes = filter?.streamPrefixes?.length ? filter.streamPrefixes : null;
  const types = filter?.eventTypes?.length ? new Set(filter.eventTypes) : null;
  if (!prefixes && !types) return null;
  return (row) => (!types || types.has(row[5]!)) && (!prefixes || prefixes.some((p) => row[2]!.startsWith(p)));
}

/** Rows handed out between two turns of the event loop while the next page is being read. */
const DRAIN_EVERY = 500;

/** Page rows in log order: their positions (column 1) compare as strings. */
function inLogOrder(rows: RawRow[]): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i - 1][1]! > rows[i][1]!) return false;
  return true;
}

interface Page {
  /** Undecoded rows (horizon first, then the event columns), in log order; `decodeEvent(row, 1)` each. */
  rows: RawRow[];
  /** Where the next read resumes: past the last event, or past the horizon when the page was not full. */
  next: PgCursor;
  horizon: bigint;
  /** The page holds `limit` events: more may follow below the horizon. */
  full: boolean;
}

/** Wake-ups for waiting subscriptions; the generation counter catches a NOTIFY that lands mid-read. */
class Wakeups {
  private generation = 0;
  private readonly waiters = new Set<() => void>();

  get current(): number {
    return this.generation;
  }

  notify(): void {
    this.generation++;
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves on a notification after generation `seen`, after `timeoutMs`, or on abort. */
  wait(seen: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.generation !== seen || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * The event log in PostgreSQL (DESIGN.md, Event store contract). Appends run one SQL function in
 * one short transaction; $all is read in (transaction id, sequence) order below the snapshot's
 * xmin, after Emmett's PostgreSQL store, so concurrent writers committing out of order never make
 * a reader skip an event.
 */
export class PostgresEventStore implements EventStore {
  readonly name = 'postgres';
  readonly schema: EventStoreSchema;
  private readonly pool: Pool;
  /** Reads run apart from appends, on sessions with the planner settings of `readerSessionSql`. */
  private readonly readers: Pool;
  private readonly batchSize: number;
  private readonly readAllBatchSize: number;
  private readonly pollIntervalMs: number;
  private readonly wakeups = new Wakeups();
  /** The newest rows of $all, read once for every live subscription of this instance. */
  private readonly tail: LiveTail;
  private readonly closing = new AbortController();
  private listener?: Promise<Client>;
  /** NOTIFY payload of this instance, so its own LISTEN connection can ignore its echo. */
  private readonly instanceId = randomUUID();
  /** An append completed after the NOTIFY in flight (if any) was sent. */
  private wakeupPending = false;
  /** The loop sending NOTIFYs, while one is in flight. */
  private notifying?: Promise<void>;

  constructor(
    private readonly connectionString: string,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    this.schema = new EventStoreSchema(options.schema ?? 'eventstore');
    this.batchSize = options.batchSize ?? 500;
    this.readAllBatchSize = options.readAllBatchSize ?? 4 * this.batchSize;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.tail = new LiveTail(async (after) => {
      const page = await this.readPage(after, undefined, this.batchSize);
      this.options.onSubscriptionPoll?.({ horizon: page.horizon, delivered: page.rows.length });
      return page;
    }, options.liveTailRows ?? 10 * this.batchSize);
    // Connections are kept once open (`min` = `max`): a new one costs a backend start and a SCRAM exchange.
    const size = options.poolSize ?? 10;
    this.pool = new Pool({ connectionString, max: size, min: size });
    this.readers = new Pool({
      connectionString,
      max: size,
      min: size,
      // A new connection serves no read before its session is set up.
      verify: (client, done) => void client.query(EventStoreSchema.readerSessionSql).then(() => done(), done),
    });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.readers.on('error', () => undefined);
  }

  /** Connects and creates the schema if needed. */
  static async connect(connectionString: string, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(connectionString, options);
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Creates or updates the schema; safe to run concurrently from several processes. */
  async migrate(): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`strata-eventstore:${this.schema.schema}`]);
      await client.query(this.schema.ddl);
    });
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    const result = await appendToStream(this.pool, this.schema, stream, events, expected, { notify: false });
    this.appended();
    return result;
  }

  /**
   * Appends to several streams in one transaction, in the order given, all or nothing; each checks
   * its expected version as `append` does, and events whose ids the stream already holds fail
   * instead of answering with their first outcome. For `strata events import`: one commit per batch
   * instead of one per stream, which is what bounds a replay of an interleaved log.
   */
  async appendAll(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    if (appends.length === 0) return [];
    const results = await inTransaction(this.pool, async (client) => {
      const out: AppendResult[] = [];
      for (const a of appends) {
        const result = await appendToStream(client, this.schema, a.stream, a.events, a.expected, { notify: false });
        const written = (a.expected === NO_STREAM ? -1n : a.expected) + BigInt(a.events.length);
        if (result.nextVersion !== written) throw new Error(`${a.stream} already holds the event ids appended at version ${written - BigInt(a.events.length) + 1n}`);
        out.push(result);
      }
      return out;
    });
    this.appended();
    return results;
  }

  async *readStream(stream: string, opts: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const backwards = opts.backwards ?? false;
    let next = opts.fromVersion ?? (backwards ? MAX_SEQUENCE : 0n);
    let remaining = opts.maxCount ?? Infinity;
    while (remaining > 0 && next >= 0n) {
      const limit = Math.min(this.batchSize, remaining);
      const text = this.schema.readStreamSql(backwards);
      // Reads are named (prepared) statements: each reader session parses and plans a read once,
      // not on every page (planning was a third of a live page's cost). Their plans cannot go wrong
      // without the values: reader sessions take the index walk or nothing (`readerSessionSql`).
      const { rows } = await this.readers.query<RawRow>({
        name: preparedName(text),
        text,
        values: [stream, next.toString(), limit],
        rowMode: 'array',
        types: RAW_TEXT,
      });
      for (const row of rows) yield decodeEvent(row, 0);
      if (rows.length < limit) return;
      remaining -= rows.length;
      next = BigInt(rows[rows.length - 1][2]!) + (backwards ? -1n : 1n);
    }
  }

  /**
   * Pages of `readAllBatchSize` rows; the next page is requested before this one is decoded and
   * handed out, so PostgreSQL reads it while this process parses and the caller works.
   */
  async *readAll(opts: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let remaining = opts.maxCount ?? Infinity;
    if (remaining <= 0) return;
    const limit = () => Math.min(this.readAllBatchSize, remaining);
    let pending: Promise<Page> | null = this.readPage(opts.fromPosition === undefined ? LOG_START : parsePosition(opts.fromPosition), opts.filter, limit());
    try {
      while (pending) {
        const page: Page = await pending;
        pending = null;
        remaining -= page.rows.length;
        if (page.full && remaining > 0) pending = this.readPage(page.next, opts.filter, limit());
        for (let i = 0; i < page.rows.length; i++) {
          // Lets this process drain the socket now and then, or PostgreSQL would stop sending the
          // next page once the socket buffers are full, and wait for this one to be consumed.
          if (pending && i > 0 && i % DRAIN_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
          yield decodeEvent(page.rows[i], 1, true);
        }
      }
    } finally {
      // The caller stopped early: nobody waits for the page read ahead.
      pending?.catch(() => undefined);
    }
  }

  /**
   * Catches up on its own reads (filtered in SQL) until a read comes back short, then follows the
   * store's shared live tail, filtering its rows here: one query per wake-up for every live
   * subscription of this instance. A subscription that falls further behind than the tail keeps
   * reads on its own again until it has caught up.
   */
  async *subscribeToAll(opts: SubscribeOptions): AsyncIterable<RecordedEvent> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.closing.signal]) : this.closing.signal;
    let cursor = opts.fromPosition === undefined ? LOG_START : parsePosition(opts.fromPosition);
    const wanted = rowFilter(opts.filter);
    let live = false;
    while (!signal.aborted) {
      const seen = this.wakeups.current;
      let rows: RawRow[] = [];
      let shared = true;
      let caughtUp: boolean;
      try {
        await this.listen();
        const take = live ? this.tail.take(cursor) : { kind: 'behind' as const };
        if (take.kind === 'rows') {
          rows = wanted ? take.rows.filter(wanted) : take.rows;
          cursor = take.next;
          caughtUp = false;
        } else if (take.kind === 'ahead') {
          const full = await this.tail.advance(cursor, seen, () => this.wakeups.current);
          const after = this.tail.take(cursor);
          if (after.kind === 'rows') {
            rows = wanted ? after.rows.filter(wanted) : after.rows;
            cursor = after.next;
          }
          caughtUp = !full;
        } else {
          const page = await this.readPage(cursor, opts.filter, this.batchSize);
          this.options.onSubscriptionPoll?.({ horizon: page.horizon, delivered: page.rows.length });
          rows = page.rows;
          shared = false;
          cursor = page.next;
          caughtUp = !page.full;
          live = caughtUp;
        }
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      for (const row of rows) {
        if (signal.aborted) return;
        yield shared ? decodeShared(row) : decodeEvent(row, 1);
      }
      // Nothing more is readable yet: wait for a NOTIFY or the poll.
      if (caughtUp) await this.wakeups.wait(seen, this.pollIntervalMs, signal);
    }
  }

  async headPosition(): Promise<Position | null> {
    const { rows } = await this.readers.query<{ transaction_id: string; global_position: string }>(this.schema.headSql);
    return rows.length === 0 ? null : formatPosition(rows[0].transaction_id, rows[0].global_position);
  }

  /** Ends live subscriptions, the LISTEN connection and the pool, after sending any wake-up still due. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    const listener = this.listener;
    this.listener = undefined;
    await this.notifying;
    await Promise.all([listener?.then((client) => client.end()).catch(() => undefined), this.pool.end(), this.readers.end()]);
  }

  /** Opens every connection of both pools before a server takes requests (`warmPool`). */
  async warm(): Promise<void> {
    await Promise.all([warmPool(this.pool), warmPool(this.readers)]);
  }

  /**
   * After a committed append: wakes this instance's subscriptions at once, and the other
   * processes' through a NOTIFY sent on its own, in autocommit. Outside the append's transaction
   * the NOTIFY flushes nothing, so PostgreSQL's global notify lock no longer spans every
   * appender's WAL flush. At most one NOTIFY is in flight; appends that complete meanwhile are
   * covered by one more sent after it, so every append is followed by a NOTIFY sent after its
   * commit. If a NOTIFY fails, the other processes' fallback poll delivers.
   */
  private appended(): void {
    this.wakeups.notify();
    this.wakeupPending = true;
    if (this.notifying) return;
    this.notifying = (async () => {
      while (this.wakeupPending) {
        this.wakeupPending = false;
        try {
          await this.pool.query({ name: `strata_notify_${this.schema.schema}`, text: this.schema.notifySql, values: [this.instanceId] });
        } catch {
          // The pool is ending or the server is unreachable: the fallback poll covers it.
        }
      }
      this.notifying = undefined;
    })();
  }

  private async readPage(after: PgCursor, filter: AllFilter | undefined, limit: number): Promise<Page> {
    const { text, params } = this.schema.readPageSql(filter);
    const { rows } = await this.readers.query<RawRow>({
      name: preparedName(text),
      text,
      values: [after.transactionId.toString(), after.sequence.toString(), limit, ...params],
      rowMode: 'array',
      types: RAW_TEXT,
    });
    const horizon = BigInt(rows[0][0]!);
    // The LEFT JOIN's row without an event when the page is empty.
    if (rows.length === 1 && rows[0][1] === null) rows.length = 0;
    if (!inLogOrder(rows)) rows.sort((a, b) => (a[1]! < b[1]! ? -1 : 1));
    let next = after;
    if (rows.length > 0) {
      next = parsePosition(rows[rows.length - 1][1]!);
    }
    const full = rows.length >= limit;
    if (!full) {
      // Every row below the horizon has been seen and none can appear there later: skip past it,
      // so a filtered subscription does not rescan rows it has already rejected.
      const pastHorizon = { transactionId: horizon - 1n, sequence: MAX_SEQUENCE };
      if (compareCursors(pastHorizon, next) > 0) next = pastHorizon;
    }
    return { rows, next, horizon, full };
  }

  /** One LISTEN connection per store, shared by all its subscriptions; re-opened after a failure. */
  private listen(): Promise<Client> {
    if (!this.listener) {
      const listener = (async () => {
        const client = new Client({ connectionString: this.connectionString });
        // This instance's own appends woke its subscriptions already, before it sent the NOTIFY.
        client.on('notification', ({ payload }) => {
          if (payload !== this.instanceId) this.wakeups.notify();
        });
        // Subscriptions keep polling meanwhile; the next read opens a new LISTEN connection.
        client.on('error', () => {
          if (this.listener === listener) this.listener = undefined;
          client.end().catch(() => undefined);
        });
        await client.connect();
        await client.query(`LISTEN ${this.schema.channel}`);
        return client;
      })();
      this.listener = listener;
      listener.catch(() => {
        if (this.listener === listener) this.listener = undefined;
      });
    }
    return this.listener;
  }
}
