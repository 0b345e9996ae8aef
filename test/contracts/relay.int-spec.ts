import { randomBytes } from 'node:crypto';
import { EventStore, NewEvent, Position, RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { InMemoryEventStore, PostgresEventStore } from '../../infra/eventstore';
import { uuidFromName } from '../../infra/ids/ids';
import { Bus, BusMessage, subjects } from '../../infra/messaging/bus';
import { InProcessBus } from '../../infra/messaging/in-process/in-process-bus';
import { JetStreamBus } from '../../infra/messaging/nats/jetstream-bus';
import { PgCheckpointStore } from '../../infra/messaging/pg-checkpoint-store';
import { CheckpointStore, decodeEventMessage, encodeEventMessage, EventRelay, InMemoryCheckpointStore } from '../../infra/messaging/relay';
import { createTestDatabase, TEST_NATS_URL, TestDatabase } from '../support/postgres';
import { waitFor } from './bus.contract';

const NATS_URL = process.env.TEST_NATS_URL ? TEST_NATS_URL : (process.env.NATS_URL ?? TEST_NATS_URL);
const silent = { warn: () => undefined };
const RECORDED_AT = new Date('2025-03-04T05:06:07.089Z');

interface Backends {
  store: EventStore;
  bus: Bus;
  checkpoints: CheckpointStore;
  close(): Promise<void>;
}

let db: TestDatabase;
let schemas = 0;

beforeAll(async () => {
  db = await createTestDatabase('strata_relay');
});

afterAll(async () => {
  await db.drop();
});

const setups: [string, () => Promise<Backends>][] = [
  [
    'in-memory store, in-process bus, in-memory checkpoints',
    async () => {
      const store = new InMemoryEventStore({ clock: () => RECORDED_AT });
      const bus = new InProcessBus({ logger: silent });
      return { store, bus, checkpoints: new InMemoryCheckpointStore(), close: async () => (await bus.close(), await store.close()) };
    },
  ],
  [
    'in-memory store, JetStream, in-memory checkpoints',
    async () => {
      const store = new InMemoryEventStore({ clock: () => RECORDED_AT });
      const bus = await JetStreamBus.connect({ servers: NATS_URL, consumerInactiveThresholdMs: 60_000, logger: silent });
      return { store, bus, checkpoints: new InMemoryCheckpointStore(), close: async () => (await bus.close(), await store.close()) };
    },
  ],
  [
    'in-memory store, JetStream, PostgreSQL checkpoints',
    async () => {
      const store = new InMemoryEventStore({ clock: () => RECORDED_AT });
      const bus = await JetStreamBus.connect({ servers: NATS_URL, consumerInactiveThresholdMs: 60_000, logger: silent });
      const checkpoints = new PgCheckpointStore(db.url);
      return {
        store,
        bus,
        checkpoints,
        close: async () => {
          await bus.close();
          await store.close();
          await checkpoints.close();
        },
      };
    },
  ],
  [
    'PostgreSQL store, JetStream, PostgreSQL checkpoints',
    async () => {
      const store = await PostgresEventStore.connect(db.url, { schema: `relay_${++schemas}`, pollIntervalMs: 100 });
      const bus = await JetStreamBus.connect({ servers: NATS_URL, consumerInactiveThresholdMs: 60_000, logger: silent });
      const checkpoints = new PgCheckpointStore(db.url);
      return {
        store,
        bus,
        checkpoints,
        close: async () => {
          await bus.close();
          await store.close();
          await checkpoints.close();
        },
      };
    },
  ],
];

/** A relay process that dies after its `keep`-th checkpoint: later saves never reach the store. */
class DyingCheckpoints implements CheckpointStore {
  private saves = 0;
  constructor(
    private readonly inner: CheckpointStore,
    private readonly keep: number,
  ) {}
  load(name: string): Promise<Position | undefined> {
    return this.inner.load(name);
  }
  async save(name: string, position: Position): Promise<void> {
    if (++this.saves <= this.keep) await this.inner.save(name, position);
  }
}

/** Records what the relay handed to the bus, to show that a restart really republished. */
class RecordingBus {
  readonly published: string[] = [];
  /** Message ids whose first publish fails, as when NATS is briefly unreachable. */
  readonly failOnce = new Set<string>();
  constructor(private readonly inner: Bus) {}
  asBus(): Bus {
    const inner = this.inner;
    return {
      name: inner.name,
      crossesProcesses: inner.crossesProcesses,
      publish: async (subject, data, opts) => {
        if (this.failOnce.delete(opts.msgId)) throw new Error('nats: timeout');
        await inner.publish(subject, data, opts);
        this.published.push(opts.msgId);
      },
      consume: (opts, handler) => inner.consume(opts, handler),
      notify: (subject, data) => inner.notify(subject, data),
      listen: (subject, handler) => inner.listen(subject, handler),
      ping: () => inner.ping(),
      close: () => inner.close(),
    };
  }
}

describe.each(setups)('EventRelay: %s', (_, setup) => {
  let backends: Backends;
  let relays: EventRelay[];
  let category: string;
  let received: BusMessage[];
  let stopConsumer: () => Promise<void>;

  beforeEach(async () => {
    backends = await setup();
    relays = [];
    category = `t${randomBytes(5).toString('hex')}`;
    received = [];
    const consumer = await backends.bus.consume({ durable: `relay-${category}`, filterSubject: `strata.evt.${category}.>`, ackWaitMs: 5_000 }, async (m) => {
      received.push(m);
    });
    stopConsumer = () => consumer.stop();
  });

  afterEach(async () => {
    await Promise.all(relays.map((r) => r.stop()));
    await stopConsumer();
    await backends.close();
  });

  function relay(checkpoints: CheckpointStore = backends.checkpoints, bus: Bus = backends.bus): EventRelay {
    // Saves after every event, so that a crash after the n-th save is a precise place in the log.
    const r = new EventRelay({ store: backends.store, bus, checkpoints, name: `relay-${category}`, retryDelayMs: 50, checkpointIntervalMs: 0, logger: silent });
    relays.push(r);
    return r;
  }

  let counter = 0;
  function event(type: string, n: number): NewEvent {
    return {
      id: uuidFromName(`${category}-${n}`),
      type,
      data: { n, nested: { list: [n, `${n}`] } },
      metadata: {
        correlationId: `req-${category}`,
        causationId: `req-${category}`,
        requestId: `req-${category}`,
        actor: SYSTEM_ACTOR,
        occurredAt: RECORDED_AT.toISOString(),
        schemaVersion: 1,
      },
    };
  }
  async function append(stream: string, type: string): Promise<void> {
    await backends.store.append(`${category}-${stream}`, [event(type, ++counter)], 'any');
  }
  async function recorded(): Promise<RecordedEvent[]> {
    const all: RecordedEvent[] = [];
    for await (const e of backends.store.readAll({ filter: { streamPrefixes: [`${category}-`] } })) all.push(e);
    return all;
  }
  const untilReceived = (ids: string[]) =>
    waitFor(() => ids.every((id) => received.some((m) => m.id === id)), `${ids.length} events on the bus (have ${received.length})`, 20_000);

  it('publishes every appended event once, in order, on its subject, with the recorded event as payload', async () => {
    counter = 0;
    await append('a', 'ServerCreated');
    await append('b', 'ServerCreated');
    await append('a', 'ServerSpawned');
    const r = relay();
    await r.start();
    await append('b', 'ServerSpawned');
    await append('a', 'ServerDeleted');
    const events = await recorded();
    await untilReceived(events.map((e) => e.id));
    await waitFor(async () => (await backends.checkpoints.load(r.name)) === events[4].position, 'the checkpoint at the last event');

    await append('b', 'ServerDeleted');
    const withSentinel = await recorded();
    await untilReceived([withSentinel[5].id]);

    expect(received.map((m) => [m.subject, m.id, m.deliveryCount])).toEqual(withSentinel.map((e) => [subjects.event(e), e.id, 1]));
    expect(received.map((m) => decodeEventMessage(m.data))).toEqual(withSentinel);
    expect(withSentinel.map((e) => e.version)).toEqual([0n, 0n, 1n, 1n, 2n, 2n]);
  });

  it('saves its checkpoint at most once per interval under a stream of events, and reaches the last one when the log goes quiet', async () => {
    counter = 0;
    let saves = 0;
    const counting: CheckpointStore = {
      load: (name) => backends.checkpoints.load(name),
      save: async (name, position) => {
        saves++;
        await backends.checkpoints.save(name, position);
      },
    };
    const r = new EventRelay({ store: backends.store, bus: backends.bus, checkpoints: counting, name: `relay-${category}`, checkpointIntervalMs: 60_000, logger: silent });
    relays.push(r);
    await r.start();
    for (let i = 0; i < 30; i++) await append('a', 'VolumeExtended');
    const events = await recorded();
    await untilReceived(events.map((e) => e.id));
    // The first publish saves at once; the next save is due a minute later.
    expect(saves).toBe(1);
    expect(await backends.checkpoints.load(r.name)).toBe(events[0].position);
    await r.stop();
    expect(await backends.checkpoints.load(r.name)).toBe(events[29].position);
    expect(saves).toBe(2);
  });

  it('resumes after a crash between publish and checkpoint: nothing lost, the republished events dropped by message id', async () => {
    counter = 0;
    for (let i = 0; i < 4; i++) await append('a', 'VolumeExtended');
    const first = await recorded();
    const crashing = relay(new DyingCheckpoints(backends.checkpoints, 2));
    await crashing.start();
    await waitFor(() => crashing.position === first[3].position, 'the first relay to publish four events');
    await crashing.stop();
    expect(await backends.checkpoints.load(crashing.name)).toBe(first[1].position);

    for (let i = 0; i < 3; i++) await append('b', 'VolumeExtended');
    const recording = new RecordingBus(backends.bus);
    const restarted = relay(backends.checkpoints, recording.asBus());
    await restarted.start();
    const all = await recorded();
    await untilReceived(all.map((e) => e.id));
    await append('b', 'VolumeDeleted');
    const withSentinel = await recorded();
    await untilReceived([withSentinel[7].id]);

    expect(recording.published).toEqual(withSentinel.slice(2).map((e) => e.id));
    expect(received.map((m) => m.id)).toEqual(withSentinel.map((e) => e.id));
    await waitFor(async () => (await backends.checkpoints.load(restarted.name)) === withSentinel[7].position, 'the checkpoint at the sentinel');
  });

  it('retries a publish that failed, from the last acknowledged event, without losing or repeating any', async () => {
    counter = 0;
    for (let i = 0; i < 3; i++) await append('a', 'PortCreated');
    const events = await recorded();
    const recording = new RecordingBus(backends.bus);
    recording.failOnce.add(events[1].id);
    const r = relay(backends.checkpoints, recording.asBus());
    await r.start();
    await untilReceived(events.map((e) => e.id));

    expect(recording.published).toEqual(events.map((e) => e.id));
    expect(received.map((m) => m.id)).toEqual(events.map((e) => e.id));
  });

  it('stops on the signal it was started with', async () => {
    counter = 0;
    const controller = new AbortController();
    const r = relay();
    await r.start(controller.signal);
    await append('a', 'ServerCreated');
    const [e1] = await recorded();
    await untilReceived([e1.id]);
    controller.abort();
    await r.stop();

    await append('a', 'ServerDeleted');
    const second = new EventRelay({ store: backends.store, bus: backends.bus, checkpoints: backends.checkpoints, name: r.name, logger: silent });
    relays.push(second);
    await second.start();
    const [, e2] = await recorded();
    await untilReceived([e2.id]);

    expect(received.map((m) => m.id)).toEqual([e1.id, e2.id]);
  });
});

describe('PgCheckpointStore', () => {
  it('creates its table once even when several stores start together, and keeps a checkpoint per name', async () => {
    const stores = [new PgCheckpointStore(db.url), new PgCheckpointStore(db.url), new PgCheckpointStore(db.url)];
    try {
      await Promise.all(stores.map((s, i) => s.save(`concurrent-${i}`, `0000${i}`)));

      expect(await Promise.all(stores.map((s, i) => s.load(`concurrent-${i}`)))).toEqual(['00000', '00001', '00002']);
      expect(await stores[0].load('never-saved')).toBeUndefined();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('never moves a checkpoint backwards', async () => {
    const store = new PgCheckpointStore(db.url);
    try {
      await store.save('forward', '00000000000000000010');
      await store.save('forward', '00000000000000000009');
      await store.save('forward', '00000000000000000011');

      expect(await store.load('forward')).toBe('00000000000000000011');
    } finally {
      await store.close();
    }
  });
});

describe('event messages', () => {
  it('round-trip a recorded event through JSON', () => {
    const event: RecordedEvent = {
      id: uuidFromName('round-trip'),
      stream: 'server-1',
      version: 12345678901234567890n,
      position: '00000000000000000042',
      type: 'ServerSpawned',
      data: { host: 'host-1' },
      metadata: { correlationId: 'c', causationId: 'c', requestId: 'req-1', actor: SYSTEM_ACTOR, occurredAt: RECORDED_AT.toISOString(), schemaVersion: 1 },
      recordedAt: RECORDED_AT,
    };

    expect(decodeEventMessage(JSON.parse(JSON.stringify(encodeEventMessage(event))))).toEqual(event);
  });

  it('refuse a payload that is not an event message', () => {
    expect(() => decodeEventMessage({ id: 'x' })).toThrow(TypeError);
    expect(() => decodeEventMessage({ ...encodeEventMessage({ id: 'x', stream: 's', version: 0n, position: 'p', type: 't', data: null, metadata: {} as never, recordedAt: RECORDED_AT }), version: '-1' })).toThrow(TypeError);
  });
});
