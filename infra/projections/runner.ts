import { Client } from 'pg';
import { RecordedEvent } from '../../domain/kernel';
import { handledTypes, Projection } from '../../projections/kernel/projection';
import {
  activeGeneration,
  CheckpointNotice,
  GenerationRecord,
  PROJECTIONS_CHANNEL,
  recordError,
  RUNNER_LOCK_CLASS,
  tryAdvisoryLock,
} from './catalog';
import { EngineContext } from './context';
import { microBatches } from './micro-batches';
import { delay } from './notifications';
import { preparedName } from '../persistence/prepared';
import { guardedWrites, ProjectionApplyError, RowCache, RowWrites } from './row-cache';

export type RunnerState = 'idle' | 'standby' | 'active' | 'stopped';

type BatchOutcome = 'committed' | 'moved';

/** How long the catalog may lag this runner's position while only other projections' events arrive. */
const DEFERRED_CHECKPOINT_MS = 250;

const QUIET = Symbol('quiet');

/** Rows a live runner keeps between batches before it starts again from an empty cache. */
const LIVE_ROW_CACHE = 5_000;

/** Row writes (a table's upserts or deletes each) a batch may commit in one statement with its checkpoint. */
const ONE_STATEMENT_WRITES = 16;

/** PostgreSQL's undefined_table. */
const UNDEFINED_TABLE = '42P01';

/** The next batch, or QUIET when none came within `ms` (the pending read is kept by the caller). */
function quietAfter<T>(next: Promise<T>, ms: number): Promise<T | typeof QUIET> {
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<typeof QUIET>((resolve) => {
    timer = setTimeout(() => resolve(QUIET), ms);
  });
  return Promise.race([next, quiet]).finally(() => clearTimeout(timer));
}

/** A batch's move of its generation's checkpoint: from `expected` (where the runner left it) to `checkpoint`. */
export interface CheckpointMove {
  generation: number;
  expected: string | null;
  checkpoint: string;
  /** Events of the batch the projection applied. */
  applied: number;
  rate: number | null;
  /** Sent to the waiters of every process (NOTIFY) when the move commits. */
  notice: CheckpointNotice;
}

/**
 * The statement that moves a generation's checkpoint, and with `writes` also writes the batch's
 * rows: one statement of data-modifying CTEs, atomic on its own, so a live batch costs one round
 * trip instead of BEGIN, a write per table, the checkpoint and COMMIT. It returns one row when the
 * checkpoint moved, none when the generation is no longer the active one (FOR SHARE: a switch, FOR
 * UPDATE, waits for the batch, and the batch sees a switch that committed before it) or its
 * checkpoint is not where this runner left it; the rows are written only if it moved. Null when the
 * writes cannot go in one statement (a COPY, or more than ONE_STATEMENT_WRITES): run them on a
 * transaction, then this statement without writes.
 */
export function checkpointStatement(move: CheckpointMove, writes: RowWrites | null): { text: string; values: unknown[] } | null {
  const values: unknown[] = [move.notice.name, move.generation, move.checkpoint, move.applied, move.rate, move.expected, PROJECTIONS_CHANNEL, JSON.stringify(move.notice)];
  const ctes = [
    `active AS (SELECT active_generation FROM strata_projections WHERE name = $1 FOR SHARE)`,
    `moved AS (UPDATE strata_projection_generations g
       SET checkpoint = $3, events_applied = events_applied + $4, events_per_second = $5,
           last_error = NULL, error_position = NULL, error_event_id = NULL, updated_at = now()
       FROM active
       WHERE g.name = $1 AND g.generation = $2 AND active.active_generation = $2 AND g.checkpoint IS NOT DISTINCT FROM $6
       RETURNING pg_notify($7, $8))`,
  ];
  if (writes) {
    if (writes.statements.length > ONE_STATEMENT_WRITES) return null;
    const guarded = guardedWrites(writes, values.length + 1, 'EXISTS (SELECT 1 FROM moved)');
    if (!guarded) return null;
    guarded.bodies.forEach((body, i) => ctes.push(`w${i + 1} AS (${body})`));
    values.push(...guarded.values);
  }
  return { text: `WITH ${ctes.join(',\n')}\nSELECT 1 FROM moved`, values };
}

