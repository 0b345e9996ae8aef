import { Client } from 'pg';
import { comparePositions, Position, RecordedEvent } from '../../domain/kernel';
import { eventTypeFilter, HandledTypes, handledTypes, handlesNothing, Projection } from '../../projections/kernel/projection';
import {
  advisoryUnlock,
  CheckpointNotice,
  dropSchema,
  generationsOf,
  lockActiveGeneration,
  notifyCheckpoint,
  REBUILD_LOCK_CLASS,
  tryAdvisoryLock,
} from './catalog';
import { EngineContext } from './context';
import { positionOrdinal } from './notifications';
import { RowCache } from './row-cache';
import { createIndexSql, createTableSql, generationSchema, quoteIdent, READ_SCHEMA } from './sql';

/** Events per batch while the cache holds the whole generation (see readAndApply). */
const COMPLETE_CACHE_BATCH = 500;

export type RebuildPhase = 'replay' | 'indexes' | 'catch-up' | 'switch' | 'done';

export interface RebuildProgress {
  name: string;
  generation: number;
  phase: RebuildPhase;
  /** Events read from the log so far (replay reads only the projection's event types). */
  eventsDone: number;
  /** Estimate of `eventsDone` at the head, from positions; null when the store's positions do not tell. */
  eventsTotal: number | null;
  eventsPerSecond: number;
  etaSeconds: number | null;
  checkpoint: string | null;
}

export interface RebuildOptions {
  onProgress?: (progress: RebuildProgress) => void;
}

/** The shared replay of `rebuildProjections`: the log read once for every projection. */
export interface SharedReplayProgress {
  /** Log events read so far. */
  eventsDone: number;
  /** Estimate of the log events up to the head, from positions; null when the store's positions do not tell. */
  eventsTotal: number | null;
  eventsPerSecond: number;
  etaSeconds: number | null;
}

export interface RebuildManyOptions {
  /** Each projection's own progress: its replay (the events it handles), indexes, catch-up, switch. */
  onProgress?: (progress: RebuildProgress) => void;
  /** The shared replay's progress: log events read. */
  onReplay?: (progress: SharedReplayProgress) => void;
}

/** What `rebuildProjections` did: each projection rebuilt, or why it failed (its old generation serves on). */
export interface RebuildManyResult {
  results: RebuildResult[];
  failures: Array<{ name: string; error: Error }>;
  /** Log events read by the shared replay. */
  eventsRead: number;
  /** The shared replay's time; the rest is indexes, catch-up and switches. */
  replaySeconds: number;
  seconds: number;
}

export interface RebuildResult {
  name: string;
  generation: number;
  previousGeneration: number | null;
  version: number;
  checkpoint: string | null;
  eventsRead: number;
  eventsApplied: number;
  seconds: number;
  eventsPerSecond: number;
}

export class RebuildInProgressError extends Error {
  constructor(readonly projection: string) {
    super(`A rebuild of ${projection} is already running (another process holds its rebuild lock)`);
    this.name = 'RebuildInProgressError';
  }
}

/**
 * Blue/green rebuild of one projection: replay the log into a fresh schema, catch up, then switch
 * the `rm` views and the active generation in one transaction. Readers keep reading the old
 * generation until that commit; the live runner follows the switch at its next batch.
 */
export async function rebuildProjection(ctx: EngineContext, projection: Projection, options: RebuildOptions = {}): Promise<RebuildResult> {
  const client = await lockedClient(ctx, projection.name);
  try {
    return await new GenerationBuild(ctx, client, projection, options).run();
  } finally {
    await release(client, projection.name);
  }
}

/**
 * Rebuilds several projections over ONE read of the log: each replays the events it handles
 * from the shared read, then makes its indexes, catches up and switches on its own, all of them
 * at once (PostgreSQL builds their indexes side by side). A projection whose replay fails is
 * dropped from the read and reported; the others go on, and its old generation keeps serving.
 */
