import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { RecordedEvent } from '../../domain/kernel';
import { HandledTypes, Projection, ReadModelTable, Row, RowAccess } from '../../projections/kernel/projection';
import { copySql, decodeRow, deleteSql, encodeCopyRows, encodeRows, selectByKeysSql, upsertSql } from './sql';

/** Rows per upsert statement (keeps each jsonb parameter to a few megabytes) and per COPY chunk. */
const FLUSH_CHUNK = 5_000;

/**
 * An upsert or delete of a table's rows (one parameter: the rows as jsonb, or the keys), or a COPY
 * FROM STDIN and its data in chunks of text-format lines.
 */
export type RowWrite = { op: 'upsert' | 'delete'; schema: string; table: ReadModelTable; values: [unknown] } | { copy: string; chunks: string[] };

type RowStatement = Exclude<RowWrite, { copy: string }>;

/** The SQL of an upsert or delete, its parameter `param`, each row written only when `guard` holds (see `upsertSql`). */
function statementSql(w: RowStatement, param = '$1', guard = ''): string {
  return w.op === 'upsert' ? upsertSql(w.schema, w.table, param, guard) : deleteSql(w.schema, w.table, param, guard);
}

/** Changed rows encoded as statements, ready to run on any transaction. */
export interface RowWrites {
  statements: RowWrite[];
  /** Rows changed (upserted, copied or deleted). */
  rows: number;
}

