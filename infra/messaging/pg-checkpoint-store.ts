import { Pool } from 'pg';
import { Position } from '../../domain/kernel';
import { CheckpointStore } from './relay';

/**
 * Checkpoints in PostgreSQL: `strata_checkpoints(name, position, updated_at)`, created on first use.
 * A save never moves a checkpoint backwards, so two relays racing after a failover cannot rewind it;
 * positions compare as plain strings (byte order, hence COLLATE "C").
 */
export class PgCheckpointStore implements CheckpointStore {
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  private ready: Promise<void> | undefined;

  /** A connection string gets a small pool of its own, closed by `close()`; a Pool is borrowed. */
  constructor(database: string | Pool) {
    this.ownsPool = typeof database === 'string';
    this.pool = typeof database === 'string' ? new Pool({ connectionString: database, max: 2 }) : database;
    if (this.ownsPool) this.pool.on('error', () => undefined);
  }

  async load(name: string): Promise<Position | undefined> {
    await this.ensureTable();
    const { rows } = await this.pool.query<{ position: string }>('SELECT position FROM strata_checkpoints WHERE name = $1', [name]);
    return rows[0]?.position;
  }

  async save(name: string, position: Position): Promise<void> {
    await this.ensureTable();
    await this.pool.query(
      `INSERT INTO strata_checkpoints (name, position, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at
       WHERE strata_checkpoints.position COLLATE "C" < EXCLUDED.position COLLATE "C"`,
      [name, position],
    );
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.pool
      .query(
        `CREATE TABLE IF NOT EXISTS strata_checkpoints (
           name text PRIMARY KEY,
           position text NOT NULL,
           updated_at timestamptz NOT NULL DEFAULT now()
         )`,
      )
      .then(
        () => undefined,
        (error: { code?: string }) => {
          // Two processes creating the table at once: the loser sees a duplicate type or table.
          if (error.code === '23505' || error.code === '42P07') return;
          this.ready = undefined;
          throw error;
        },
      );
    return this.ready;
  }
}