export async function rebuildProjections(ctx: EngineContext, projections: Projection[], options: RebuildManyOptions = {}): Promise<RebuildManyResult> {
  const startedAt = Date.now();
  const clients: Array<{ name: string; client: Client }> = [];
  try {
    for (const p of projections) clients.push({ name: p.name, client: await lockedClient(ctx, p.name) });
    const builds = projections.map((p, i) => new GenerationBuild(ctx, clients[i].client, p, { onProgress: options.onProgress }));
    const failures: RebuildManyResult['failures'] = [];
    const fail = async (build: GenerationBuild, error: unknown) => {
      failures.push({ name: build.name, error: error instanceof Error ? error : new Error(String(error)) });
      await build.abandon(error);
    };
    let live: GenerationBuild[] = [];
    for (const build of builds) {
      try {
        await build.prepare();
        live.push(build);
      } catch (error) {
        await fail(build, error);
      }
    }

    const head = await ctx.store.headPosition();
    const headOrdinal = positionOrdinal(head);
    let eventsRead = 0;
    const replayStarted = Date.now();
    const reportReplay = (position: string | null, done: boolean) => {
      if (!options.onReplay) return;
      const seconds = (Date.now() - replayStarted) / 1000;
      const rate = seconds > 0 ? eventsRead / seconds : 0;
      options.onReplay({ eventsDone: eventsRead, eventsPerSecond: rate, ...estimate(eventsRead, rate, position, headOrdinal, done) });
    };
    const filter = sharedFilter(live.map((b) => b.projection));
    if (filter !== 'nothing' && live.length) {
      const events = ctx.store.readAll(filter === 'everything' ? {} : { filter });
      let batch: RecordedEvent[] = [];
      const dispatch = async () => {
        const position = batch[batch.length - 1].position;
        const next: GenerationBuild[] = [];
        for (const build of live) {
          try {
            await build.replayBatch(batch, position);
            next.push(build);
          } catch (error) {
            await fail(build, error);
          }
        }
        live = next;
        eventsRead += batch.length;
        reportReplay(position, false);
        batch = [];
      };
      for await (const event of events) {
        batch.push(event);
        if (batch.length >= Math.min(ctx.tuning.replayBatchEvents, COMPLETE_CACHE_BATCH)) await dispatch();
        if (!live.length) break;
      }
      if (batch.length && live.length) await dispatch();
    }
    reportReplay(head, true);
    const replaySeconds = (Date.now() - replayStarted) / 1000;

    const results: RebuildResult[] = [];
    await Promise.all(
      live.map(async (build) => {
        try {
          results.push(await build.complete(head));
        } catch (error) {
          await fail(build, error);
        }
      }),
    );
    const order = new Map(projections.map((p, i) => [p.name, i]));
    results.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
    return { results, failures, eventsRead, replaySeconds, seconds: (Date.now() - startedAt) / 1000 };
  } finally {
    for (const { name, client } of clients) await release(client, name);
  }
}

/** The read that serves every projection: everything, the union of their types, or nothing at all. */
function sharedFilter(projections: Projection[]): 'everything' | 'nothing' | { eventTypes: string[] } {
  if (projections.some((p) => p.allEvents)) return 'everything';
  const types = new Set(projections.flatMap((p) => p.eventTypes));
  return types.size ? { eventTypes: [...types] } : 'nothing';
}

