import { ColumnType, indexColumns, Projection, ReadModelTable, Row } from '../../projections/kernel/projection';
import { jsonSourceOf } from '../persistence/json-source';

/** Schema of the stable views the API reads: `rm.<table>` always shows the active generation. */
export const READ_SCHEMA = 'rm';

const IDENTIFIER = /^[a-z][a-z0-9_]{0,47}$/;

const PG_TYPES: Record<ColumnType, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  boolean: 'boolean',
  timestamptz: 'timestamptz',
  jsonb: 'jsonb',
  double: 'double precision',
};

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function generationSchema(projection: string, generation: number): string {
  return `rm_${projection}_g${generation}`;
}

/** A table's columns with the primary key first, as stored: the key is always text. */
export function columnsOf(table: ReadModelTable): Array<{ name: string; type: ColumnType; nullable: boolean; collate?: 'C' }> {
  const key = table.columns[table.primaryKey];
  const rest = Object.entries(table.columns)
    .filter(([name]) => name !== table.primaryKey)
    .map(([name, spec]) => ({ name, type: spec.type, nullable: spec.nullable ?? false, collate: spec.collate }));
  return [{ name: table.primaryKey, type: key?.type ?? 'text', nullable: false, collate: key?.collate }, ...rest];
}

/** Names are spliced into SQL (quoted), and views of every projection share the `rm` schema. */
export function validateProjections(projections: Projection[]): void {
  const owners = new Map<string, string>();
  const names = new Set<string>();
  for (const p of projections) {
    if (!IDENTIFIER.test(p.name)) throw new TypeError(`Invalid projection name ${JSON.stringify(p.name)}: use lower-case letters, digits and _`);
    if (names.has(p.name)) throw new TypeError(`Projection ${p.name} is registered twice`);
    names.add(p.name);
    if (!Number.isInteger(p.version) || p.version < 1) throw new TypeError(`Projection ${p.name} has an invalid version ${p.version}`);
    for (const t of p.tables) {
      if (!IDENTIFIER.test(t.name)) throw new TypeError(`Invalid table name ${JSON.stringify(t.name)} in projection ${p.name}`);
      const owner = owners.get(t.name);
      if (owner) throw new TypeError(`Tables of ${owner} and ${p.name} both define rm.${t.name}`);
      owners.set(t.name, p.name);
      const key = t.columns[t.primaryKey];
      if (key && key.type !== 'text') throw new TypeError(`Primary key ${p.name}.${t.name}.${t.primaryKey} must be text`);
      for (const c of columnsOf(t)) {
        if (!IDENTIFIER.test(c.name)) throw new TypeError(`Invalid column name ${JSON.stringify(c.name)} in ${p.name}.${t.name}`);
        if (c.collate !== undefined && (c.collate !== 'C' || c.type !== 'text')) throw new TypeError(`Column ${p.name}.${t.name}.${c.name}: only a text column may be collated, and only as "C"`);
      }
      for (const index of t.indexes ?? []) {
        for (const c of indexColumns(index)) if (!(c in t.columns) && c !== t.primaryKey) throw new TypeError(`Index on unknown column ${p.name}.${t.name}.${c}`);
      }
    }
  }
}

export function createTableSql(schema: string, table: ReadModelTable): string {
  const columns = columnsOf(table).map((c) => `${quoteIdent(c.name)} ${PG_TYPES[c.type]}${c.collate ? ` COLLATE "${c.collate}"` : ''}${c.nullable ? '' : ' NOT NULL'}`);
  return `CREATE TABLE ${quoteIdent(schema)}.${quoteIdent(table.name)} (${columns.join(', ')}, PRIMARY KEY (${quoteIdent(table.primaryKey)}))`;
}

export function createIndexSql(schema: string, table: ReadModelTable): string[] {
  return (table.indexes ?? []).map((index, i) => {
    const columns = indexColumns(index);
    const where = Array.isArray(index) ? '' : ` WHERE ${quoteIdent(columns[0])} IS NOT NULL`;
    return `CREATE INDEX ${quoteIdent(`${table.name}_ix${i + 1}`)} ON ${quoteIdent(schema)}.${quoteIdent(table.name)} (${columns.map(quoteIdent).join(', ')})${where}`;
  });
}

/**
 * One statement upserts any number of rows: they travel as one jsonb array parameter (`param`)
 * and `jsonb_to_recordset` types them, so a flush is one round trip per table and chunk. With a
 * `guard` (an SQL condition), no row is written unless it holds.
 */
