import '../support/timeouts';
import { Client } from 'pg';
import { NewEvent, NO_STREAM, SYSTEM_ACTOR } from '../../domain/kernel';
import { appendToStream, PostgresEventStore } from '../../infra/eventstore';
import { uuidFromName } from '../../infra/ids/ids';
import { FIXED_NOW } from '../support/decider-spec';
import { createTestDatabase, TestDatabase } from '../support/postgres';
import { collect, waitFor } from './event-store.contract';

// Wake-ups travel outside the append transaction (a coalesced NOTIFY sent by the appending store
// after its commit). These tests poll so rarely that only a wake-up can deliver in time.

const NO_POLL_MS = 10_000;
/** Well under NO_POLL_MS: a delivery this fast came from a wake-up, not from the fallback poll. */
const PROMPT_MS = 3_000;

let db: TestDatabase;
let schemas = 0;
const stores: PostgresEventStore[] = [];
const clients: Client[] = [];
let controller: AbortController;

beforeAll(async () => {
  db = await createTestDatabase('strata_pg_wakeups');
});
afterAll(async () => {
  await db.drop();
});
beforeEach(() => {
  controller = new AbortController();
});
afterEach(async () => {
  controller.abort();
  await Promise.all(clients.splice(0).map((c) => c.end()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function connectStore(schema: string, options: ConstructorParameters<typeof PostgresEventStore>[1] = {}) {
  const store = await PostgresEventStore.connect(db.url, { schema, pollIntervalMs: NO_POLL_MS, ...options });
  stores.push(store);
  return store;
}

const reads = new WeakMap<PostgresEventStore, number>();
/** How many reads the store's subscriptions have made. */
const readsOf = (store: PostgresEventStore) => reads.get(store) ?? 0;

/** A store whose subscriptions' reads are counted. */
async function subscriberStore(schema: string) {
  const store: PostgresEventStore = await connectStore(schema, {
    onSubscriptionPoll: () => reads.set(store, readsOf(store) + 1),
  });
  return store;
}

/** A live subscription that has made its first read, so it is listening. */
async function subscribe(store: PostgresEventStore) {
  const sub = collect(store.subscribeToAll({ signal: controller.signal }));
  await waitFor(() => readsOf(store) > 0, 'the first read');
  return sub;
}

function event(name: string): NewEvent {
  const requestId = `req-${name}`;
  return {
    id: uuidFromName(name),
    type: 'ServerBuildRequested',
    data: { name },
    metadata: { correlationId: requestId, causationId: requestId, requestId, actor: SYSTEM_ACTOR, occurredAt: FIXED_NOW, schemaVersion: 1 },
  };
}

describe('PostgreSQL wake-ups', () => {
  it('wakes a subscriber in another store instance promptly after each append, without the fallback poll', async () => {
    const schema = `wake_${++schemas}`;
    const writer = await connectStore(schema);
    const reader = await subscriberStore(schema);
    const sub = await subscribe(reader);

    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      await writer.append(`server-${i}`, [event(`other-${i}`)], NO_STREAM);
      await sub.waitForCount(i + 1, PROMPT_MS);
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
    }
    expect(sub.received.map((e) => e.id)).toEqual([0, 1, 2, 3, 4].map((i) => uuidFromName(`other-${i}`)));
  });

  it('loses no wake-up when concurrent appends share a coalesced NOTIFY: the last append is delivered too', async () => {
    const schema = `wake_${++schemas}`;
    const writer = await connectStore(schema, { poolSize: 10 });
    const reader = await subscriberStore(schema);
    const sub = await subscribe(reader);

    const WRITERS = 8;
    const PER_WRITER = 25;
    for (let burst = 0; burst < 3; burst++) {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < PER_WRITER; i++) await writer.append(`server-${w}`, [event(`b${burst}-w${w}-${i}`)], 'any');
        }),
      );
      // Nothing else happens after the burst: only a NOTIFY sent after the last commit can deliver it.
      await sub.waitForCount((burst + 1) * WRITERS * PER_WRITER, PROMPT_MS);
    }
    expect(new Set(sub.received.map((e) => e.id)).size).toBe(3 * WRITERS * PER_WRITER);
  });

  it('wakes its own subscribers directly', async () => {
    const store = await subscriberStore(`wake_${++schemas}`);
    const sub = await subscribe(store);
    await store.append('server-1', [event('own')], NO_STREAM);
    await sub.waitForCount(1, PROMPT_MS);
  });

  it("wakes subscribers elsewhere when an append in a caller's transaction commits, not before", async () => {
    const schema = `wake_${++schemas}`;
    const writer = await connectStore(schema);
    const reader = await subscriberStore(schema);
    const sub = await subscribe(reader);

    const client = new Client({ connectionString: db.url });
    await client.connect();
    clients.push(client);
    await client.query('BEGIN');
    await appendToStream(client, writer.schema, 'server-1', [event('in-tx')], NO_STREAM);
    const before = readsOf(reader);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The NOTIFY is queued in the transaction: nothing is sent, so the subscriber does not even read.
    expect(readsOf(reader)).toBe(before);
    await client.query('COMMIT');
    await sub.waitForCount(1, PROMPT_MS);
    expect(sub.received.map((e) => e.id)).toEqual([uuidFromName('in-tx')]);
  });

  it("does not wake anyone for an append in a caller's transaction that rolls back", async () => {
    const schema = `wake_${++schemas}`;
    const writer = await connectStore(schema);
    const reader = await subscriberStore(schema);
    const sub = await subscribe(reader);

    const client = new Client({ connectionString: db.url });
    await client.connect();
    clients.push(client);
    await client.query('BEGIN');
    await appendToStream(client, writer.schema, 'server-1', [event('rolled-back')], NO_STREAM);
    const before = readsOf(reader);
    await client.query('ROLLBACK');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(readsOf(reader)).toBe(before);
    expect(sub.received).toEqual([]);
  });

  it('serves twenty live subscriptions of one store from one read per wake-up, each with its own filter', async () => {
    const schema = `wake_${++schemas}`;
    const writer = await connectStore(schema);
    const reader = await subscriberStore(schema);
    await writer.append('flavor-0', [event('history')], NO_STREAM);
    const subs = Array.from({ length: 20 }, (_, i) =>
      collect(reader.subscribeToAll({ signal: controller.signal, filter: i % 2 === 0 ? { streamPrefixes: ['server-'] } : { eventTypes: ['ServerBuildRequested'] } })),
    );
    // Odd subscriptions take every ServerBuildRequested, the history event included.
    await Promise.all(subs.filter((_, i) => i % 2 === 1).map((s) => s.waitForCount(1, PROMPT_MS)));
    // Caught up: give every subscription time to turn live on the shared tail.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const before = readsOf(reader);
    for (let i = 0; i < 5; i++) {
      await writer.append(`server-${i}`, [event(`live-${i}`)], NO_STREAM);
      await Promise.all(subs.map((s, j) => s.waitForCount(j % 2 === 0 ? i + 1 : i + 2, PROMPT_MS)));
    }
    // Twenty subscriptions reading for themselves would make at least 100 reads.
    expect(readsOf(reader) - before).toBeLessThanOrEqual(15);
    for (const [j, s] of subs.entries()) {
      const expected = [...(j % 2 === 0 ? [] : ['history']), ...[0, 1, 2, 3, 4].map((i) => `live-${i}`)];
      expect(s.received.map((e) => e.id)).toEqual(expected.map((n) => uuidFromName(n)));
    }
  });

  it('a live subscription that falls behind the shared tail reads for itself and misses nothing', async () => {
    const schema = `wake_${++schemas}`;
    const writer = await connectStore(schema);
    const reader = await connectStore(schema, { liveTailRows: 10, batchSize: 5 });
    const fast = collect(reader.subscribeToAll({ signal: controller.signal }));
    const names: string[] = [];
    let slowReceived = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = (async () => {
      const got: string[] = [];
      for await (const e of reader.subscribeToAll({ signal: controller.signal })) {
        got.push(e.id);
        if (++slowReceived === 1) await gate; // stuck on its first event while 60 more arrive
        if (got.length === 61) return got;
      }
      return got;
    })();
    for (let i = 0; i < 61; i++) {
      names.push(`lag-${i}`);
      await writer.append(`server-${i}`, [event(`lag-${i}`)], NO_STREAM);
      if (i === 0) await fast.waitForCount(1, PROMPT_MS);
    }
    await fast.waitForCount(61, PROMPT_MS);
    release();
    expect(await slow).toEqual(names.map((n) => uuidFromName(n)));
    expect(fast.received.map((e) => e.id)).toEqual(names.map((n) => uuidFromName(n)));
  });
});
