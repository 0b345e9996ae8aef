import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import {
  AllFilter,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedVersion,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../../../domain/kernel';
import { appendToStream } from './append';
import { compareCursors, formatPosition, LOG_START, MAX_SEQUENCE, parsePosition, PgCursor } from './position';
import { EventStoreSchema } from './schema';

export interface PostgresEventStoreOptions {
  /** Schema holding the streams and events tables (default `eventstore`). */
  schema?: string;
  /** Pool size for appends and reads; LISTEN uses one more connection of its own. */
  poolSize?: number;
  /** Rows per query when reading or catching up (default 500). */
  batchSize?: number;
  /** Subscriptions re-read at least this often (default 500 ms), even without a NOTIFY. */
  pollIntervalMs?: number;
  /** Called after each read a subscription makes, with the xmin horizon it read below (tests, metrics). */
  onSubscriptionPoll?: (poll: { horizon: bigint; delivered: number }) => void;
}

interface EventRow {
  transaction_id: string;
  global_position: string;
  stream_name: string;
  version: string;
  event_id: string;
  event_type: string;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
}

interface Page {
  events: RecordedEvent[];
  /** Where the next read resumes: past the last event, or past the horizon when the page was not full. */
  next: PgCursor;
  horizon: bigint;
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    stream: row.stream_name,
    version: BigInt(row.version),
    position: formatPosition(row.transaction_id, row.global_position),
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
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
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly wakeups = new Wakeups();
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
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.pool = new Pool({ connectionString, max: options.poolSize ?? 10 });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
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
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`strata-eventstore:${this.schema.schema}`]);
      await client.query(this.schema.ddl);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    const result = await appendToStream(this.pool, this.schema, stream, events, expected, { notify: false });
    this.appended();
    return result;
  }

  async *readStream(stream: string, opts: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const backwards = opts.backwards ?? false;
    let next = opts.fromVersion ?? (backwards ? MAX_SEQUENCE : 0n);
    let remaining = opts.maxCount ?? Infinity;
    while (remaining > 0 && next >= 0n) {
      const limit = Math.min(this.batchSize, remaining);
      const { rows } = await this.pool.query<EventRow>(this.schema.readStreamSql(backwards), [stream, next.toString(), limit]);
      for (const row of rows) yield toRecordedEvent(row);
      if (rows.length < limit) return;
      remaining -= rows.length;
      next = BigInt(rows[rows.length - 1].version) + (backwards ? -1n : 1n);
    }
  }

  async *readAll(opts: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let cursor = opts.fromPosition === undefined ? LOG_START : parsePosition(opts.fromPosition);
    let remaining = opts.maxCount ?? Infinity;
    while (remaining > 0) {
      const limit = Math.min(this.batchSize, remaining);
      const page = await this.readPage(cursor, opts.filter, limit);
      for (const event of page.events) yield event;
      if (page.events.length < limit) return;
      remaining -= page.events.length;
      cursor = page.next;
    }
  }

  async *subscribeToAll(opts: SubscribeOptions): AsyncIterable<RecordedEvent> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.closing.signal]) : this.closing.signal;
    let cursor = opts.fromPosition === undefined ? LOG_START : parsePosition(opts.fromPosition);
    while (!signal.aborted) {
      const seen = this.wakeups.current;
      let page: Page;
      try {
        await this.listen();
        page = await this.readPage(cursor, opts.filter, this.batchSize);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      this.options.onSubscriptionPoll?.({ horizon: page.horizon, delivered: page.events.length });
      for (const event of page.events) {
        if (signal.aborted) return;
        yield event;
      }
      cursor = page.next;
      // A full page means more rows are already readable; otherwise wait for a NOTIFY or the poll.
      if (page.events.length < this.batchSize) await this.wakeups.wait(seen, this.pollIntervalMs, signal);
    }
  }

  async headPosition(): Promise<Position | null> {
    const { rows } = await this.pool.query<Pick<EventRow, 'transaction_id' | 'global_position'>>(this.schema.headSql);
    return rows.length === 0 ? null : formatPosition(rows[0].transaction_id, rows[0].global_position);
  }

  /** Ends live subscriptions, the LISTEN connection and the pool, after sending any wake-up still due. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    const listener = this.listener;
    this.listener = undefined;
    await this.notifying;
    await Promise.all([listener?.then((client) => client.end()).catch(() => undefined), this.pool.end()]);
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
    const { rows } = await this.pool.query<EventRow & { horizon: string }>(text, [
      after.transactionId.toString(),
      after.sequence.toString(),
      limit,
      ...params,
    ]);
    const horizon = BigInt(rows[0].horizon);
    const events = rows.filter((row) => row.event_id !== null).map(toRecordedEvent);
    let next = after;
    if (events.length > 0) next = parsePosition(events[events.length - 1].position);
    if (events.length < limit) {
      // Every row below the horizon has been seen and none can appear there later: skip past it,
      // so a filtered subscription does not rescan rows it has already rejected.
      const pastHorizon = { transactionId: horizon - 1n, sequence: MAX_SEQUENCE };
      if (compareCursors(pastHorizon, next) > 0) next = pastHorizon;
    }
    return { events, next, horizon };
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
