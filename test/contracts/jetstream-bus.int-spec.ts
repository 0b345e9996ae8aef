import { randomBytes } from 'node:crypto';
import { connect, NatsConnection, RetentionPolicy, nanos } from 'nats';
import { BusMessage } from '../../infra/messaging/bus';
import { JetStreamBus } from '../../infra/messaging/nats/jetstream-bus';
import { TEST_NATS_URL } from '../support/postgres';
import { busContract, Inbox, waitFor } from './bus.contract';

// The nats-server the test command started (JetStream enabled); NATS_URL when TEST_NATS_URL is unset.
const NATS_URL = process.env.TEST_NATS_URL ? TEST_NATS_URL : (process.env.NATS_URL ?? TEST_NATS_URL);
const silent = { warn: () => undefined };

function connectBus(): Promise<JetStreamBus> {
  return JetStreamBus.connect({
    servers: NATS_URL,
    connectionName: 'strata-contract-test',
    redeliveryDelayMs: 50,
    pullExpiresMs: 2_000,
    // Test durables are named per test; the server forgets them a minute after the run.
    consumerInactiveThresholdMs: 60_000,
    logger: silent,
  });
}

busContract('nats-jetstream', async () => {
  const bus = await connectBus();
  return { bus, cleanup: () => bus.close() };
});

describe('JetStreamBus specifics', () => {
  let nc: NatsConnection;
  const buses: JetStreamBus[] = [];
  const tag = `t${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });

  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await nc.close();
  });

  async function open(): Promise<JetStreamBus> {
    const bus = await connectBus();
    buses.push(bus);
    return bus;
  }

  it('ensures the three streams as designed, idempotently', async () => {
    await open();
    await open();
    const jsm = await nc.jetstreamManager();

    const configs = await Promise.all(['STRATA_EVENTS', 'STRATA_WORK', 'STRATA_REPORTS'].map(async (s) => (await jsm.streams.info(s)).config));

    expect(configs.map((c) => [c.name, c.subjects, c.retention, c.duplicate_window])).toEqual([
      ['STRATA_EVENTS', ['strata.evt.>'], RetentionPolicy.Limits, nanos(120_000)],
      ['STRATA_WORK', ['strata.work.>'], RetentionPolicy.Workqueue, nanos(120_000)],
      ['STRATA_REPORTS', ['strata.report.>'], RetentionPolicy.Limits, nanos(120_000)],
    ]);
  });

  it('redelivers to another process the work order of a process whose connection closed mid-handler', async () => {
    const subject = `strata.work.compute.host-${tag}`;
    const durable = `agent-${tag}`;
    const crashing = await open();
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    const started: BusMessage[] = [];
    await crashing.consume({ durable, filterSubject: subject, ackWaitMs: 1_000 }, async (m) => {
      started.push(m);
      await stuck;
    });
    await crashing.publish(subject, { op: 'spawn' }, { msgId: `order-${tag}` });
    await waitFor(() => started.length === 1, 'the first process to start the order');
    await crashing.close();

    const survivor = await open();
    const inbox = new Inbox();
    await survivor.consume({ durable, filterSubject: subject, ackWaitMs: 1_000 }, inbox.handler);
    await inbox.until([`order-${tag}`]);
    release();

    expect(started.map((m) => m.deliveryCount)).toEqual([1]);
    expect(inbox.messages.map((m) => [m.id, m.deliveryCount, m.data])).toEqual([[`order-${tag}`, 2, { op: 'spawn' }]]);
  });

  it('keeps the position of a durable reopened with another ack-wait and max-deliver (a redeployed agent)', async () => {
    const subject = `strata.work.volume.host-${tag}`;
    const durable = `redeployed-${tag}`;
    const bus = await open();
    const before = new Inbox();
    const c1 = await bus.consume({ durable, filterSubject: subject, ackWaitMs: 1_000 }, before.handler);
    await bus.publish(subject, {}, { msgId: `v1-${tag}` });
    await before.until([`v1-${tag}`]);
    await c1.stop();
    await bus.publish(subject, {}, { msgId: `v2-${tag}` });

    const after = new Inbox();
    const c2 = await bus.consume({ durable, filterSubject: subject, ackWaitMs: 2_000, maxDeliver: 5 }, after.handler);
    await after.until([`v2-${tag}`]);
    await c2.stop();
    const info = await (await nc.jetstreamManager()).consumers.info('STRATA_WORK', durable);

    expect(after.ids()).toEqual([`v2-${tag}`]);
    expect([info.config.ack_wait, info.config.max_deliver]).toEqual([nanos(2_000), 5]);
  });

  it('answers ping false once closed and refuses new consumers', async () => {
    const bus = await open();
    await bus.close();

    await expect(bus.ping()).resolves.toBe(false);
    await expect(bus.consume({ durable: `late-${tag}`, filterSubject: `strata.evt.${tag}.>` }, async () => undefined)).rejects.toThrow();
  });
});
