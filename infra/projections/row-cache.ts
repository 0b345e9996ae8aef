import type { ClientBase } from 'pg';
import { RecordedEvent } from '../../domain/kernel';
import { HandledTypes, Projection, ReadModelTable, Row, RowAccess } from '../../projections/kernel/projection';
import { decodeRow, deleteSql, encodeRows, selectByKeysSql, upsertSql } from './sql';

/** Rows per upsert statement: keeps each jsonb parameter to a few megabytes. */
const FLUSH_CHUNK = 5_000;

/** Changed rows encoded as statements, ready to run on any transaction. */
export interface RowWrites {
  statements: Array<{ text: string; values: unknown[] }>;
  /** Rows changed (upserted or deleted). */
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
 */
export class RowCache implements RowAccess {
  private readonly cache = new Map<string, Map<string, Row | null>>();
  private readonly dirty = new Map<string, Map<string, Row | null>>();
  private readonly specs = new Map<string, ReadModelTable>();
  private cached = 0;

  constructor(
    private readonly projection: Projection,
    private readonly schema: string,
    public complete = false,
  ) {
    for (const t of projection.tables) {
      this.specs.set(t.name, t);
      this.cache.set(t.name, new Map());
      this.dirty.set(t.name, new Map());
    }
  }

  get size(): number {
    return this.cached;
  }

  get dirtyCount(): number {
    let n = 0;
    for (const d of this.dirty.values()) n += d.size;
    return n;
  }

  private spec(table: string): ReadModelTable {
    const spec = this.specs.get(table);
    if (!spec) throw new Error(`Projection ${this.projection.name} has no table ${table}`);
    return spec;
  }

  private remember(table: string, key: string, row: Row | null): void {
    const t = this.cache.get(table)!;
    if (!t.has(key)) this.cached++;
    t.set(key, row);
  }

  get(table: string, key: string): Row | undefined {
    this.spec(table);
    const t = this.cache.get(table)!;
    if (t.has(key)) return t.get(key) ?? undefined;
    if (this.complete) return undefined;
    throw new Error(`${this.projection.name}.apply read ${table}/${key}, which its rowsFor did not name`);
  }

  put(table: string, row: Row): void {
    const key = String(row[this.spec(table).primaryKey]);
    this.remember(table, key, row);
    this.dirty.get(table)!.set(key, row);
  }

  delete(table: string, key: string): void {
    this.spec(table);
    this.remember(table, key, null);
    this.dirty.get(table)!.set(key, null);
  }

  /** Loads every row the events name that the cache does not hold yet: one query per table. */
  async preload(client: ClientBase, events: RecordedEvent[]): Promise<void> {
    if (this.complete) return;
    const wanted = new Map<string, Set<string>>();
    for (const event of events) {
      for (const ref of this.projection.rowsFor(event)) {
        this.spec(ref.table);
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

  /** Runs writes taken from a cache on the caller's transaction. */
  static async write(client: ClientBase, writes: RowWrites): Promise<void> {
    for (const statement of writes.statements) await client.query(statement.text, statement.values);
  }

  /** Bulk upserts, then deletes, per table. */
  private encodeWrites(): RowWrites {
    const statements: RowWrites['statements'] = [];
    let rows = 0;
    for (const [table, changes] of this.dirty) {
      if (changes.size === 0) continue;
      const spec = this.spec(table);
      const upserts: Row[] = [];
      const deletes: string[] = [];
      for (const [key, row] of changes) {
        if (row) upserts.push(row);
        else deletes.push(key);
      }
      for (let i = 0; i < upserts.length; i += FLUSH_CHUNK) {
        statements.push({ text: upsertSql(this.schema, spec), values: [encodeRows(spec, upserts.slice(i, i + FLUSH_CHUNK))] });
      }
      for (let i = 0; i < deletes.length; i += FLUSH_CHUNK) {
        statements.push({ text: deleteSql(this.schema, spec), values: [deletes.slice(i, i + FLUSH_CHUNK)] });
      }
      rows += changes.size;
    }
    return { statements, rows };
  }

  /** After a commit: the changes are in the database. */
  markClean(): void {
    for (const d of this.dirty.values()) d.clear();
  }

  /** Drops every clean row once the cache outgrows `maxRows`; from then on misses ask the database. */
  evictIfOver(maxRows: number): void {
    if (this.cached <= maxRows) return;
    if (this.dirtyCount > 0) throw new Error('evictIfOver needs a flushed cache');
    for (const t of this.cache.values()) t.clear();
    this.cached = 0;
    this.complete = false;
  }
}
