import '../support/timeouts';
import { Client } from 'pg';
import { NewEvent, NO_STREAM, SYSTEM_ACTOR } from '../../domain/kernel';
import { appendToStream, parsePosition, PostgresEventStore } from '../../infra/eventstore';
import { uuidFromName } from '../../infra/ids/ids';
import { FIXED_NOW } from '../support/decider-spec';
import { createTestDatabase, TestDatabase } from '../support/postgres';
import { collect, expectStrictlyIncreasing, toArray, waitFor } from './event-store.contract';

// DESIGN.md: "a subscriber past position P never later sees an event below P, even when
// concurrent transactions commit out of order".

let db: TestDatabase;
let schemas = 0;
const clients: Client[] = [];
const stores: PostgresEventStore[] = [];
let controller: AbortController;

beforeAll(async () => {
  db = await createTestDatabase('strata_gap_safety');
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

async function connectStore(options: ConstructorParameters<typeof PostgresEventStore>[1] = {}) {
  const store = await PostgresEventStore.connect(db.url, { schema: `gap_${++schemas}`, ...options });
  stores.push(store);
  return store;
}

async function connectClient(): Promise<Client> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  clients.push(client);
  return client;
}

function event(name: string, type = 'ServerBuildRequested'): NewEvent {
  const requestId = `req-${name}`;
  return {
    id: uuidFromName(name),
    type,
    data: { name },
    metadata: { correlationId: requestId, causationId: requestId, requestId, actor: SYSTEM_ACTOR, occurredAt: FIXED_NOW, schemaVersion: 1 },
  };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('PostgreSQL global order under concurrent writers', () => {
  it('delivers 2,000 events from 8 concurrent writers exactly once, in strictly increasing position', async () => {
    const WRITERS = 8;
    const PER_WRITER = 250;
    const STREAMS = 20;
    const store = await connectStore({ poolSize: WRITERS + 4 });
    const first = collect(store.subscribeToAll({ signal: controller.signal }));
    // A second subscriber resumes from a checkpoint taken while the writers are (most likely) still busy.
    const resuming = first
      .waitForCount(500, 30_000)
      .then(() => collect(store.subscribeToAll({ fromPosition: first.received[499].position, signal: controller.signal })));

    const appended: string[] = [];
    const writer = async (w: number) => {
      const next = random(w + 1);
      // Odd writers hold their transaction open a little after appending, so commits land out of txid order.
      const client = w % 2 === 1 ? await connectClient() : undefined;
      for (let written = 0, batch = 0; written < PER_WRITER; batch++) {
        const size = Math.min(1 + Math.floor(next() * 4), PER_WRITER - written);
        const events = Array.from({ length: size }, (_, i) => event(`w${w}-b${batch}-e${i}`));
        const stream = `server-${Math.floor(next() * STREAMS)}`;
        if (client) {
          await client.query('BEGIN');
          await appendToStream(client, store.schema, stream, events, 'any');
          await client.query('SELECT pg_sleep($1)', [next() * 0.005]);
          await client.query('COMMIT');
        } else {
          await store.append(stream, events, 'any');
        }
        appended.push(...events.map((e) => e.id));
        written += size;
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    const total = WRITERS * PER_WRITER;

    await first.waitForCount(total, 30_000);
    const ids = first.received.map((e) => e.id);
    expect(first.received).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect([...ids].sort()).toEqual([...appended].sort());
    expectStrictlyIncreasing(first.received.map((e) => e.position));

    // Each stream's events arrive in version order with no hole.
    const versions = new Map<string, bigint>();
    for (const e of first.received) {
      expect(e.version).toBe((versions.get(e.stream) ?? -1n) + 1n);
      versions.set(e.stream, e.version);
    }

    const resumed = await resuming;
    await resumed.waitForCount(total - 500, 30_000);
    expect(resumed.received.map((e) => e.id)).toEqual(ids.slice(500));

    expect((await toArray(store.readAll())).map((e) => e.id)).toEqual(ids);
  }, 60_000);
});

describe('PostgreSQL global order when transactions commit out of order', () => {
  async function subscriberWithPolls() {
    const polls: bigint[] = [];
    const store = await connectStore({ pollIntervalMs: 50, onSubscriptionPoll: ({ horizon }) => polls.push(horizon) });
    const sub = collect(store.subscribeToAll({ signal: controller.signal }));
    await waitFor(() => polls.length > 0, 'the first poll');
    /** Waits until the subscriber has read again at least `n` times after now. */
    const morePolls = (n: number) => {
      const seen = polls.length;
      return waitFor(() => polls.length >= seen + n, `${n} more polls`);
    };
    return { store, sub, polls, morePolls };
  }

  it('does not deliver a later transaction past an open earlier one, then delivers both in txid order', async () => {
    const { store, sub, polls, morePolls } = await subscriberWithPolls();
    const before = event('before');
    await store.append('server-0', [before], NO_STREAM);
    await sub.waitForCount(1);

    const t1 = await connectClient();
    await t1.query('BEGIN');
    const e1 = event('t1');
    const inT1 = await appendToStream(t1, store.schema, 'server-1', [e1], NO_STREAM);
    const e2 = event('t2');
    const t2 = await store.append('server-2', [e2], NO_STREAM);
    expect(parsePosition(t2.position).transactionId).toBeGreaterThan(parsePosition(inT1.position).transactionId);

    // T2 has committed, but T1 below it has not: no reader may move past T1.
    expect((await toArray(store.readAll())).map((e) => e.id)).toEqual([before.id]);
    expect(await store.headPosition()).toBe(sub.received[0].position);
    await morePolls(3);
    expect(sub.received.map((e) => e.id)).toEqual([before.id]);
    expect(polls[polls.length - 1]).toBeLessThanOrEqual(parsePosition(inT1.position).transactionId);

    await t1.query('COMMIT');
    await sub.waitForCount(3);
    expect(sub.received.map((e) => e.id)).toEqual([before.id, e1.id, e2.id]);
    expect(sub.received.map((e) => e.position).slice(1)).toEqual([inT1.position, t2.position]);
    expectStrictlyIncreasing(sub.received.map((e) => e.position));
  });

  it('delivers an event whose sequence number is below one already delivered, when its transaction id is above', async () => {
    const { store, sub, morePolls } = await subscriberWithPolls();
    const early = await connectClient();
    const late = await connectClient();
    await early.query('BEGIN');
    await early.query('SELECT pg_current_xact_id()');
    await late.query('BEGIN');
    await late.query('SELECT pg_current_xact_id()');

    // `late` takes its sequence number first, `early` (the older transaction) after it, and commits first.
    const lateEvent = event('late');
    const inLate = await appendToStream(late, store.schema, 'server-late', [lateEvent], NO_STREAM);
    const earlyEvent = event('early');
    const inEarly = await appendToStream(early, store.schema, 'server-early', [earlyEvent], NO_STREAM);
    await early.query('COMMIT');

    await sub.waitForCount(1);
    await morePolls(2);
    expect(sub.received.map((e) => e.id)).toEqual([earlyEvent.id]);

    await late.query('COMMIT');
    await sub.waitForCount(2);
    expect(sub.received.map((e) => e.id)).toEqual([earlyEvent.id, lateEvent.id]);
    // A reader ordering by sequence alone would have checkpointed past `late` and skipped it.
    expect(parsePosition(inLate.position).sequence).toBeLessThan(parsePosition(inEarly.position).sequence);
    expectStrictlyIncreasing(sub.received.map((e) => e.position));

    const resumed = collect(store.subscribeToAll({ fromPosition: sub.received[0].position, signal: controller.signal }));
    await resumed.waitForCount(1);
    expect(resumed.received.map((e) => e.id)).toEqual([lateEvent.id]);
  });

  it('delivers an event whose transaction commits without a NOTIFY reaching the subscriber, by polling', async () => {
    const { store, sub, morePolls } = await subscriberWithPolls();
    // An unrelated transaction holds the horizon back; its end sends no NOTIFY.
    const blocker = await connectClient();
    await blocker.query('BEGIN');
    await blocker.query('SELECT pg_current_xact_id()');

    const e = event('after-blocker');
    await store.append('server-1', [e], NO_STREAM);
    await morePolls(2);
    expect(sub.received).toEqual([]);

    await blocker.query('COMMIT');
    await sub.waitForCount(1);
    expect(sub.received.map((r) => r.id)).toEqual([e.id]);
  });
});
