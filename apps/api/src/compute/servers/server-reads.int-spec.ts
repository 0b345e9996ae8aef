import '../../../../../test/support/timeouts';
import { Pool } from 'pg';
import { columnsOf, createTableSql } from '../../../../../infra/projections/sql';
import { computeServersProjection } from '../../../../../projections/compute/servers';
import { createTestDatabase, TestDatabase } from '../../../../../test/support/postgres';
import { ComputeReadModel } from '../compute-read-model';
import { ServerListQuery, ServerReads } from './server-reads';

// Pages after a marker are read from the marker on, in SQL (keyset on the sort key and the id):
// every sort key, both directions, with ties and nulls, must page through exactly the full list.

const SORT_KEYS: ServerListQuery['sortKey'][] = ['created_at', 'updated_at', 'display_name', 'launched_at', 'host', 'vm_state', 'task_state', 'uuid'];
const PROJECT = 'project-a';

let db: TestDatabase;
let pool: Pool;
let reads: ServerReads;

/** A complete row of every column's type, then the fields a test cares about. */
function row(fields: Record<string, unknown>): Record<string, unknown> {
  const table = computeServersProjection.tables[0];
  const filled: Record<string, unknown> = {};
  for (const c of columnsOf(table)) {
    filled[c.name] = c.nullable ? null : { text: 'x', integer: 0, bigint: 1, boolean: false, jsonb: {}, timestamptz: '2026-01-01T00:00:00Z', double: 0 }[c.type as string];
  }
  return { ...filled, project_id: PROJECT, deleted: false, ...fields };
}

beforeAll(async () => {
  db = await createTestDatabase('strata_server_reads');
  pool = new Pool({ connectionString: db.url, max: 2 });
  await pool.query('CREATE SCHEMA rm');
  await pool.query(createTableSql('rm', computeServersProjection.tables[0]));
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < 17; i++) {
    rows.push(
      row({
        // Ids out of creation order, so the id tie-break is not the creation order.
        id: `00000000-0000-4000-8000-${String((i * 7919) % 1000).padStart(12, '0')}`,
        name: `vm-${i % 5}`,
        // Four share a creation time; updates tie in threes.
        created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, Math.max(0, i - 3))).toISOString(),
        updated_at: new Date(Date.UTC(2026, 0, 2, 0, 0, Math.floor(i / 3))).toISOString(),
        launched_at: i % 4 === 0 ? null : new Date(Date.UTC(2026, 0, 3, 0, 0, i % 6)).toISOString(),
        host: i % 3 === 0 ? null : `host-${i % 2}`,
        vm_state: ['active', 'building', 'stopped'][i % 3],
        task_state: i % 5 === 0 ? 'spawning' : null,
      }),
    );
  }
  rows.push(row({ id: '00000000-0000-4000-8000-999999999991', project_id: 'project-b' }));
  rows.push(row({ id: '00000000-0000-4000-8000-999999999992', deleted: true }));
  for (const r of rows) await pool.query('INSERT INTO rm.compute_servers SELECT * FROM jsonb_populate_record(NULL::rm.compute_servers, $1::jsonb)', [JSON.stringify(r)]);
  reads = new ServerReads({} as ComputeReadModel).over({ query: async (sql, params) => (await pool.query(sql, params)).rows });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

async function pageThrough(q: ServerListQuery, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await reads.servers({ ...q, limit, ...(after ? { after } : {}) });
    seen.push(...ids(page));
    if (page.length < limit) return seen;
    after = page[page.length - 1].id;
  }
  throw new Error('no end of the list after 100 pages');
}

describe('ServerReads paging after a marker', () => {
  for (const sortKey of SORT_KEYS) {
    for (const sortDir of ['asc', 'desc'] as const) {
      it(`pages through the whole list by ${sortKey} ${sortDir}, ties and nulls included`, async () => {
        const q: ServerListQuery = { projectId: PROJECT, deleted: 'no', sortKey, sortDir };
        const full = ids(await reads.servers(q));
        expect(full).toHaveLength(17);
        expect(await pageThrough(q, 3)).toEqual(full);
        expect(await pageThrough(q, 1)).toEqual(full);
      });
    }
  }

  it('pages a filtered list, and knows which markers are in it', async () => {
    const q: ServerListQuery = { projectId: PROJECT, deleted: 'no', host: 'host-1', sortKey: 'created_at', sortDir: 'desc' };
    const full = ids(await reads.servers(q));
    expect(full.length).toBeGreaterThan(3);
    expect(await pageThrough(q, 2)).toEqual(full);
    expect(await reads.inList(q, full[1])).toBe(true);
    const elsewhere = ids(await reads.servers({ ...q, host: 'host-0' }))[0];
    expect(await reads.inList(q, elsewhere)).toBe(false);
    expect(await reads.inList(q, '00000000-0000-4000-8000-999999999991')).toBe(false); // another project's
    expect(await reads.inList(q, '00000000-0000-4000-8000-999999999992')).toBe(false); // deleted
  });
});
