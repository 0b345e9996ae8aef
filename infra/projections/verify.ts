import { Client } from 'pg';
import { comparePositions, RecordedEvent } from '../../domain/kernel';
import { eventTypeFilter, handlesNothing, MemoryRows, Projection, projectInMemory, ReadModelTable, Row } from '../../projections/kernel/projection';
import { EngineContext } from './context';
import { diffRows, RowDifference } from './diff';
import { decodeRow, quoteIdent, selectAllSql, selectByKeysSql, selectKeysSql } from './sql';
import { inTransactionOn } from '../persistence/pg-transaction';

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
 *
 * An append-only table (the audit trail's million rows) is never held whole on either side: the
 * snapshot gives its keys only, and the fold's rows are compared as they come, `verifyChunkRows`
 * at a time, with the live rows of the same keys (rows up to the checkpoint never change, unless
 * someone changes them by hand, which is what verify is for). Keys of the snapshot the fold never
 * produced are the extra rows. A mutable table is not held whole either: the snapshot copies it into
 * a temporary table of verify's own session, which is compared with the fold in key order, a chunk
 * at a time; only the fold is held whole.
 */
export async function verifyProjection(ctx: EngineContext, projection: Projection): Promise<VerifyResult> {
  // Its own session: the snapshot copies of the mutable tables are temporary tables, gone when it ends.
  const session = new Client({ connectionString: ctx.databaseUrl });
  await session.connect();
  try {
    return await verifyIn(ctx, session, projection);
  } finally {
    await session.end().catch(() => undefined);
  }
}

async function verifyIn(ctx: EngineContext, session: Client, projection: Projection): Promise<VerifyResult> {
  type Generation = { generation: number; version: number; checkpoint: string | null; schema: string };
  /** The snapshot copy of each mutable table: its temporary table. */
  const copies = new Map<string, string>();
  const liveKeys = new Map<string, Set<string>>();
  const generation = await inTransactionOn(session, async (client): Promise<Generation | null> => {
    const { rows } = await client.query<{ generation: number; version: number; checkpoint: string | null; schema_name: string }>(
      `SELECT g.generation, g.version, g.checkpoint, g.schema_name FROM strata_projections p
       JOIN strata_projection_generations g ON g.name = p.name AND g.generation = p.active_generation WHERE p.name = $1`,
      [projection.name],
    );
    if (!rows.length) return null;
    const generation: Generation = { generation: rows[0].generation, version: rows[0].version, checkpoint: rows[0].checkpoint, schema: rows[0].schema_name };
    if (generation.version === projection.version) {
      for (const table of projection.tables) {
        if (table.appendOnly) {
          const { rows: raw } = await client.query<{ key: string }>(selectKeysSql(generation.schema, table));
          liveKeys.set(table.name, new Set(raw.map((r) => r.key)));
          continue;
        }
        // Copied in the snapshot, compared after the fold a chunk at a time: never held whole in this process.
        const copy = `strata_verify_${copies.size + 1}`;
        await client.query(`CREATE TEMPORARY TABLE ${copy} AS ${selectAllSql(generation.schema, table)}`);
        await client.query(`ALTER TABLE ${copy} ADD PRIMARY KEY (${quoteIdent(table.primaryKey)})`);
        copies.set(table.name, copy);
      }
    }
    return generation;
  }, 'BEGIN ISOLATION LEVEL REPEATABLE READ');

  const base = { name: projection.name, generation: generation?.generation ?? null, version: generation?.version ?? null, checkpoint: generation?.checkpoint ?? null };
  if (!generation) return { ...base, rowsCompared: 0, differences: [], note: 'no active generation' };
  if (generation.version !== projection.version) {
    return { ...base, rowsCompared: 0, differences: [], note: `active generation has version ${generation.version}, the code has ${projection.version}: rebuild first` };
  }

  const appendOnly = projection.tables.filter((t) => t.appendOnly);
  const differences: RowDifference[] = [];
  let rowsCompared = 0;
  /** Compares rows of an append-only table with the live rows of the same keys. */
  const compareLive = async (table: ReadModelTable, expected: Map<string, Row>, keys: string[]) => {
    const { rows } = await ctx.pool.query(selectByKeysSql(generation.schema, table), [keys]);
    const live = byKey(table, rows);
    rowsCompared += live.size;
    differences.push(...diffRows([table], new Map([[table.name, expected]]), new Map([[table.name, live]])));
  };
  const drain = async (folded: MemoryRows, atLeast: number) => {
    for (const table of appendOnly) {
      const rows = folded.tables.get(table.name)!;
      if (rows.size === 0 || rows.size < atLeast) continue;
      folded.tables.set(table.name, new Map());
      const seen = liveKeys.get(table.name)!;
      for (const key of rows.keys()) seen.delete(key);
      await compareLive(table, rows, [...rows.keys()]);
    }
  };
  const expected = await foldUpTo(ctx, projection, generation.checkpoint, (folded) => drain(folded, ctx.tuning.verifyChunkRows));
  await drain(expected, 1);
  // Rows the snapshot held that the log never made.
  for (const table of appendOnly) {
    const extra = [...liveKeys.get(table.name)!];
    for (let i = 0; i < extra.length; i += ctx.tuning.verifyChunkRows) await compareLive(table, new Map(), extra.slice(i, i + ctx.tuning.verifyChunkRows));
  }

  // Mutable tables: the snapshot copy in key order, chunk by chunk, against the fold's rows of the same keys;
  // the fold's rows no chunk had are the missing ones.
  for (const table of projection.tables.filter((t) => !t.appendOnly)) {
    const want = expected.tables.get(table.name) ?? new Map<string, Row>();
    const key = quoteIdent(table.primaryKey);
    let after: string | null = null;
    for (;;) {
      const { rows }: { rows: Record<string, unknown>[] } = await session.query(
        `SELECT * FROM ${copies.get(table.name)!} ${after === null ? '' : `WHERE ${key} > $2`} ORDER BY ${key} LIMIT $1`,
        after === null ? [ctx.tuning.verifyChunkRows] : [ctx.tuning.verifyChunkRows, after],
      );
      if (!rows.length) break;
      const live = byKey(table, rows);
      const expectedChunk = new Map<string, Row>();
      for (const k of live.keys()) {
        const row = want.get(k);
        if (row === undefined) continue;
        expectedChunk.set(k, row);
        want.delete(k);
      }
      rowsCompared += live.size;
      differences.push(...diffRows([table], new Map([[table.name, expectedChunk]]), new Map([[table.name, live]])));
      after = String(rows[rows.length - 1][table.primaryKey]);
    }
    differences.push(...diffRows([table], new Map([[table.name, want]]), new Map()));
  }
  // Table by table in the projection's order, each by key, as one diff of everything would list them.
  const order = new Map(projection.tables.map((t, i) => [t.name, i]));
  differences.sort((a, b) => order.get(a.table)! - order.get(b.table)! || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ...base, rowsCompared, differences };
}

/**
 * Folds the projection's events up to and including `checkpoint` afresh, in memory, in chunks;
 * `afterChunk` may take rows out of the fold between chunks.
 */
async function foldUpTo(ctx: EngineContext, projection: Projection, checkpoint: string | null, afterChunk: (rows: MemoryRows) => Promise<void>): Promise<MemoryRows> {
  const rows = new MemoryRows(projection);
  if (checkpoint === null || handlesNothing(projection)) return rows;
  let chunk: RecordedEvent[] = [];
  for await (const event of ctx.store.readAll({ filter: eventTypeFilter(projection) })) {
    if (comparePositions(event.position, checkpoint) > 0) break;
    chunk.push(event);
    if (chunk.length >= Math.min(1_000, ctx.tuning.verifyChunkRows)) {
      projectInMemory(projection, chunk, rows);
      chunk = [];
      await afterChunk(rows);
    }
  }
  projectInMemory(projection, chunk, rows);
  return rows;
}

/** Rows as read from PostgreSQL, decoded and keyed by their primary key. */
function byKey(table: ReadModelTable, raw: Record<string, unknown>[]): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const r of raw) {
    const row = decodeRow(table, r);
    rows.set(String(row[table.primaryKey]), row);
  }
  return rows;
}
