import { comparePositions, RecordedEvent } from '../../domain/kernel';
import { eventTypeFilter, handlesNothing, MemoryRows, Projection, projectInMemory, Row } from '../../projections/kernel/projection';
import { EngineContext } from './context';
import { diffRows, RowDifference, TableRows } from './diff';
import { decodeRow, selectAllSql } from './sql';
import { inTransaction } from '../persistence/pg-transaction';

export interface VerifyResult {
  name: string;
  generation: number | null;
  /** Version of the active generation; differences are expected when it is not the code's version. */
  version: number | null;
  checkpoint: string | null;
  rowsCompared: number;
  differences: RowDifference[];
  /** Set when there is nothing comparable (no active generation, or another version). */
  note?: string;
}

/**
 * Compares the live tables with a fresh in-memory fold of the log up to the active checkpoint.
 * Rows and checkpoint come from one REPEATABLE READ snapshot (committed together by the runner);
 * the snapshot closes before the log is read, so it never holds back event readers for long.
 */
export async function verifyProjection(ctx: EngineContext, projection: Projection): Promise<VerifyResult> {
  type Generation = { generation: number; version: number; checkpoint: string | null; schema: string };
  const actual: TableRows = new Map();
  const generation = await inTransaction(ctx.pool, async (client): Promise<Generation | null> => {
    const { rows } = await client.query<{ generation: number; version: number; checkpoint: string | null; schema_name: string }>(
      `SELECT g.generation, g.version, g.checkpoint, g.schema_name FROM strata_projections p
       JOIN strata_projection_generations g ON g.name = p.name AND g.generation = p.active_generation WHERE p.name = $1`,
      [projection.name],
    );
    if (!rows.length) return null;
    const generation: Generation = { generation: rows[0].generation, version: rows[0].version, checkpoint: rows[0].checkpoint, schema: rows[0].schema_name };
    if (generation.version === projection.version) {
      for (const table of projection.tables) {
        const { rows: raw } = await client.query(selectAllSql(generation.schema, table));
        const byKey = new Map<string, Row>();
        for (const r of raw) {
          const row = decodeRow(table, r);
          byKey.set(String(row[table.primaryKey]), row);
        }
        actual.set(table.name, byKey);
      }
    }
    return generation;
  }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');

  const base = { name: projection.name, generation: generation?.generation ?? null, version: generation?.version ?? null, checkpoint: generation?.checkpoint ?? null };
  if (!generation) return { ...base, rowsCompared: 0, differences: [], note: 'no active generation' };
  if (generation.version !== projection.version) {
    return { ...base, rowsCompared: 0, differences: [], note: `active generation has version ${generation.version}, the code has ${projection.version}: rebuild first` };
  }

  const expected = (await foldUpTo(ctx, projection, generation.checkpoint)).tables;
  let rowsCompared = 0;
  for (const t of actual.values()) rowsCompared += t.size;
  return { ...base, rowsCompared, differences: diffRows(projection.tables, expected, actual) };
}

/** Folds the projection's events up to and including `checkpoint` afresh, in memory, in chunks. */
async function foldUpTo(ctx: EngineContext, projection: Projection, checkpoint: string | null): Promise<MemoryRows> {
  const rows = new MemoryRows(projection);
  if (checkpoint === null || handlesNothing(projection)) return rows;
  let chunk: RecordedEvent[] = [];
  for await (const event of ctx.store.readAll({ filter: eventTypeFilter(projection) })) {
    if (comparePositions(event.position, checkpoint) > 0) break;
    chunk.push(event);
    if (chunk.length >= 1_000) {
      projectInMemory(projection, chunk, rows);
      chunk = [];
    }
  }
  projectInMemory(projection, chunk, rows);
  return rows;
}
