import { Pool } from 'pg';
import { EventStore, NewEvent, Position } from '../../domain/kernel';
import { InMemoryEventStore } from '../../infra/eventstore/in-memory/in-memory-event-store';
import { PostgresEventStore } from '../../infra/eventstore/postgres';
import { EngineTuning, ProjectionEngine } from '../../infra/projections';
import { Projection } from '../../projections/kernel/projection';
import { createTestDatabase, TestDatabase } from '../support/postgres';
import { streamOf } from '../support/sample-projection';

/** Short retries so take-overs and recoveries happen within a test's time-out. */
export const FAST_TUNING: Partial<EngineTuning> = {
  lockRetryMs: 100,
  retryBaseMs: 50,
  retryMaxMs: 400,
  liveBatch: { maxItems: 1_000, maxMs: 200 },
};

/** Polls a condition until it holds; throws with `description` after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, description: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One database per suite: the PostgreSQL event store and the read models side by side, as in production. */
export class ProjectionHarness {
  private readonly engines: ProjectionEngine[] = [];
  private constructor(
    readonly db: TestDatabase,
    readonly store: EventStore,
    readonly pool: Pool,
  ) {}

  static async create(prefix: string): Promise<ProjectionHarness> {
    const db = await createTestDatabase(prefix);
    // PROJECTION_TEST_STORE=memory runs the read-model side against the in-memory log (debugging aid).
    const store = process.env.PROJECTION_TEST_STORE === 'memory' ? new InMemoryEventStore() : await PostgresEventStore.connect(db.url, { pollIntervalMs: 100 });
    const pool = new Pool({ connectionString: db.url, max: 4 });
    // close() drops the database WITH (FORCE): a connection terminated then must not fail the suite.
    pool.on('error', () => undefined);
    return new ProjectionHarness(db, store, pool);
  }

  async engine(projections: Projection[], tuning: Partial<EngineTuning> = {}): Promise<ProjectionEngine> {
    const engine = await ProjectionEngine.open({ databaseUrl: this.db.url, store: this.store, projections, tuning: { ...FAST_TUNING, ...tuning }, log: process.env.DEBUG_PROJECTIONS ? { info: console.log, warn: console.warn, error: console.error } : undefined });
    this.engines.push(engine);
    return engine;
  }

  /** Appends each server's events to its own stream; returns the last position. */
  async append(events: NewEvent[]): Promise<Position> {
    const byStream = new Map<string, NewEvent[]>();
    for (const e of events) {
      const stream = streamOf((e.data as { serverId: string }).serverId);
      byStream.set(stream, [...(byStream.get(stream) ?? []), e]);
    }
    let last = '';
    for (const [stream, list] of byStream) last = (await this.store.append(stream, list, 'any')).position;
    return last;
  }

  async rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  async generation(name: string): Promise<{ active_generation: number | null; checkpoint: string | null; version: number | null; last_error: string | null; error_event_id: string | null; error_position: string | null } | undefined> {
    const [row] = await this.rows<any>(
      `SELECT p.active_generation, g.checkpoint, g.version, g.last_error, g.error_event_id, g.error_position FROM strata_projections p
       LEFT JOIN strata_projection_generations g ON g.name = p.name AND g.generation = p.active_generation WHERE p.name = $1`,
      [name],
    );
    return row;
  }

  async close(): Promise<void> {
    for (const engine of this.engines) await engine.close();
    await this.store.close();
    await this.pool.end();
    await this.db.drop();
  }
}
