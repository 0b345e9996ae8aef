import { ReadModelTable, Row } from '../../projections/kernel/projection';
import { describeDifference, diffRows, normaliseValue } from './diff';

const table: ReadModelTable = {
  name: 'servers',
  primaryKey: 'id',
  columns: {
    id: { type: 'text' },
    name: { type: 'text' },
    size: { type: 'bigint' },
    count: { type: 'integer' },
    ratio: { type: 'double' },
    enabled: { type: 'boolean' },
    metadata: { type: 'jsonb' },
    created_at: { type: 'timestamptz' },
    host: { type: 'text', nullable: true },
  },
};

const rows = (...list: Row[]) => new Map([[table.name, new Map(list.map((r) => [String(r.id), r]))]]);

const row: Row = { id: 'a', name: 'vm', size: 10, count: 1, ratio: 1.5, enabled: true, metadata: { b: 1, a: [1, 2] }, created_at: '2026-01-01T00:00:00Z', host: null };

describe('diffRows', () => {
  it('treats equal data in database shapes as equal', () => {
    const fromDatabase: Row = { ...row, size: '10', metadata: { a: [1, 2], b: 1 }, created_at: new Date('2026-01-01T00:00:00.000Z'), host: undefined };
    expect(diffRows([table], rows(row), rows(fromDatabase))).toEqual([]);
  });

  it('reports a missing row, an extra row and a changed field', () => {
    const expected = rows(row, { ...row, id: 'b' });
    const actual = rows({ ...row, name: 'renamed' }, { ...row, id: 'c' });
    const differences = diffRows([table], expected, actual);
    expect(differences).toEqual([
      { kind: 'field', table: 'servers', key: 'a', field: 'name', expected: 'vm', actual: 'renamed' },
      { kind: 'missing', table: 'servers', key: 'b', expected: { ...row, id: 'b' } },
      { kind: 'extra', table: 'servers', key: 'c', actual: { ...row, id: 'c' } },
    ]);
    expect(differences.map(describeDifference)).toEqual([
      'servers/a.name: expected "vm", found "renamed"',
      'servers/b: missing (the log says it exists)',
      'servers/c: extra (the log says it does not exist)',
    ]);
  });

  it('sees a changed jsonb value, a shifted instant and null against a value', () => {
    const actual = rows({ ...row, metadata: { a: [2, 1], b: 1 }, created_at: '2026-01-01T00:00:01Z', host: 'compute-1' });
    expect(diffRows([table], rows(row), actual).map((d) => (d.kind === 'field' ? d.field : d.kind))).toEqual(['metadata', 'created_at', 'host']);
  });
});

describe('normaliseValue', () => {
  it('keeps bigints exact beyond 2^53', () => {
    expect(normaliseValue('bigint', '9007199254740993')).toBe('9007199254740993');
    expect(normaliseValue('bigint', 9007199254740993n)).toBe('9007199254740993');
  });
  it('normalises instants to UTC ISO strings', () => {
    expect(normaliseValue('timestamptz', '2026-01-01T01:00:00+01:00')).toBe('2026-01-01T00:00:00.000Z');
  });
});