/** A connection of its own for one build, holding the projection's rebuild lock. */
async function lockedClient(ctx: EngineContext, name: string): Promise<Client> {
  const client = new Client({ connectionString: ctx.databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    if (!(await tryAdvisoryLock(client, REBUILD_LOCK_CLASS, name))) throw new RebuildInProgressError(name);
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

async function release(client: Client, name: string): Promise<void> {
  await advisoryUnlock(client, REBUILD_LOCK_CLASS, name).catch(() => undefined);
  await client.end().catch(() => undefined);
}

class GenerationBuild {
  private readonly handled: HandledTypes;
  private active: { generation: number; schemaName: string } | null = null;
  private generation = 0;
  private schema = '';
  private cache!: RowCache;
  private checkpoint: string | null = null;
  /** Position of the last event applied in memory, ahead of `checkpoint` until the next flush. */
  private position: string | null = null;
  private eventsRead = 0;
  private eventsApplied = 0;
  private readonly startedAt = Date.now();
  private lastFlushAt = Date.now();
  /** A flush started by `startFlush` and not awaited yet: it commits while the next batches apply. */
  private writing: Promise<void> | null = null;
  private headOrdinal: number | null = null;
  private phase: RebuildPhase = 'replay';

  constructor(
    private readonly ctx: EngineContext,
    private readonly client: Client,
    readonly projection: Projection,
    private readonly options: RebuildOptions,
  ) {
    this.handled = handledTypes(projection);
  }

  get name(): string {
    return this.projection.name;
  }

  /** One projection on its own: its own read of the log, filtered to the types it handles. */
  async run(): Promise<RebuildResult> {
    await this.prepare();
    let head: Position | null = null;
    try {
      head = await this.ctx.store.headPosition();
      this.headOrdinal = positionOrdinal(head);
      if (!handlesNothing(this.projection)) await this.readAndApply(this.ctx.store.readAll({ filter: eventTypeFilter(this.projection) }), null);
    } catch (error) {
      await this.abandon(error);
      throw error;
    }
    return this.complete(head);
  }

  /** Part of a shared replay: applies the events of `batch` it handles; `position` is the batch's last. */
  async replayBatch(batch: RecordedEvent[], position: Position): Promise<void> {
    const own = batch.filter((e) => this.handled.has(e.type));
    if (own.length) await this.applyBatch(own, null);
    // Every event up to here was seen, handled or not.
    this.position = position;
  }

  /**
   * Having replayed every event up to `head` (the store's head before the replay), handled or
   * not: flush, make the indexes, catch up from the head, switch. Catch-up starts there, not after
   * the last event it handled, which for a model whose events are rare or old (flavors, hosts,
   * identity) was most of the log again.
   */
  async complete(head: Position | null): Promise<RebuildResult> {
    try {
      if (head !== null && (this.position === null || comparePositions(this.position, head) < 0)) this.position = head;
      await this.flush(null);
      this.report('indexes');
      await this.createIndexes();
      this.report('catch-up');
      await this.readAndApply(this.ctx.store.readAll({ fromPosition: this.position ?? undefined }), null);
      await this.flush(null);
      this.report('switch');
      await this.switchOver(this.active);
    } catch (error) {
      await this.abandon(error);
      throw error;
    }
    const active = this.active;
    if (active) await dropSchema(this.client, active.schemaName).catch((e) => this.ctx.log.warn(`Could not drop retired schema ${active.schemaName}: ${e}`));
    const seconds = (Date.now() - this.startedAt) / 1000;
    this.report('done');
    return {
      name: this.projection.name,
      generation: this.generation,
      previousGeneration: this.active?.generation ?? null,
      version: this.projection.version,
      checkpoint: this.checkpoint,
      eventsRead: this.eventsRead,
      eventsApplied: this.eventsApplied,
      seconds,
      eventsPerSecond: seconds > 0 ? this.eventsRead / seconds : this.eventsRead,
    };
  }

  /** The build failed: its generation is marked failed and dropped; the active one serves on. */
  async abandon(error: unknown): Promise<void> {
    await this.writing?.catch(() => undefined);
    this.writing = null;
    if (!this.schema) return;
    await this.client.query('ROLLBACK').catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    await this.client
      .query(`UPDATE strata_projection_generations SET status = 'failed', last_error = $3, updated_at = now() WHERE name = $1 AND generation = $2`, [
        this.projection.name,
        this.generation,
        message.slice(0, 4000),
      ])
      .catch(() => undefined);
    await dropSchema(this.client, this.schema).catch(() => undefined);
  }

  /** Cleans what crashed builds left, then creates generation n+1 with empty tables (no secondary indexes yet). */
  async prepare(): Promise<void> {
    const { name } = this.projection;
    const generations = await generationsOf(this.client, name);
    const activeGeneration = await lockActiveGenerationRead(this.client, name);
    const active = generations.find((g) => g.generation === activeGeneration) ?? null;
    if (active && active.version > this.projection.version) {
      throw new Error(`${name}: the active generation ${active.generation} has version ${active.version}, newer than this build's ${this.projection.version}; refusing to downgrade`);
    }
    for (const g of generations) {
      if (g.generation === activeGeneration) continue;
      if (g.status === 'building') {
        await this.client.query(`UPDATE strata_projection_generations SET status = 'failed', last_error = coalesce(last_error, 'abandoned build'), updated_at = now() WHERE name = $1 AND generation = $2`, [name, g.generation]);
      }
      await dropSchema(this.client, g.schemaName);
    }
    this.generation = Math.max(0, ...generations.map((g) => g.generation)) + 1;
    this.schema = generationSchema(name, this.generation);
    this.cache = new RowCache(this.projection, this.schema, true);
    await this.client.query('BEGIN');
    await dropSchema(this.client, this.schema);
    await this.client.query(`CREATE SCHEMA ${quoteIdent(this.schema)}`);
    for (const table of this.projection.tables) await this.client.query(createTableSql(this.schema, table));
    await this.client.query(
      `INSERT INTO strata_projection_generations (name, generation, version, schema_name, status) VALUES ($1, $2, $3, $4, 'building')`,
      [name, this.generation, this.projection.version, this.schema],
    );
    await this.client.query('COMMIT');
    this.ctx.log.info(`${name}: building generation ${this.generation} (version ${this.projection.version}) in schema ${this.schema}`);
    this.active = active;
  }

  /**
   * Applies the events in batches. With the whole generation in memory (`complete`) a batch needs
   * no preload, so batches stay small: an event is applied soon after it is read and dies young,
   * which keeps the garbage collector's copying cheap. The store reads ahead on its own.
   */
  private async readAndApply(events: AsyncIterable<RecordedEvent>, inTransaction: Client | null): Promise<void> {
    const size = this.ctx.tuning.replayBatchEvents;
    let batch: RecordedEvent[] = [];
    for await (const event of events) {
      batch.push(event);
      if (batch.length >= (this.cache.complete ? Math.min(size, COMPLETE_CACHE_BATCH) : size)) {
        await this.applyBatch(batch, inTransaction);
        batch = [];
      }
    }
    if (batch.length) await this.applyBatch(batch, inTransaction);
  }

  private async applyBatch(batch: RecordedEvent[], inTransaction: Client | null): Promise<void> {
    // Rows read back from the database must include those of the flush in flight.
    if (!this.cache.complete) await this.settle();
    await this.cache.preload(this.client, batch);
    this.eventsApplied += this.cache.apply(batch, this.handled);
    this.eventsRead += batch.length;
    this.position = batch[batch.length - 1].position;
    const due = this.cache.dirtyCount >= this.ctx.tuning.replayFlushRows || Date.now() - this.lastFlushAt >= this.ctx.tuning.replayFlushMs;
    // Past the cache's size limit the flush must finish before the cache is dropped.
    if (due && inTransaction === null && this.cache.size <= this.ctx.tuning.cacheMaxRows) await this.startFlush();
    else if (due) await this.flush(inTransaction);
    this.report(this.phase);
  }

  /**
   * Takes the changed rows and writes them with the checkpoint in a transaction of its own, without
   * waiting for it: PostgreSQL upserts while this process applies the next batches. At most one
   * such flush is in flight; the checkpoint moves when it commits.
   */
  private async startFlush(): Promise<void> {
    await this.settle();
    const writes = this.cache.takeWrites();
    const position = this.position;
    const eventsRead = this.eventsRead;
    const rate = this.rate();
    this.lastFlushAt = Date.now();
    const writing = (async () => {
      await this.client.query('BEGIN');
      await RowCache.write(this.client, writes);
      await this.client.query(
        `UPDATE strata_projection_generations SET checkpoint = $3, events_applied = $4, events_per_second = $5, updated_at = now()
         WHERE name = $1 AND generation = $2`,
        [this.projection.name, this.generation, position, eventsRead, rate],
      );
      await this.client.query('COMMIT');
      this.checkpoint = position;
    })();
    // Awaited by the next settle(); until then a failure must not count as unhandled.
    writing.catch(() => undefined);
    this.writing = writing;
  }

  /** Waits for the flush in flight, if any, and rethrows its failure. */
  private async settle(): Promise<void> {
    const writing = this.writing;
    this.writing = null;
    await writing;
  }

  /** Writes the changed rows and the checkpoint: in a transaction of its own, or in the switch transaction. */
  private async flush(inTransaction: Client | null): Promise<void> {
    await this.settle();
    const own = inTransaction === null;
    if (own) await this.client.query('BEGIN');
    await this.cache.flush(this.client);
    const rate = this.rate();
    await this.client.query(
      `UPDATE strata_projection_generations SET checkpoint = $3, events_applied = $4, events_per_second = $5, updated_at = now()
       WHERE name = $1 AND generation = $2`,
      [this.projection.name, this.generation, this.position, this.eventsRead, rate],
    );
    if (own) await this.client.query('COMMIT');
    this.checkpoint = this.position;
    this.cache.markClean();
    this.lastFlushAt = Date.now();
    if (own) this.cache.evictIfOver(this.ctx.tuning.cacheMaxRows);
  }

  private async createIndexes(): Promise<void> {
    for (const table of this.projection.tables) {
      for (const sql of createIndexSql(this.schema, table)) await this.client.query(sql);
      await this.client.query(`ANALYZE ${quoteIdent(this.schema)}.${quoteIdent(table.name)}`);
    }
  }

  /**
   * The switch: the catalog row FOR UPDATE holds live batches back; the tail since catch-up is
   * applied; the views, the active generation and the statuses change; all in one commit.
   */
  private async switchOver(previous: { generation: number; schemaName: string } | null): Promise<void> {
    const { name } = this.projection;
    const c = this.client;
    await c.query('BEGIN');
    const activeNow = await lockActiveGeneration(c, name, 'FOR UPDATE');
    if ((activeNow ?? null) !== (previous?.generation ?? null)) {
      throw new Error(`${name}: the active generation changed from ${previous?.generation ?? 'none'} to ${activeNow} during the rebuild`);
    }
    await this.readAndApply(this.ctx.store.readAll({ fromPosition: this.position ?? undefined }), c);
    await this.flush(c);

    // Views last, so readers block (on the view's lock) only for these few statements.
    const tables = new Set(this.projection.tables.map((t) => t.name));
    for (const table of this.projection.tables) {
      const view = `${READ_SCHEMA}.${quoteIdent(table.name)}`;
      const select = `SELECT * FROM ${quoteIdent(this.schema)}.${quoteIdent(table.name)}`;
      await c.query('SAVEPOINT replace_view');
      try {
        await c.query(`CREATE OR REPLACE VIEW ${view} AS ${select}`);
        await c.query('RELEASE SAVEPOINT replace_view');
      } catch {
        // Columns removed, renamed or retyped: CREATE OR REPLACE cannot do that, drop and create.
        await c.query('ROLLBACK TO SAVEPOINT replace_view');
        await c.query(`DROP VIEW IF EXISTS ${view}`);
        await c.query(`CREATE VIEW ${view} AS ${select}`);
      }
    }
    if (previous) {
      const { rows } = await c.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [previous.schemaName]);
      for (const { table_name } of rows) {
        if (!tables.has(table_name)) await c.query(`DROP VIEW IF EXISTS ${READ_SCHEMA}.${quoteIdent(table_name)}`);
      }
      await c.query(`UPDATE strata_projection_generations SET status = 'retired', updated_at = now() WHERE name = $1 AND generation = $2`, [name, previous.generation]);
    }
    await c.query(
      `UPDATE strata_projection_generations SET status = 'active', last_error = NULL, error_position = NULL, error_event_id = NULL, updated_at = now()
       WHERE name = $1 AND generation = $2`,
      [name, this.generation],
    );
    await c.query('UPDATE strata_projections SET active_generation = $2 WHERE name = $1', [name, this.generation]);
    const notice: CheckpointNotice = { name, generation: this.generation, checkpoint: this.checkpoint, active: true };
    await notifyCheckpoint(c, notice);
    await c.query('COMMIT');
    this.ctx.notifications.emit(notice);
    this.ctx.log.info(`${name}: generation ${this.generation} is active (previous: ${previous?.generation ?? 'none'})`);
  }

  private rate(): number {
    const seconds = (Date.now() - this.startedAt) / 1000;
    return seconds > 0 ? this.eventsRead / seconds : 0;
  }

  private report(phase: RebuildPhase): void {
    this.phase = phase;
    if (!this.options.onProgress) return;
    const rate = this.rate();
    this.options.onProgress({
      name: this.projection.name,
      generation: this.generation,
      phase,
      eventsDone: this.eventsRead,
      eventsPerSecond: rate,
      ...estimate(this.eventsRead, rate, this.position, this.headOrdinal, phase === 'done'),
      checkpoint: this.position,
    });
  }
}

/**
 * How many events a read will have read at the head, from how far its position is toward the
 * head's (null when the store's positions do not tell), and how long that takes at `rate`.
 */
function estimate(done: number, rate: number, position: string | null, headOrdinal: number | null, finished: boolean): { eventsTotal: number | null; etaSeconds: number | null } {
  const ordinal = positionOrdinal(position);
  let total: number | null = null;
  if (finished || headOrdinal === null) total = done;
  else if (headOrdinal && ordinal && ordinal > 0) total = Math.max(done, Math.round((done * headOrdinal) / ordinal));
  return { eventsTotal: total, etaSeconds: total !== null && rate > 0 ? Math.max(0, (total - done) / rate) : null };
}

async function lockActiveGenerationRead(client: Client, name: string): Promise<number | null> {
  const { rows } = await client.query<{ active_generation: number | null }>('SELECT active_generation FROM strata_projections WHERE name = $1', [name]);
  return rows.length ? rows[0].active_generation : null;
}