/** A projection's apply() threw: the batch is rolled back and the engine stops at this event. */
export class ProjectionApplyError extends Error {
  constructor(
    readonly projection: string,
    readonly event: RecordedEvent,
    override readonly cause: unknown,
  ) {
    super(`${projection} failed to apply ${event.type} ${event.id} at ${event.position}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ProjectionApplyError';
  }
}

/**
 * The engine's RowAccess: rows of one generation held in memory, loaded on demand in bulk
 * (one SELECT per table per batch) and flushed in bulk. `null` in the cache means "known absent".
 * When `complete`, the cache holds every row of the generation (a shadow built from empty and
 * never evicted), so a miss means absent without asking the database.
 *
 * A cache that builds a fresh generation (`complete` at the start: its tables were empty, and
 * nobody else writes them) knows which rows it has written: a row new to the database is loaded
 * with COPY, only a row written before is upserted. That holds until the cache is evicted; rows
 * of append-only tables are always new there, and are not kept once written.
 */
export class RowCache implements RowAccess {
  private readonly cache = new Map<string, Map<string, Row | null>>();
  private readonly dirty = new Map<string, Map<string, Row | null>>();
  /** Rows put into append-only tables since the last flush: never cached, never read back. */
  private readonly appended = new Map<string, Row[]>();
  /** Keys this fresh generation's cache has written to the database, per table, while `complete`. */
  private readonly persisted = new Map<string, Set<string>>();
  private readonly specs = new Map<string, ReadModelTable>();
  private readonly fresh: boolean;
  private cached = 0;

  constructor(
    private readonly projection: Projection,
    private readonly schema: string,
    public complete = false,
  ) {
    this.fresh = complete;
    for (const t of projection.tables) {
      this.specs.set(t.name, t);
      if (t.appendOnly) {
        this.appended.set(t.name, []);
        continue;
      }
      this.cache.set(t.name, new Map());
      this.dirty.set(t.name, new Map());
      this.persisted.set(t.name, new Set());
    }
  }

  get size(): number {
    return this.cached;
  }

  get dirtyCount(): number {
    let n = 0;
    for (const d of this.dirty.values()) n += d.size;
    for (const a of this.appended.values()) n += a.length;
    return n;
  }

  private spec(table: string): ReadModelTable {
    const spec = this.specs.get(table);
    if (!spec) throw new Error(`Projection ${this.projection.name} has no table ${table}`);
    return spec;
  }

  private mutable(table: string, what: string): ReadModelTable {
    const spec = this.spec(table);
    if (spec.appendOnly) throw new Error(`${this.projection.name}.apply ${what} ${table}, which is append-only`);
    return spec;
  }

  private remember(table: string, key: string, row: Row | null): void {
    const t = this.cache.get(table)!;
    if (!t.has(key)) this.cached++;
    t.set(key, row);
  }

  get(table: string, key: string): Row | undefined {
    // Append-only and unknown tables have no cache: `mutable` says why.
    const t = this.cache.get(table) ?? (this.mutable(table, 'read'), this.cache.get(table)!);
    const row = t.get(key);
    if (row !== undefined) return row ?? undefined;
    if (this.complete) return undefined;
    throw new Error(`${this.projection.name}.apply read ${table}/${key}, which its rowsFor did not name`);
  }

  put(table: string, row: Row): void {
    const spec = this.spec(table);
    if (spec.appendOnly) {
      this.appended.get(table)!.push(row);
      return;
    }
    const key = String(row[spec.primaryKey]);
    this.remember(table, key, row);
    this.dirty.get(table)!.set(key, row);
  }

  delete(table: string, key: string): void {
    this.mutable(table, 'deleted from');
    this.remember(table, key, null);
    this.dirty.get(table)!.set(key, null);
  }

  /** Loads every row the events name that the cache does not hold yet: one query per table. */
  async preload(client: ClientBase, events: RecordedEvent[]): Promise<void> {
    if (this.complete) return;
    const wanted = new Map<string, Set<string>>();
    for (const event of events) {
      for (const ref of this.projection.rowsFor(event)) {
        this.mutable(ref.table, 'named in rowsFor');
        if (this.cache.get(ref.table)!.has(ref.key)) continue;
        let keys = wanted.get(ref.table);
        if (!keys) wanted.set(ref.table, (keys = new Set()));
        keys.add(ref.key);
      }
    }
    for (const [table, keys] of wanted) {
      const spec = this.spec(table);
      const { rows } = await client.query(selectByKeysSql(this.schema, spec), [[...keys]]);
      for (const raw of rows) {
        const row = decodeRow(spec, raw);
        const key = String(row[spec.primaryKey]);
        this.remember(table, key, row);
        keys.delete(key);
      }
      for (const key of keys) this.remember(table, key, null);
    }
  }

  /** Applies the events in order; a throw names the event and leaves the cache to be discarded. */
  apply(events: RecordedEvent[], handled: HandledTypes): number {
    let applied = 0;
    for (const event of events) {
      if (!handled.has(event.type)) continue;
      try {
        this.projection.apply(event, this);
      } catch (error) {
        throw new ProjectionApplyError(this.projection.name, event, error);
      }
      applied++;
    }
    return applied;
  }

  /** Writes the changed rows (bulk upserts, then deletes) on the caller's transaction. */
  async flush(client: ClientBase): Promise<number> {
    const writes = this.encodeWrites();
    await RowCache.write(client, writes);
    return writes.rows;
  }

  /**
   * The changed rows, encoded now (later changes to the row objects do not leak in), and from now
   * on clean as far as the cache is concerned: the caller writes them with `write` and, should
   * that fail, discards the cache.
   */
  takeWrites(): RowWrites {
    const writes = this.encodeWrites();
    this.markClean();
    return writes;
  }

  /**
   * The changed rows, encoded now, and still dirty until `markClean`: a caller that commits them
   * itself (with `write` on its transaction, or `guardedWrites` in one statement) marks the cache
   * clean once they are committed, or discards the cache.
   */
  pendingWrites(): RowWrites {
    return this.encodeWrites();
  }

  /** Runs writes taken from a cache on the caller's transaction. */
  static async write(client: ClientBase, writes: RowWrites): Promise<void> {
    for (const statement of writes.statements) {
      if ('copy' in statement) await pipeline(Readable.from(statement.chunks), client.query(copyFrom(statement.copy)));
      else await client.query(statementSql(statement), statement.values);
    }
  }

  /**
   * Per table: new rows copied (a fresh generation's), the others upserted, then deletes. The
   * rows count as written from here on: a failed write discards the cache (and the build).
   */
  private encodeWrites(): RowWrites {
    const statements: RowWrites['statements'] = [];
    let rows = 0;
    const copy = (spec: ReadModelTable, list: Row[]) => {
      if (!list.length) return;
      const chunks: string[] = [];
      for (let i = 0; i < list.length; i += FLUSH_CHUNK) chunks.push(encodeCopyRows(spec, list.slice(i, i + FLUSH_CHUNK)));
      statements.push({ copy: copySql(this.schema, spec), chunks });
    };
    const upsert = (spec: ReadModelTable, list: Row[]) => {
      for (let i = 0; i < list.length; i += FLUSH_CHUNK) {
        statements.push({ op: 'upsert', schema: this.schema, table: spec, values: [encodeRows(spec, list.slice(i, i + FLUSH_CHUNK))] });
      }
    };
    for (const [table, changes] of this.dirty) {
      if (changes.size === 0) continue;
      const spec = this.spec(table);
      // Only a complete fresh cache knows what the database holds; an evicted one upserts everything.
      const written = this.fresh && this.complete ? this.persisted.get(table)! : null;
      const inserts: Row[] = [];
      const upserts: Row[] = [];
      const deletes: string[] = [];
      for (const [key, row] of changes) {
        if (written === null) {
          if (row) upserts.push(row);
          else deletes.push(key);
        } else if (written.has(key)) {
          if (row) upserts.push(row);
          else {
            deletes.push(key);
            written.delete(key);
          }
        } else if (row) {
          inserts.push(row);
          written.add(key);
        }
      }
      copy(spec, inserts);
      upsert(spec, upserts);
      for (let i = 0; i < deletes.length; i += FLUSH_CHUNK) {
        statements.push({ op: 'delete', schema: this.schema, table: spec, values: [deletes.slice(i, i + FLUSH_CHUNK)] });
      }
      rows += changes.size;
    }
    for (const [table, list] of this.appended) {
      if (!list.length) continue;
      // A fresh generation applies each event once: its append-only rows are all new.
      if (this.fresh) copy(this.spec(table), list);
      else upsert(this.spec(table), list);
      rows += list.length;
      this.appended.set(table, []);
    }
    return { statements, rows };
  }

  /** After a commit: the changes are in the database. */
  markClean(): void {
    for (const d of this.dirty.values()) d.clear();
    for (const table of this.appended.keys()) this.appended.set(table, []);
  }

  /** Drops every clean row once the cache outgrows `maxRows`; from then on misses ask the database. */
  evictIfOver(maxRows: number): void {
    if (this.cached <= maxRows) return;
    if (this.dirtyCount > 0) throw new Error('evictIfOver needs a flushed cache');
    for (const t of this.cache.values()) t.clear();
    for (const p of this.persisted.values()) p.clear();
    this.cached = 0;
    this.complete = false;
  }
}

/**
 * The writes as the bodies of data-modifying CTEs, for one statement that commits them together
 * with something else: their parameters numbered from `$first`, and each row written only when
 * `guard` (an SQL condition, e.g. that a sibling CTE returned a row) holds. Null when a write is a
 * COPY, which no statement can hold.
 */
export function guardedWrites(writes: RowWrites, first: number, guard: string): { bodies: string[]; values: unknown[] } | null {
  const bodies: string[] = [];
  const values: unknown[] = [];
  for (const w of writes.statements) {
    if ('copy' in w) return null;
    bodies.push(statementSql(w, `$${first + values.length}`, guard));
    values.push(w.values[0]);
  }
  return { bodies, values };
}
