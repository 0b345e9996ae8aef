import { randomBytes } from 'node:crypto';
import { Bus, BusMessage, ConsumeOptions, Consumer } from '../../infra/messaging/bus';

/**
 * The bus contract (infra/messaging/bus.ts): every Bus adapter passes it. Subjects and durable
 * names carry a random suffix per test, so runs against a shared nats-server never meet.
 * Negative checks ("not delivered again") publish a sentinel after the fact and wait for it:
 * delivery is in order per consumer, so anything redelivered would have arrived first.
 */

export interface BusFixture {
  bus: Bus;
  cleanup(): Promise<void>;
}

/** Polls `condition` until it holds, or fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Records what a consumer's handler was given. */
export class Inbox<T = unknown> {
  readonly messages: BusMessage<T>[] = [];
  readonly handler = async (m: BusMessage<T>): Promise<void> => {
    this.messages.push(m);
  };

  ids(): string[] {
    return this.messages.map((m) => m.id);
  }

  has(id: string): boolean {
    return this.messages.some((m) => m.id === id);
  }

  until(ids: string[], timeoutMs?: number): Promise<void> {
    return waitFor(() => ids.every((id) => this.has(id)), `messages ${ids.join(', ')} (have ${this.ids().join(', ') || 'none'})`, timeoutMs);
  }
}

function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export interface BusContractOptions {
  /** Ack-wait of the contract's consumers (the crash test waits for it once); default 1 s. */
  ackWaitMs?: number;
}

