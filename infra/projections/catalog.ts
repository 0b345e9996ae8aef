import type { ClientBase, Pool } from 'pg';
import { quoteIdent, READ_SCHEMA } from './sql';
import { inTransaction } from '../persistence/pg-transaction';

/** LISTEN/NOTIFY channel: `{ name, generation, checkpoint, active }` after every committed batch. */
export const PROJECTIONS_CHANNEL = 'strata_projections';

export type GenerationStatus = 'building' | 'active' | 'retired' | 'failed';

export interface GenerationRecord {
  name: string;
  generation: number;
  version: number;
  schemaName: string;
  status: GenerationStatus;
  checkpoint: string | null;
  eventsApplied: number;
  eventsPerSecond: number | null;
  lastError: string | null;
  errorPosition: string | null;
  errorEventId: string | null;
  updatedAt: Date;
}

/** What a runner or a waiter learns after each commit. */
export interface CheckpointNotice {
  name: string;
  generation: number;
  checkpoint: string | null;
  /** True when `generation` is the active one (readers see it), false while it is being built. */
  active: boolean;
  /**
   * False when the move changed no row (a batch without an event of the projection's types):
   * caches of the generation's rows stay good. Absent (older runners, switches): rows may have changed.
   */
  changed?: boolean;
}

const CATALOG_DDL = `
CREATE SCHEMA IF NOT EXISTS ${READ_SCHEMA};
CREATE TABLE IF NOT EXISTS strata_projections (
  name text PRIMARY KEY,
  active_generation integer
);
CREATE TABLE IF NOT EXISTS strata_projection_generations (
  name text NOT NULL,
  generation integer NOT NULL,
  version integer NOT NULL,
  schema_name text NOT NULL,
  status text NOT NULL CHECK (status IN ('building', 'active', 'retired', 'failed')),
  checkpoint text,
  events_applied bigint NOT NULL DEFAULT 0,
  events_per_second double precision,
  last_error text,
  error_position text,
  error_event_id text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, generation)
);
`;

/** Advisory lock class ids (two-key form), so projection locks never collide with other users of advisory locks. */
export const RUNNER_LOCK_CLASS = 0x5354_5201;
export const REBUILD_LOCK_CLASS = 0x5354_5202;
const CATALOG_LOCK_CLASS = 0x5354_5203;

/** Idempotent and safe to run from several processes at once. */
export async function installCatalog(pool: Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [CATALOG_LOCK_CLASS]);
    await client.query(CATALOG_DDL);
  });
}

export async function tryAdvisoryLock(client: ClientBase, lockClass: number, name: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [lockClass, name]);
  return rows[0].locked;
}

export async function advisoryUnlock(client: ClientBase, lockClass: number, name: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [lockClass, name]);
}

interface GenerationRow {
  name: string;
  generation: number;
  version: number;
  schema_name: string;
  status: GenerationStatus;
  checkpoint: string | null;
  events_applied: string;
  events_per_second: number | null;
  last_error: string | null;
  error_position: string | null;
  error_event_id: string | null;
  updated_at: Date;
}

function toRecord(row: GenerationRow): GenerationRecord {
  return {
    name: row.name,
    generation: row.generation,
    version: row.version,
    schemaName: row.schema_name,
    status: row.status,
    checkpoint: row.checkpoint,
    eventsApplied: Number(row.events_applied),
    eventsPerSecond: row.events_per_second,
    lastError: row.last_error,
    errorPosition: row.error_position,
    errorEventId: row.error_event_id,
    updatedAt: row.updated_at,
  };
}

/** The active generation of a projection, or null before its first build completed. */
export async function activeGeneration(client: ClientBase | Pool, name: string, lock = ''): Promise<GenerationRecord | null> {
  const { rows } = await client.query<GenerationRow>(
    `SELECT g.* FROM strata_projections p
     JOIN strata_projection_generations g ON g.name = p.name AND g.generation = p.active_generation
     WHERE p.name = $1 ${lock}`,
    [name],
  );
  return rows.length ? toRecord(rows[0]) : null;
}

export async function allGenerations(client: ClientBase | Pool, statuses: GenerationStatus[]): Promise<GenerationRecord[]> {
  const { rows } = await client.query<GenerationRow>(
    'SELECT * FROM strata_projection_generations WHERE status = ANY ($1::text[]) ORDER BY name, generation',
    [statuses],
  );
  return rows.map(toRecord);
}

export async function generationsOf(client: ClientBase | Pool, name: string): Promise<GenerationRecord[]> {
  const { rows } = await client.query<GenerationRow>('SELECT * FROM strata_projection_generations WHERE name = $1 ORDER BY generation', [name]);
  return rows.map(toRecord);
}

/** Row-locks the catalog row of `name` (created if missing) and returns its active generation. */
export async function lockActiveGeneration(client: ClientBase, name: string, mode: 'FOR SHARE' | 'FOR UPDATE'): Promise<number | null> {
  if (mode === 'FOR UPDATE') {
    await client.query('INSERT INTO strata_projections (name, active_generation) VALUES ($1, NULL) ON CONFLICT (name) DO NOTHING', [name]);
  }
  const { rows } = await client.query<{ active_generation: number | null }>(
    `SELECT active_generation FROM strata_projections WHERE name = $1 ${mode}`,
    [name],
  );
  return rows.length ? rows[0].active_generation : null;
}

export async function notifyCheckpoint(client: ClientBase, notice: CheckpointNotice): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [PROJECTIONS_CHANNEL, JSON.stringify(notice)]);
}

export async function recordError(
  client: ClientBase | Pool,
  name: string,
  generation: number,
  error: { message: string; position: string | null; eventId: string | null },
): Promise<void> {
  await client.query(
    `UPDATE strata_projection_generations SET last_error = $3, error_position = $4, error_event_id = $5, updated_at = now()
     WHERE name = $1 AND generation = $2`,
    [name, generation, error.message.slice(0, 4000), error.position, error.eventId],
  );
}

export async function dropSchema(client: ClientBase | Pool, schema: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
}
