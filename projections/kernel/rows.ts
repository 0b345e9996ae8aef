import { RecordedEvent } from '../../domain/kernel';
import { ColumnSpec, ReadModelTable, Row, RowAccess, TableIndex } from './projection';

/** Columns every entity row carries: when it was created and last changed, and its stream version (the ETag). */
export type Tracked = {
  created_at: string;
  updated_at: string;
  stream_version: number;
};

export const TRACKED_COLUMNS: Record<keyof Tracked, ColumnSpec> = {
  created_at: { type: 'timestamptz' },
  updated_at: { type: 'timestamptz' },
  stream_version: { type: 'bigint' },
};

type Column<R> = keyof R & string;

/** A table whose columns and indexes are checked against its row type at compile time. */
export function table<R extends Row>(spec: {
  name: string;
  primaryKey: Column<R>;
  columns: Record<Column<R>, ColumnSpec>;
  indexes?: TableIndex<Column<R>>[];
  appendOnly?: boolean;
}): ReadModelTable {
  return spec;
}

export function created(event: RecordedEvent): Tracked {
  return { created_at: event.metadata.occurredAt, updated_at: event.metadata.occurredAt, stream_version: Number(event.version) };
}

export function touched(event: RecordedEvent): Pick<Tracked, 'updated_at' | 'stream_version'> {
  return { updated_at: event.metadata.occurredAt, stream_version: Number(event.version) };
}

/** STYLE §7: a row that already reflects this event of its stream (or a later one) is left alone. */
export function alreadyApplied(row: Tracked | undefined, event: RecordedEvent): boolean {
  return row !== undefined && row.stream_version >= Number(event.version);
}

/** Key of a row that relates two ids (membership, implication): `a|b`. ids never contain '|'. */
export const pairKey = (a: string, b: string): string => `${a}|${b}`;

/**
 * The columns an "only the fields that changed" event sets: each given field (not undefined) under
 * its column name. `null` is a value (cleared), `undefined` means unchanged.
 */
export function changedColumns<D extends object>(data: D, columns: Partial<Record<keyof D & string, string>>): Row {
  const out: Row = {};
  for (const [field, column] of Object.entries(columns) as [keyof D & string, string][]) {
    const value = data[field];
    if (value !== undefined) out[column] = value;
  }
  return out;
}

export function getRow<R extends Row>(rows: RowAccess, tableName: string, key: string): R | undefined {
  return rows.get(tableName, key) as R | undefined;
}
