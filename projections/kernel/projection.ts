import { RecordedEvent } from '../../domain/kernel';

/**
 * Column types a read-model table may use; the engine maps them to PostgreSQL types. Row values
 * are plain JSON: text as string, integer/bigint/double as number, boolean, timestamptz as an
 * ISO 8601 string, jsonb as any JSON value. Rows read back from PostgreSQL come in that shape.
 */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'boolean' | 'timestamptz' | 'jsonb' | 'double';

export interface ColumnSpec {
  type: ColumnType;
  /** Columns are NOT NULL unless marked nullable. */
  nullable?: boolean;
  /**
   * 'C' (text only): compared byte by byte, whatever the database's collation. For identifiers
   * (uuids, log positions, type names), whose order is their bytes' anyway: a language's collation
   * makes sorting and indexing them several times slower.
   */
  collate?: 'C';
}

/**
 * A secondary index: its columns, or its columns and `whereNotNull`, which leaves out the rows
 * whose first column is null (smaller and quicker to build; it still serves equality on that column).
 */
export type TableIndex<Column extends string = string> = Column[] | { columns: Column[]; whereNotNull: true };

export function indexColumns(index: TableIndex): string[] {
  return Array.isArray(index) ? index : index.columns;
}

export interface ReadModelTable {
  /** Table name inside the projection's schema (snake_case). */
  name: string;
  /** Primary key column; always text (a uuid or a composite key string). */
  primaryKey: string;
  columns: Record<string, ColumnSpec>;
  /** Secondary indexes. */
  indexes?: TableIndex[];
  /**
   * Each row is put once, by the one event it records, and never read, changed or deleted by
   * `apply` (the audit trail's rows). The engine then keeps no copy of it once written, and a
   * rebuild loads these rows with COPY instead of upserting them.
   */
  appendOnly?: boolean;
}

export type Row = Record<string, unknown>;

/** A reference to one row: the engine preloads every row an event names before applying it. */
export interface RowRef {
  table: string;
  key: string;
}

/**
 * In-memory view of the rows of one batch. Writes are flushed with the checkpoint in one transaction.
 * `get` may only ask for rows that `rowsFor` named (the engine preloads exactly those); a changed
 * row must be `put` back, since changes to an object the engine handed out are not tracked.
 */
export interface RowAccess {
  get(table: string, key: string): Row | undefined;
  put(table: string, row: Row): void;
  delete(table: string, key: string): void;
}

/**
 * A projection is pure: `rowsFor` names the rows an event touches, `apply` changes them.
 * No I/O, no clock: everything comes from the event. This is what lets the engine batch
 * (rebuild at tens of thousands of events/s), and what lets `verify` fold the log afresh
 * into memory and compare with the live tables.
 */
export interface Projection {
  name: string;
  /** Bump when the mapping or the tables change: the next start rebuilds into a new schema. */
  version: number;
  tables: ReadModelTable[];
  /** Event types this projection handles; the engine reads only these. */
  eventTypes: string[];
  /** Handles every event of the log, whatever its type (`eventTypes` is then ignored): the audit trail. */
  allEvents?: boolean;
  rowsFor(event: RecordedEvent): RowRef[];
  apply(event: RecordedEvent, rows: RowAccess): void;
}

/** Rows held in memory: used by the in-memory engine, by tests and by `verify`. */
export class MemoryRows implements RowAccess {
  readonly tables = new Map<string, Map<string, Row>>();
  /** Each table's spec, found once: folds (verify, time travel) call get and put for every event. */
  private readonly specs = new Map<string, ReadModelTable>();

  constructor(projection: Pick<Projection, 'tables'>) {
    for (const t of projection.tables) {
      this.tables.set(t.name, new Map());
      this.specs.set(t.name, t);
    }
  }

  private spec(table: string): ReadModelTable {
    const spec = this.specs.get(table);
    if (!spec) throw new Error(`Unknown read-model table ${table}`);
    return spec;
  }

  get(table: string, key: string): Row | undefined {
    if (this.spec(table).appendOnly) throw new Error(`${table} is append-only: apply may not read it`);
    return this.tables.get(table)!.get(key);
  }

  put(table: string, row: Row): void {
    const key = String(row[this.spec(table).primaryKey]);
    this.tables.get(table)!.set(key, row);
  }

  delete(table: string, key: string): void {
    if (this.spec(table).appendOnly) throw new Error(`${table} is append-only: apply may not delete from it`);
    this.tables.get(table)!.delete(key);
  }
}

/** Which event types a projection applies. */
export interface HandledTypes {
  has(type: string): boolean;
}

const EVERY_TYPE: HandledTypes = { has: () => true };

export function handledTypes(projection: Pick<Projection, 'eventTypes' | 'allEvents'>): HandledTypes {
  return projection.allEvents ? EVERY_TYPE : new Set(projection.eventTypes);
}

/** The `readAll` filter that reads what a projection handles; `undefined` reads everything. */
export function eventTypeFilter(projection: Pick<Projection, 'eventTypes' | 'allEvents'>): { eventTypes: string[] } | undefined {
  return projection.allEvents ? undefined : { eventTypes: projection.eventTypes };
}

/** True when a projection handles no event at all (its tables stay empty). */
export function handlesNothing(projection: Pick<Projection, 'eventTypes' | 'allEvents'>): boolean {
  return !projection.allEvents && projection.eventTypes.length === 0;
}

/** Folds events through a projection entirely in memory. */
export function projectInMemory(projection: Projection, events: Iterable<RecordedEvent>, rows = new MemoryRows(projection)): MemoryRows {
  const handled = handledTypes(projection);
  for (const e of events) if (handled.has(e.type)) projection.apply(e, rows);
  return rows;
}