/**
 * Keeps one projection's active generation up to date with the log. Every process runs one per
 * projection; the one holding the advisory lock is active, the others wait to take over. The
 * lock and every batch transaction share one dedicated connection: if that session dies, the
 * lock goes with it and no transaction of the old holder can commit afterwards.
 */
export class ProjectionRunner {
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private failures = 0;
  private rate: number | null = null;
  private lastCommitAt = 0;
  state: RunnerState = 'idle';
  lastError: Error | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly projection: Projection,
    /** Builds a generation when there is none or its version is older than the code's (the engine's `ensure`). */
    private readonly ensure: (projection: Projection) => Promise<unknown>,
  ) {}

  get name(): string {
    return this.projection.name;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.state = 'stopped';
  }

  private async run(): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      const session = new AbortController();
      const onStop = () => session.abort();
      stop.addEventListener('abort', onStop, { once: true });
      const client = new Client({ connectionString: this.ctx.databaseUrl });
      // A dead session has lost the lock: stop following at once, reconnect and queue for the lock again.
      client.on('error', () => session.abort());
      try {
        await client.connect();
        // A read model is derived from the log: a commit lost in a crash takes its rows and its checkpoint
        // with it, and the runner applies those events again. So its batches need no WAL flush of their
        // own, which is most of what a small live batch costs (20 projections commit for every batch).
        await client.query('SET synchronous_commit TO off');
        this.state = 'standby';
        while (!session.signal.aborted && !(await tryAdvisoryLock(client, RUNNER_LOCK_CLASS, this.name))) {
          await delay(this.ctx.tuning.lockRetryMs, session.signal);
        }
        if (session.signal.aborted) continue;
        this.state = 'active';
        this.ctx.log.info(`${this.name}: runner active`);
        await this.whileLocked(client, session.signal);
      } catch (error) {
        if (!stop.aborted) await this.failed(error, stop);
      } finally {
        stop.removeEventListener('abort', onStop);
        session.abort();
        this.state = stop.aborted ? 'stopped' : 'standby';
        await client.end().catch(() => undefined);
      }
    }
  }

  private async whileLocked(client: Client, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.ensure(this.projection);
        await this.follow(client, signal);
      } catch (error) {
        if (signal.aborted) return;
        await this.failed(error, signal);
      }
    }
  }

  private async failed(error: unknown, signal: AbortSignal): Promise<void> {
    this.lastError = error instanceof Error ? error : new Error(String(error));
    this.failures++;
    const wait = Math.min(this.ctx.tuning.retryMaxMs, this.ctx.tuning.retryBaseMs * 2 ** (this.failures - 1));
    this.ctx.log.error(`${this.name}: ${this.lastError.message}; retrying in ${wait} ms`);
    await delay(wait, signal);
  }

  /**
   * Follows the log from the active generation's checkpoint until the generation changes or the
   * session ends. A batch with no event of this projection changes no row: its position is passed
   * on at once to this process's waiters but written to the catalog at most every
   * DEFERRED_CHECKPOINT_MS (or when the log goes quiet), so twenty projections do not each commit a
   * transaction for every event only one of them reads.
   */
  private async follow(client: Client, signal: AbortSignal): Promise<void> {
    const generation = await activeGeneration(client, this.name);
    if (!generation) throw new Error(`${this.name} has no active generation yet`);
    if (generation.version !== this.projection.version) {
      throw new Error(`${this.name}: active generation ${generation.generation} has version ${generation.version}, this process runs version ${this.projection.version}`);
    }
    if (signal.aborted) return;
    const subscription = new AbortController();
    const onAbort = () => subscription.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const handled = handledTypes(this.projection);
    // The generation's rows as this runner last wrote them: only the active runner writes them, so
    // a row it holds needs no SELECT before the next event changes it. Dropped with this follow()
    // on any failure or switch (a rolled-back batch may have changed rows it holds).
    const rows = new RowCache(this.projection, generation.schemaName);
    let committed = generation.checkpoint;
    let deferred: string | null = null;
    let lastWrite = 0;
    try {
      const events = this.ctx.store.subscribeToAll({ fromPosition: committed ?? undefined, signal: subscription.signal });
      const batches = microBatches(events, this.ctx.tuning.liveBatch)[Symbol.asyncIterator]();
      let next: Promise<IteratorResult<RecordedEvent[]>> | null = null;
      for (;;) {
        next ??= batches.next();
        const result: IteratorResult<RecordedEvent[]> | typeof QUIET = deferred === null ? await next : await quietAfter(next, DEFERRED_CHECKPOINT_MS);
        if (signal.aborted) return;
        if (result === QUIET) {
          if ((await this.commitBatch(client, generation, committed, [], deferred!, rows)) === 'moved') return;
          committed = deferred;
          deferred = null;
          lastWrite = Date.now();
          continue;
        }
        next = null;
        if (result.done) break;
        const batch: RecordedEvent[] = result.value;
        const last: string = batch[batch.length - 1].position;
        if (!batch.some((e) => handled.has(e.type)) && Date.now() - lastWrite < DEFERRED_CHECKPOINT_MS) {
          deferred = last;
          this.ctx.notifications.emit({ name: this.name, generation: generation.generation, checkpoint: last, active: true, changed: false });
          continue;
        }
        if ((await this.commitBatch(client, generation, committed, batch, last, rows)) === 'moved') return;
        committed = last;
        deferred = null;
        lastWrite = Date.now();
        this.failures = 0;
      }
      if (!signal.aborted) throw new Error(`${this.name}: the event store ended the subscription`);
    } finally {
      signal.removeEventListener('abort', onAbort);
      subscription.abort();
    }
  }

  /**
   * One batch, one transaction: rows and checkpoint commit together or not at all. Every event of
   * the batch advances the checkpoint, handled or not, so any position a writer got back becomes
   * reachable for read-your-writes. A live batch changes few rows: they commit in the checkpoint's
   * own statement (`checkpointStatement`); a bigger one takes a transaction.
   */
  private async commitBatch(client: Client, generation: GenerationRecord, expected: string | null, batch: RecordedEvent[], checkpoint: string, cache: RowCache): Promise<BatchOutcome> {
    const handled = handledTypes(this.projection);
    const events = batch.filter((e) => handled.has(e.type));
    let inTransaction = false;
    try {
      await cache.preload(client, events);
      const applied = cache.apply(events, handled);
      const writes = cache.pendingWrites();
      const rate = this.measureRate(batch.length);
      const notice: CheckpointNotice = { name: this.name, generation: generation.generation, checkpoint, active: true, changed: applied > 0 };
      const checkpointMove: CheckpointMove = { generation: generation.generation, expected, checkpoint, applied, rate, notice };
      let statement = checkpointStatement(checkpointMove, writes);
      if (!statement) {
        await client.query('BEGIN');
        inTransaction = true;
        await RowCache.write(client, writes);
        statement = checkpointStatement(checkpointMove, null)!;
      }
      const { text, values } = statement;
      // Named: prepared once per runner session (a projection has few shapes of batch) instead of planned for every batch.
      const { rowCount } = await client.query({ name: preparedName(text), text, values });
      if (rowCount !== 1) {
        // Switched to another generation, or someone else moved this one's checkpoint: never apply a batch twice.
        if (inTransaction) await client.query('ROLLBACK');
        return 'moved';
      }
      if (inTransaction) await client.query('COMMIT');
      cache.markClean();
      cache.evictIfOver(LIVE_ROW_CACHE);
      this.ctx.notifications.emit(notice);
      return 'committed';
    } catch (error) {
      if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
      // The generation's tables are gone: a rebuild switched and dropped them before this batch
      // reached the generation check. Follow the new generation.
      if ((error as { code?: string }).code === UNDEFINED_TABLE) return 'moved';
      if (error instanceof ProjectionApplyError) {
        await recordError(client, this.name, generation.generation, {
          message: error.message,
          position: error.event.position,
          eventId: error.event.id,
        }).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Events per second, smoothed over batches; idle time between batches lowers it, as it should. */
  private measureRate(events: number): number | null {
    const now = Date.now();
    if (this.lastCommitAt > 0) {
      const seconds = Math.max((now - this.lastCommitAt) / 1000, 0.001);
      const instant = events / seconds;
      this.rate = this.rate === null ? instant : 0.7 * this.rate + 0.3 * instant;
    }
    this.lastCommitAt = now;
    return this.rate;
  }
}
