import { EventStore, ReadAllOptions, RecordedEvent } from '../../domain/kernel';
import { ALL_PROJECTIONS } from '../../projections';
import { seedLongServer } from '../../test/bench/audit-latency';
import { createTestDatabase, TestDatabase } from '../../test/support/postgres';
import { InMemoryEventStore } from '../eventstore/in-memory/in-memory-event-store';
import { parseAsOf } from './as-of';
import { TimeTravel } from './time-travel';

/** Counts the whole-log reads, to tell a cached fold from a fresh one. */
class CountingStore extends InMemoryEventStore {
  readAlls = 0;
  override readAll(opts?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    this.readAlls++;
    return super.readAll(opts);
  }
}

describe('TimeTravel (read models at a past instant, over PostgreSQL queries)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('strata_time_travel');
  });
  afterAll(async () => {
    await db.drop();
  });

  it("answers the usual SQL over the folded rows: WITH, WITH RECURSIVE, a table named twice, other tables left live", async () => {
    const store = new CountingStore();
    const { serverId, times } = await seedLongServer(store, 20, Date.parse('2026-01-01T00:00:00Z'));
    const travel = new TimeTravel(store as EventStore, db.url, ALL_PROJECTIONS);
    try {
      const at = parseAsOf(times[5]);
      const rows = await travel.at(at, ['compute_servers'], async (rm) => ({
        plain: await rm.query<{ name: string }>('SELECT name FROM rm.compute_servers WHERE id = $1', [serverId]),
        withs: await rm.query<{ n: string }>('WITH x AS (SELECT id FROM rm.compute_servers) SELECT count(*) AS n FROM x JOIN rm.compute_servers s ON s.id = x.id'),
        recursive: await rm.query<{ n: number }>('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT max(n) AS n FROM r, rm.compute_servers'),
        live: await rm.query<{ ok: number }>('SELECT 1 AS ok'),
      }));
      expect(rows.plain).toEqual([{ name: 'long-5' }]);
      expect(rows.withs).toEqual([{ n: '1' }]);
      expect(rows.recursive).toEqual([{ n: 3 }]);
      expect(rows.live).toEqual([{ ok: 1 }]);
      expect(travel.last).toEqual({ eventsFolded: 6, rows: 1 });
    } finally {
      await travel.close();
    }
  });

  it('keeps the fold of a settled instant for the next read at it, and refolds a recent one', async () => {
    const store = new CountingStore();
    const { times } = await seedLongServer(store, 10, Date.parse('2026-01-01T00:00:00Z'));
    const travel = new TimeTravel(store as EventStore, db.url, ALL_PROJECTIONS);
    const names = (asOf: string) => travel.at(parseAsOf(asOf), ['compute_servers'], (rm) => rm.query<{ name: string }>('SELECT name FROM rm.compute_servers'));
    try {
      expect(await names(times[3])).toEqual([{ name: 'long-3' }]);
      expect(await names(times[3])).toEqual([{ name: 'long-3' }]);
      expect(store.readAlls).toBe(1);
      expect(await names(times[7])).toEqual([{ name: 'long-7' }]);
      expect(store.readAlls).toBe(2);
      const recent = new Date(Date.now() - 1_000).toISOString();
      await names(recent);
      await names(recent);
      expect(store.readAlls).toBe(4);
    } finally {
      await travel.close();
    }
  });
});