export function busContract(name: string, factory: () => Promise<BusFixture>, options: BusContractOptions = {}): void {
  const ackWaitMs = options.ackWaitMs ?? 1_000;

  describe(`Bus contract: ${name}`, () => {
    let fixture: BusFixture;
    let bus: Bus;
    let consumers: Consumer[];
    let gates: { open(): void }[];
    let tag: string;

    beforeEach(async () => {
      fixture = await factory();
      bus = fixture.bus;
      consumers = [];
      gates = [];
      tag = `t${randomBytes(5).toString('hex')}`;
    });

    afterEach(async () => {
      for (const g of gates) g.open();
      await Promise.all(consumers.map((c) => c.stop()));
      await fixture.cleanup();
    });

    const eventSubject = (type: string, category = tag) => `strata.evt.${category}.${type}`;
    const durable = (what: string) => `${what}-${tag}`;
    const msgId = (what: string) => `${what}-${tag}`;

    async function consume<T>(opts: Partial<ConsumeOptions> & Pick<ConsumeOptions, 'filterSubject'>, handler: (m: BusMessage<T>) => Promise<void>): Promise<Consumer> {
      const c = await bus.consume<T>({ durable: durable('d'), ackWaitMs, ...opts }, handler);
      consumers.push(c);
      return c;
    }

    it('delivers a message published before the consumer existed, with subject, id, data and delivery count 1', async () => {
      const subject = eventSubject('ServerSpawned');
      await bus.publish(subject, { serverId: 's-1', flavor: { vcpus: 2 }, tags: ['a'] }, { msgId: msgId('m1') });
      const inbox = new Inbox();
      await consume({ filterSubject: eventSubject('>') }, inbox.handler);

      await inbox.until([msgId('m1')]);

      expect(inbox.messages).toEqual([{ subject, id: msgId('m1'), data: { serverId: 's-1', flavor: { vcpus: 2 }, tags: ['a'] }, deliveryCount: 1 }]);
    });

    it('delivers in publish order and does not deliver an acked message again', async () => {
      const inbox = new Inbox();
      await consume({ filterSubject: eventSubject('>') }, inbox.handler);
      const ids = Array.from({ length: 20 }, (_, i) => msgId(`m${i}`));
      for (const id of ids) await bus.publish(eventSubject('VolumeExtended'), { id }, { msgId: id });
      await inbox.until(ids);

      await bus.publish(eventSubject('VolumeExtended'), {}, { msgId: msgId('sentinel') });
      await inbox.until([msgId('sentinel')]);

      expect(inbox.ids()).toEqual([...ids, msgId('sentinel')]);
    });

    it.each([
      ['an event consumer', (t: string) => `strata.evt.${t}.HostWentDown`],
      ['a work queue', (t: string) => `strata.work.compute.host-${t}`],
    ])('resumes %s where it stopped: what was published meanwhile arrives once, what was acked never again', async (_, subjectOf) => {
      const subject = subjectOf(tag);
      const first = new Inbox();
      const c1 = await consume({ filterSubject: subject }, first.handler);
      await bus.publish(subject, { n: 1 }, { msgId: msgId('m1') });
      await first.until([msgId('m1')]);
      await c1.stop();

      await bus.publish(subject, { n: 2 }, { msgId: msgId('m2') });
      await bus.publish(subject, { n: 3 }, { msgId: msgId('m3') });
      const second = new Inbox();
      await consume({ filterSubject: subject }, second.handler);
      await second.until([msgId('m2'), msgId('m3')]);
      await bus.publish(subject, { n: 4 }, { msgId: msgId('sentinel') });
      await second.until([msgId('sentinel')]);

      expect(first.ids()).toEqual([msgId('m1')]);
      expect(second.messages.map((m) => [m.id, m.deliveryCount])).toEqual([
        [msgId('m2'), 1],
        [msgId('m3'), 1],
        [msgId('sentinel'), 1],
      ]);
    });

    it('redelivers a message whose handler threw, with a higher delivery count, until a handler resolves', async () => {
      const subject = eventSubject('ServerBuildRequested');
      const seen: [string, number][] = [];
      await consume<{ n: number }>({ filterSubject: eventSubject('>') }, async (m) => {
        seen.push([m.id, m.deliveryCount]);
        if (m.id === msgId('flaky') && m.deliveryCount < 3) throw new Error('driver busy');
      });
      await bus.publish(subject, { n: 1 }, { msgId: msgId('flaky') });
      await waitFor(() => seen.length >= 3, 'three deliveries of the flaky message');

      await bus.publish(subject, { n: 2 }, { msgId: msgId('sentinel') });
      await waitFor(() => seen.some(([id]) => id === msgId('sentinel')), 'the sentinel');

      expect(seen).toEqual([
        [msgId('flaky'), 1],
        [msgId('flaky'), 2],
        [msgId('flaky'), 3],
        [msgId('sentinel'), 1],
      ]);
    });

    it('redelivers, after ack-wait, a message whose consumer stopped mid-handler (a crashed agent)', async () => {
      const subject = `strata.work.compute.host-${tag}`;
      const stuck = gate();
      gates.push(stuck);
      const started: BusMessage[] = [];
      const crashed = await consume({ filterSubject: subject, durable: durable('agent') }, async (m) => {
        started.push(m);
        await stuck.promise;
      });
      await bus.publish(subject, { op: 'spawn' }, { msgId: msgId('order') });
      await waitFor(() => started.length === 1, 'the first agent to start the order');
      await crashed.stop();

      const restarted = new Inbox();
      await consume({ filterSubject: subject, durable: durable('agent') }, restarted.handler);
      await restarted.until([msgId('order')]);
      stuck.open();
      await bus.publish(subject, { op: 'noop' }, { msgId: msgId('sentinel') });
      await restarted.until([msgId('sentinel')]);

      expect(started.map((m) => [m.id, m.deliveryCount])).toEqual([[msgId('order'), 1]]);
      expect(restarted.messages.map((m) => [m.id, m.deliveryCount, m.data])).toEqual([
        [msgId('order'), 2, { op: 'spawn' }],
        [msgId('sentinel'), 1, { op: 'noop' }],
      ]);
    });

    it('drops a message whose id was already published (dedupe window)', async () => {
      const subject = eventSubject('ServerDeleted');
      await bus.publish(subject, { attempt: 1 }, { msgId: msgId('same') });
      await bus.publish(subject, { attempt: 2 }, { msgId: msgId('same') });
      await bus.publish(subject, { attempt: 3 }, { msgId: msgId('sentinel') });
      const inbox = new Inbox();
      await consume({ filterSubject: subject }, inbox.handler);
      await inbox.until([msgId('sentinel')]);

      expect(inbox.messages.map((m) => [m.id, m.data])).toEqual([
        [msgId('same'), { attempt: 1 }],
        [msgId('sentinel'), { attempt: 3 }],
      ]);
    });

    it('filters with * and > wildcards', async () => {
      const other = `${tag}x`;
      const published: [string, string][] = [
        [eventSubject('ServerSpawned'), 'a'],
        [eventSubject('ServerDeleted'), 'b'],
        [eventSubject('ServerSpawned', other), 'c'],
        [eventSubject('VolumeCreated', other), 'd'],
      ];
      for (const [subject, id] of published) await bus.publish(subject, { id }, { msgId: msgId(id) });
      const byCategory = new Inbox();
      const byType = new Inbox();
      await consume({ filterSubject: eventSubject('>'), durable: durable('category') }, byCategory.handler);
      // The type carries the tag too, so that `*` over categories only meets this test's messages.
      await bus.publish(eventSubject(`Spawned${tag}`), {}, { msgId: msgId('e') });
      await bus.publish(eventSubject(`Spawned${tag}`, other), {}, { msgId: msgId('f') });
      await consume({ filterSubject: `strata.evt.*.Spawned${tag}`, durable: durable('type') }, byType.handler);
      await bus.publish(eventSubject('sentinel'), {}, { msgId: msgId('sentinel') });
      await bus.publish(eventSubject(`Spawned${tag}`, other), {}, { msgId: msgId('type-sentinel') });
      await byCategory.until([msgId('sentinel')]);
      await byType.until([msgId('type-sentinel')]);

      expect(byCategory.ids()).toEqual([msgId('a'), msgId('b'), msgId('e'), msgId('sentinel')]);
      expect(byType.messages.map((m) => [m.id, m.subject])).toEqual([
        [msgId('e'), eventSubject(`Spawned${tag}`)],
        [msgId('f'), eventSubject(`Spawned${tag}`, other)],
        [msgId('type-sentinel'), eventSubject(`Spawned${tag}`, other)],
      ]);
    });

    it("keeps two hosts' work queues independent: a stopped host's orders wait for it, the other's flow", async () => {
      const host1 = `strata.work.compute.h1-${tag}`;
      const host2 = `strata.work.compute.h2-${tag}`;
      const agent1 = new Inbox();
      const agent2 = new Inbox();
      const c1 = await consume({ filterSubject: host1, durable: durable('h1') }, agent1.handler);
      await consume({ filterSubject: host2, durable: durable('h2') }, agent2.handler);
      await bus.publish(host1, {}, { msgId: msgId('o1') });
      await bus.publish(host2, {}, { msgId: msgId('o2') });
      await agent1.until([msgId('o1')]);
      await agent2.until([msgId('o2')]);

      await c1.stop();
      await bus.publish(host1, {}, { msgId: msgId('o3') });
      await bus.publish(host2, {}, { msgId: msgId('o4') });
      await agent2.until([msgId('o4')]);
      const agent1Again = new Inbox();
      await consume({ filterSubject: host1, durable: durable('h1') }, agent1Again.handler);
      await agent1Again.until([msgId('o3')]);

      expect(agent1.ids()).toEqual([msgId('o1')]);
      expect(agent2.ids()).toEqual([msgId('o2'), msgId('o4')]);
      expect(agent1Again.ids()).toEqual([msgId('o3')]);
    });

    it('gives each work order to one of the consumers sharing a durable', async () => {
      const subject = `strata.work.volume.host-${tag}`;
      const a = new Inbox();
      const b = new Inbox();
      await consume({ filterSubject: subject, durable: durable('volume') }, a.handler);
      await consume({ filterSubject: subject, durable: durable('volume') }, b.handler);
      const ids = Array.from({ length: 12 }, (_, i) => msgId(`o${i}`));
      for (const id of ids) await bus.publish(subject, {}, { msgId: id });

      await waitFor(() => ids.every((id) => a.has(id) || b.has(id)), 'every order handled');
      await bus.publish(subject, {}, { msgId: msgId('sentinel-1') });
      await bus.publish(subject, {}, { msgId: msgId('sentinel-2') });
      await waitFor(() => [msgId('sentinel-1'), msgId('sentinel-2')].every((id) => a.has(id) || b.has(id)), 'the sentinels');

      const all = [...a.ids(), ...b.ids()];
      expect(all.sort()).toEqual([...ids, msgId('sentinel-1'), msgId('sentinel-2')].sort());
    });

    it('refuses a second durable whose filter overlaps a work queue another durable holds', async () => {
      const subject = `strata.work.compute.host-${tag}`;
      await consume({ filterSubject: subject, durable: durable('first') }, async () => undefined);

      await expect(bus.consume({ filterSubject: `strata.work.compute.*`, durable: durable('second'), ackWaitMs }, async () => undefined)).rejects.toThrow();
    });

    it('refuses to publish on a subject no durable stream stores', async () => {
      await expect(bus.publish(`strata.nowhere.${tag}`, {}, { msgId: msgId('x') })).rejects.toThrow();
    });

    it('notifies listeners of liveness signals by wildcard, without storing them', async () => {
      const root = `strata.live.${tag}`;
      bus.notify(`${root}.heartbeat.host-1`, { beat: 0 });
      const early: unknown[] = [];
      const kept: [unknown, string][] = [];
      const stopEarly = bus.listen(`${root}.>`, (data) => early.push(data));
      const stopKept = bus.listen(`${root}.heartbeat.*`, (data, subject) => kept.push([data, subject]));

      bus.notify(`${root}.heartbeat.host-1`, { beat: 1 });
      await waitFor(() => kept.length === 1 && early.length === 1, 'the first heartbeat');
      stopEarly();
      bus.notify(`${root}.heartbeat.host-2`, { beat: 2 });
      await waitFor(() => kept.length === 2, 'the second heartbeat');
      stopKept();

      expect(early).toEqual([{ beat: 1 }]);
      expect(kept).toEqual([
        [{ beat: 1 }, `${root}.heartbeat.host-1`],
        [{ beat: 2 }, `${root}.heartbeat.host-2`],
      ]);
    });

    it('answers ping while open and not after close', async () => {
      await expect(bus.ping()).resolves.toBe(true);
      await bus.close();
      await expect(bus.ping()).resolves.toBe(false);
    });
  });
}
