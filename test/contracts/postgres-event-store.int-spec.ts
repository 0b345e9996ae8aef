import '../support/timeouts';
import { Client } from 'pg';
import { NewEvent, NO_STREAM, SYSTEM_ACTOR } from '../../domain/kernel';
import { appendToStream, PostgresEventStore } from '../../infra/eventstore';
import { uuidFromName } from '../../infra/ids/ids';
import { FIXED_NOW } from '../support/decider-spec';
import { createTestDatabase, TestDatabase } from '../support/postgres';
import { collect, eventStoreContract, toArray, waitFor } from './event-store.contract';

let db: TestDatabase;
let schemas = 0;

beforeAll(async () => {
  db = await createTestDatabase('strata_pg_store');
});
afterAll(async () => {
  await db.drop();
});

// A fresh schema per test; a small batch size makes every read and catch-up page.
eventStoreContract('postgres', async () => {
  const store = await PostgresEventStore.connect(db.url, { schema: `contract_${++schemas}`, batchSize: 7, pollIntervalMs: 100 });
  return { store, cleanup: () => store.close() };
});

describe('PostgresEventStore', () => {
  let store: PostgresEventStore;
  beforeEach(async () => {
    store = await PostgresEventStore.connect(db.url, { schema: `store_${++schemas}` });
  });
  afterEach(async () => {
    await store.close();
  });

  it('opens every pooled connection on warm() and keeps them past the idle timeout', async () => {
    const url = new URL(db.url);
    url.searchParams.set('application_name', 'strata_warm_test');
    const warmed = await PostgresEventStore.connect(url.toString(), { schema: `warm_${++schemas}`, poolSize: 3 });
    const observer = new Client({ connectionString: db.url });
    await observer.connect();
    const open = async () => (await observer.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'strata_warm_test'`)).rows[0].n as number;
    try {
      await warmed.warm();
      expect(await open()).toBe(6); // writes and reads, 3 each
      await new Promise((r) => setTimeout(r, 10_500)); // node-postgres closes idle connections above `min` after 10 s
      expect(await open()).toBe(6);
    } finally {
      await warmed.close();
      await observer.end();
    }
  });

  it('has no head position while empty', async () => {
    expect(await store.headPosition()).toBeNull();
  });

  it('migrates idempotently, also concurrently, keeping the events', async () => {
    await store.append('server-1', [event('a')], 'any');
    await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
    const again = await PostgresEventStore.connect(db.url, { schema: store.schema.schema });
    try {
      expect((await toArray(again.readStream('server-1'))).map((e) => e.id)).toEqual([uuidFromName('a')]);
    } finally {
      await again.close();
    }
  });

  it('encodes positions as <txid:20>-<sequence:20>, in transaction order', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { position } = await store.append('server-1', [event('a')], 'any');
      expect(position).toMatch(/^\d{20}-\d{20}$/);
      const { rows } = await client.query(`SELECT transaction_id::text AS txid, global_position::text AS seq FROM ${store.schema.events}`);
      expect(position).toBe(`${rows[0].txid.padStart(20, '0')}-${rows[0].seq.padStart(20, '0')}`);
    } finally {
      await client.end();
    }
  });

  it('stores data and metadata as jsonb and versions as bigint', async () => {
    await store.append('server-1', [event('a', { flavor: { vcpus: 2 } })], 'any');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT pg_typeof(data)::text AS data, pg_typeof(metadata)::text AS metadata, pg_typeof(version)::text AS version,
                data->'flavor'->>'vcpus' AS vcpus, metadata->>'requestId' AS request_id FROM ${store.schema.events}`,
      );
      expect(rows).toEqual([{ data: 'jsonb', metadata: 'jsonb', version: 'bigint', vcpus: '2', request_id: 'req-a' }]);
    } finally {
      await client.end();
    }
  });

  it('refuses an append from a transaction older than the last append to the stream, until it is retried', async () => {
    const older = new Client({ connectionString: db.url });
    await older.connect();
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      await store.append('server-1', [event('first')], NO_STREAM);
      // Accepting it would put version 1 before version 0 in $all.
      await expect(appendToStream(older, store.schema, 'server-1', [event('second')], 0n)).rejects.toMatchObject({ code: '40001' });
      await older.query('ROLLBACK');

      await older.query('BEGIN');
      await appendToStream(older, store.schema, 'server-1', [event('second')], 0n);
      await older.query('COMMIT');
    } finally {
      await older.end();
    }
    const all = await toArray(store.readAll());
    expect(all.map((e) => e.version)).toEqual([0n, 1n]);
    expect(all[0].position < all[1].position).toBe(true);
  });

  it('rejects an empty append', async () => {
    await expect(store.append('server-1', [], 'any')).rejects.toThrow(/at least one event/);
  });

  it('rejects a position from another adapter', async () => {
    await expect(toArray(store.readAll({ fromPosition: '00000000000000000001' }))).rejects.toThrow(TypeError);
  });

  it('ends live subscriptions on close', async () => {
    const sub = collect(store.subscribeToAll({}));
    await store.append('server-1', [event('a')], 'any');
    await sub.waitForCount(1);
    await store.close();
    await waitFor(() => sub.ended, 'the subscription to end');
    expect(sub.received).toHaveLength(1);
  });
});

function event(name: string, data: unknown = {}): NewEvent {
  const requestId = `req-${name}`;
  return {
    id: uuidFromName(name),
    type: 'ServerBuildRequested',
    data,
    metadata: { correlationId: requestId, causationId: requestId, requestId, actor: SYSTEM_ACTOR, occurredAt: FIXED_NOW, schemaVersion: 1 },
  };
}