export function upsertSql(schema: string, table: ReadModelTable, param = '$1', guard = ''): string {
  const columns = columnsOf(table);
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const record = columns.map((c) => `${quoteIdent(c.name)} ${PG_TYPES[c.type]}`).join(', ');
  const updates = columns
    .filter((c) => c.name !== table.primaryKey)
    .map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`);
  const onConflict = updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
  return `INSERT INTO ${quoteIdent(schema)}.${quoteIdent(table.name)} (${list})
    SELECT ${list} FROM jsonb_to_recordset(${param}::jsonb) AS r(${record})${guard ? ` WHERE ${guard}` : ''}
    ON CONFLICT (${quoteIdent(table.primaryKey)}) ${onConflict}`;
}

/** The rows of `table` given as one jsonb array parameter (`param`, e.g. `$3`), typed as the table's columns. */
export function recordsetSql(table: ReadModelTable, param: string): string {
  const columns = columnsOf(table);
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const record = columns.map((c) => `${quoteIdent(c.name)} ${PG_TYPES[c.type]}`).join(', ');
  return `SELECT ${list} FROM jsonb_to_recordset(${param}::jsonb) AS r(${record})`;
}

export function deleteSql(schema: string, table: ReadModelTable, param = '$1', guard = ''): string {
  return `DELETE FROM ${quoteIdent(schema)}.${quoteIdent(table.name)} WHERE ${quoteIdent(table.primaryKey)} = ANY (${param}::text[])${guard ? ` AND ${guard}` : ''}`;
}

export function selectByKeysSql(schema: string, table: ReadModelTable): string {
  return `SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(table.name)} WHERE ${quoteIdent(table.primaryKey)} = ANY ($1::text[])`;
}

/** Every key of the table, as column `key`. */
export function selectKeysSql(schema: string, table: ReadModelTable): string {
  return `SELECT ${quoteIdent(table.primaryKey)} AS key FROM ${quoteIdent(schema)}.${quoteIdent(table.name)}`;
}

export function selectAllSql(schema: string, table: ReadModelTable): string {
  return `SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(table.name)}`;
}

/** `COPY ... FROM STDIN` (text format) into a table, columns in `columnsOf` order: how a fresh generation loads rows it knows are new. */
export function copySql(schema: string, table: ReadModelTable): string {
  const list = columnsOf(table)
    .map((c) => quoteIdent(c.name))
    .join(', ');
  return `COPY ${quoteIdent(schema)}.${quoteIdent(table.name)} (${list}) FROM STDIN`;
}

/** COPY's text format: backslash, tab, newline and carriage return escaped; `\N` is null. */
const COPY_SPECIAL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const copyText = (s: string): string => (NEEDS_ESCAPE.test(s) ? s.replace(COPY_SPECIAL, (c) => COPY_ESCAPES[c]) : s);

/** JSON text in COPY's text format: it never holds a raw tab, newline or carriage return (JSON escapes them), so only backslashes need escaping. */
const copyJson = (s: string): string => (s.indexOf('\\') < 0 ? s : s.replace(/\\/g, '\\\\'));

/** JSON with bigints (nested in jsonb values) as decimal strings. */
function jsonText(value: unknown): string {
  try {
    // A replacer would call back for every value; only bigints nested in jsonb need it.
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

/**
 * Rows as COPY text-format lines, typed as `encodeRows` types them for `jsonb_to_recordset`:
 * the same values land in the same columns whichever way a row is written.
 */
export function encodeCopyRows(table: ReadModelTable, rows: Row[]): string {
  const columns = columnsOf(table);
  const names = columns.map((c) => c.name);
  const json = columns.map((c) => c.type === 'jsonb');
  const last = columns.length - 1;
  // One growing string (V8 ropes it): measured faster than lines joined, or fields joined.
  let out = '';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let i = 0; i <= last; i++) {
      const value = row[names[i]];
      let field: string;
      if (value === null || value === undefined) field = '\\N';
      else if (json[i] || typeof value === 'object') field = copyJson(jsonSourceOf(value) ?? jsonText(value));
      else if (typeof value === 'string') field = copyText(value);
      // Numbers and booleans as JSON writes them ('true' is a boolean's input too); NaN and ±Infinity, which JSON makes null, too.
      else if (typeof value === 'number' && !Number.isFinite(value)) field = '\\N';
      else field = String(value);
      out += i === last ? `${field}\n` : `${field}\t`;
    }
  }
  return out;
}

/** Serialises rows for `jsonb_to_recordset`: bigint as text, Date as ISO 8601, missing as null. */
export function encodeRows(table: ReadModelTable, rows: Row[]): string {
  const columns = columnsOf(table);
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const c of columns) {
      const value = row[c.name];
      record[c.name] = value === undefined ? null : c.name === table.primaryKey ? String(value) : typeof value === 'bigint' ? value.toString() : value;
    }
    return record;
  });
  return jsonText(records);
}

/**
 * Rows read back from PostgreSQL in the shape a projection writes them: timestamptz as an ISO
 * 8601 string, bigint as a number (counts and sizes stay far below 2^53), jsonb as parsed JSON.
 */
export function decodeRow(table: ReadModelTable, raw: Record<string, unknown>): Row {
  const row: Row = {};
  for (const c of columnsOf(table)) {
    const value = raw[c.name];
    if (value === null || value === undefined) row[c.name] = null;
    else if (c.type === 'timestamptz') row[c.name] = value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
    else if (c.type === 'bigint') row[c.name] = Number(value);
    else if (c.type === 'double') row[c.name] = Number(value);
    else row[c.name] = value;
  }
  return row;
}
