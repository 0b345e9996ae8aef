import { ColumnType, ReadModelTable, Row } from '../../projections/kernel/projection';
import { columnsOf } from './sql';

export type RowDifference =
  | { kind: 'missing'; table: string; key: string; expected: Row }
  | { kind: 'extra'; table: string; key: string; actual: Row }
  | { kind: 'field'; table: string; key: string; field: string; expected: unknown; actual: unknown };

export type TableRows = Map<string, Map<string, Row>>;

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * One value in a form that compares equal whenever PostgreSQL would store the same thing:
 * instants as ISO 8601 UTC, integers as decimal strings, jsonb with sorted keys.
 */
export function normaliseValue(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'timestamptz': {
      const date = value instanceof Date ? value : new Date(String(value));
      return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
    }
    case 'integer':
    case 'bigint':
      try {
        return BigInt(typeof value === 'number' ? Math.trunc(value) : (value as string | bigint)).toString();
      } catch {
        return String(value);
      }
    case 'double':
      return Number(value);
    case 'boolean':
      return value === true || value === 'true' || value === 't';
    case 'jsonb':
      return canonicalJson(typeof value === 'string' ? safeParse(value) : value);
    case 'text':
      return String(value);
    default: {
      const unknownType: never = type;
      return unknownType;
    }
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Every difference between the rows a fresh fold expects and the rows the database holds. */
export function diffRows(tables: ReadModelTable[], expected: TableRows, actual: TableRows): RowDifference[] {
  const differences: RowDifference[] = [];
  for (const table of tables) {
    const want = expected.get(table.name) ?? new Map<string, Row>();
    const have = actual.get(table.name) ?? new Map<string, Row>();
    const columns = columnsOf(table);
    const keys = [...new Set([...want.keys(), ...have.keys()])].sort();
    for (const key of keys) {
      const e = want.get(key);
      const a = have.get(key);
      if (e && !a) differences.push({ kind: 'missing', table: table.name, key, expected: e });
      else if (a && !e) differences.push({ kind: 'extra', table: table.name, key, actual: a });
      else if (e && a) {
        for (const column of columns) {
          const ev = normaliseValue(column.type, column.name === table.primaryKey ? key : e[column.name]);
          const av = normaliseValue(column.type, a[column.name]);
          if (ev !== av && !(typeof ev === 'number' && typeof av === 'number' && Number.isNaN(ev) && Number.isNaN(av))) {
            differences.push({ kind: 'field', table: table.name, key, field: column.name, expected: e[column.name] ?? null, actual: a[column.name] ?? null });
          }
        }
      }
    }
  }
  return differences;
}

/** One line per difference, for operators. */
export function describeDifference(d: RowDifference): string {
  switch (d.kind) {
    case 'missing':
      return `${d.table}/${d.key}: missing (the log says it exists)`;
    case 'extra':
      return `${d.table}/${d.key}: extra (the log says it does not exist)`;
    case 'field':
      return `${d.table}/${d.key}.${d.field}: expected ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.actual)}`;
  }
}
