import { randomBytes } from 'node:crypto';
import {
  AllFilter,
  EventMetadata,
  EventStore,
  ExpectedVersion,
  NewEvent,
  NO_STREAM,
  Position,
  RecordedEvent,
  SYSTEM_ACTOR,
  WrongExpectedVersionError,
} from '../../domain/kernel';
import { uuidFromName } from '../../infra/ids/ids';
import { FIXED_NOW } from '../support/decider-spec';

export type EventStoreFactory = () => Promise<{ store: EventStore; cleanup: () => Promise<void> }>;

/** Polls `condition` until it holds; fails with `description` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, description: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function toArray<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Runs a subscription in the background, collecting what it delivers. */
export function collect(subscription: AsyncIterable<RecordedEvent>) {
  const received: RecordedEvent[] = [];
  let failure: unknown;
  let ended = false;
  const done = (async () => {
    try {
      for await (const event of subscription) received.push(event);
    } catch (error) {
      failure = error;
    } finally {
      ended = true;
    }
  })();
  return {
    received,
    done,
    get ended() {
      return ended;
    },
    /** Waits until at least `count` events arrived; a subscription error fails the wait at once. */
    async waitForCount(count: number, timeoutMs?: number) {
      await waitFor(() => failure !== undefined || received.length >= count, `${count} events (have ${received.length})`, timeoutMs);
      if (failure !== undefined) throw failure;
    },
  };
}

export function expectStrictlyIncreasing(positions: Position[]): void {
  for (let i = 1; i < positions.length; i++) {
    if (!(positions[i - 1] < positions[i])) {
      throw new Error(`position ${i} (${positions[i]}) is not after position ${i - 1} (${positions[i - 1]})`);
    }
  }
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

const metadata = (requestId: string): EventMetadata => ({
  correlationId: requestId,
  causationId: requestId,
  requestId,
  actor: SYSTEM_ACTOR,
  occurredAt: FIXED_NOW,
  schemaVersion: 1,
});

/**
 * The behaviour every EventStore adapter must have (DESIGN.md, Event store contract). Adapter
 * neutral: each test works in its own stream namespace and reads $all through a filter on it, so
 * a shared server (EventStoreDB, with its system events) runs the suite as well as a fresh store.
 */
export function eventStoreContract(name: string, factory: EventStoreFactory): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;
    let scope: string;
    let counter: number;

    beforeEach(async () => {
      ({ store, cleanup } = await factory());
      scope = `t${randomBytes(4).toString('hex')}`;
      counter = 0;
    });
    afterEach(async () => {
      await cleanup();
    });

    /** `<category>-<n>` inside this test's namespace, e.g. `t1a2b3c4d_server-1`. */
    const stream = (category: string, n = 1) => `${scope}_${category}-${n}`;
    const prefix = (category: string) => `${scope}_${category}-`;
    const ours = (): AllFilter => ({ streamPrefixes: [scope] });
    const event = (type = 'ThingHappened', data: unknown = {}): NewEvent => {
      const n = ++counter;
      return { id: uuidFromName(`${scope}/${n}`), type, data: { n, ...(data as object) }, metadata: metadata(`req-${scope}-${n}`) };
    };
    const events = (count: number, type?: string) => Array.from({ length: count }, () => event(type));
    const readStream = (name: string, opts?: Parameters<EventStore['readStream']>[1]) => toArray(store.readStream(name, opts));
    const readOurs = (opts: Parameters<EventStore['readAll']>[0] = {}) =>
      toArray(store.readAll({ ...opts, filter: opts.filter ?? ours() }));
    const expectWrongVersion = async (
      promise: Promise<unknown>,
      stream: string,
      expected: ExpectedVersion,
      actual: bigint | typeof NO_STREAM,
    ) => {
      const error = await rejectionOf(promise);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ stream, expected, actual });
    };

    describe('append and readStream', () => {
      it('reads back what was appended, with 0-based versions', async () => {
        const s = stream('server');
        const written = [event('ServerBuildRequested', { name: 'vm1', tags: ['a', 'b'] }), event('ServerScheduled', { host: 'h1' })];
        await store.append(s, written, NO_STREAM);

        const read = await readStream(s);
        expect(read.map(({ id, stream, version, type, data, metadata }) => ({ id, stream, version, type, data, metadata }))).toEqual(
          written.map((e, i) => ({ id: e.id, stream: s, version: BigInt(i), type: e.type, data: e.data, metadata: e.metadata })),
        );
        for (const e of read) expect(e.recordedAt).toBeInstanceOf(Date);
      });

      it('keeps data that is not an object: arrays, strings, numbers, null', async () => {
        const s = stream('odd');
        const datas = [[1, [2, 3]], 'text', 42, null, { nested: { deep: [{ x: true }] } }];
        await store.append(s, datas.map((data) => ({ ...event(), data })), 'any');
        expect((await readStream(s)).map((e) => e.data)).toEqual(datas);
      });

      it('returns the last version and the position of the last event written', async () => {
        const s = stream('server');
        const first = await store.append(s, events(3), NO_STREAM);
        const second = await store.append(s, events(2), 2n);

        expect(first.nextVersion).toBe(2n);
        expect(second.nextVersion).toBe(4n);
        const read = await readStream(s);
        expect(read.map((e) => e.version)).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(read[2].position).toBe(first.position);
        expect(read[4].position).toBe(second.position);
      });

      it('reads a missing stream as empty, forwards and backwards', async () => {
        await store.append(stream('server', 1), events(1), 'any');
        expect(await readStream(stream('server', 2))).toEqual([]);
        expect(await readStream(stream('server', 2), { backwards: true })).toEqual([]);
      });

      it('keeps streams apart', async () => {
        await store.append(stream('server', 1), events(2), NO_STREAM);
        await store.append(stream('server', 2), events(1), NO_STREAM);
        expect((await readStream(stream('server', 1))).map((e) => e.version)).toEqual([0n, 1n]);
        expect((await readStream(stream('server', 2))).map((e) => e.stream)).toEqual([stream('server', 2)]);
      });
    });

    describe('readStream options', () => {
      let s: string;
      let ids: string[];
      beforeEach(async () => {
        s = stream('volume');
        const written = events(6);
        ids = written.map((e) => e.id);
        await store.append(s, written.slice(0, 4), NO_STREAM);
        await store.append(s, written.slice(4), 3n);
      });

      it('reads backwards from the end', async () => {
        expect((await readStream(s, { backwards: true })).map((e) => e.id)).toEqual([...ids].reverse());
      });

      it('reads forwards from a version, inclusive', async () => {
        expect((await readStream(s, { fromVersion: 2n })).map((e) => e.version)).toEqual([2n, 3n, 4n, 5n]);
      });

      it('reads backwards from a version, inclusive', async () => {
        expect((await readStream(s, { fromVersion: 3n, backwards: true })).map((e) => e.version)).toEqual([3n, 2n, 1n, 0n]);
      });

      it('stops after maxCount, in either direction', async () => {
        expect((await readStream(s, { maxCount: 2 })).map((e) => e.version)).toEqual([0n, 1n]);
        expect((await readStream(s, { maxCount: 2, backwards: true })).map((e) => e.version)).toEqual([5n, 4n]);
        expect((await readStream(s, { fromVersion: 1n, maxCount: 3 })).map((e) => e.version)).toEqual([1n, 2n, 3n]);
      });

      it('reads nothing from past the end', async () => {
        expect(await readStream(s, { fromVersion: 6n })).toEqual([]);
      });
    });

    describe('expected version', () => {
      it('any: appends to a missing and to an existing stream', async () => {
        const s = stream('port');
        await store.append(s, events(1), 'any');
        const result = await store.append(s, events(1), 'any');
        expect(result.nextVersion).toBe(1n);
      });

      it('no_stream: creates the stream', async () => {
        const s = stream('port');
        expect((await store.append(s, events(1), NO_STREAM)).nextVersion).toBe(0n);
      });

      it('no_stream: rejects an existing stream, exposing its version', async () => {
        const s = stream('unique-project-name');
        await store.append(s, events(2), NO_STREAM);
        await expectWrongVersion(store.append(s, events(1), NO_STREAM), s, NO_STREAM, 1n);
      });

      it('stream_exists: appends to an existing stream', async () => {
        const s = stream('port');
        await store.append(s, events(1), NO_STREAM);
        expect((await store.append(s, events(1), 'stream_exists')).nextVersion).toBe(1n);
      });

      it('stream_exists: rejects a missing stream with actual NO_STREAM', async () => {
        const s = stream('port');
        await expectWrongVersion(store.append(s, events(1), 'stream_exists'), s, 'stream_exists', NO_STREAM);
        expect(await readStream(s)).toEqual([]);
      });

      it('exact: appends when the version matches', async () => {
        const s = stream('host');
        await store.append(s, events(3), NO_STREAM);
        expect((await store.append(s, events(1), 2n)).nextVersion).toBe(3n);
      });

      it('exact: rejects a stale version, exposing expected and actual, and writes nothing', async () => {
        const s = stream('host');
        await store.append(s, events(3), NO_STREAM);
        await expectWrongVersion(store.append(s, events(2), 1n), s, 1n, 2n);
        await expectWrongVersion(store.append(s, events(2), 5n), s, 5n, 2n);
        expect((await readStream(s)).map((e) => e.version)).toEqual([0n, 1n, 2n]);
      });

      it('exact: rejects a missing stream with actual NO_STREAM', async () => {
        const s = stream('host');
        await expectWrongVersion(store.append(s, events(1), 0n), s, 0n, NO_STREAM);
        expect(await readStream(s)).toEqual([]);
      });

      it('lets exactly one of several concurrent appends at the same version win', async () => {
        const s = stream('host');
        await store.append(s, events(1), NO_STREAM);
        const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => store.append(s, events(1), 0n)));

        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(WrongExpectedVersionError);
        expect((await readStream(s)).map((e) => e.version)).toEqual([0n, 1n]);
      });

      it('lets exactly one of several concurrent creators of a stream win', async () => {
        const s = stream('unique-project-name');
        const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => store.append(s, events(1), NO_STREAM)));

        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ actual: 0n });
        expect(await readStream(s)).toHaveLength(1);
      });
    });

    describe('idempotent appends', () => {
      it('re-appending the same event ids is a no-op that returns the first result', async () => {
        const s = stream('server');
        const batch = events(2);
        const first = await store.append(s, batch, NO_STREAM);
        const retry = await store.append(s, batch, NO_STREAM);

        expect(retry).toEqual(first);
        expect((await readStream(s)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
      });

      it('recognises a retry after the stream has moved on', async () => {
        const s = stream('server');
        const batch = events(2);
        const first = await store.append(s, batch, NO_STREAM);
        await store.append(s, events(1), 1n);

        expect(await store.append(s, batch, NO_STREAM)).toEqual(first);
        expect((await readStream(s)).map((e) => e.version)).toEqual([0n, 1n, 2n]);
      });

      it('recognises a retry with expected version any', async () => {
        const s = stream('server');
        const batch = events(3);
        const first = await store.append(s, batch, 'any');
        expect(await store.append(s, batch, 'any')).toEqual(first);
        expect(await readStream(s)).toHaveLength(3);
      });

      it('rejects a batch of which only some ids are already in the stream, writing nothing', async () => {
        const s = stream('server');
        const batch = events(2);
        await store.append(s, batch, NO_STREAM);

        await expect(store.append(s, [batch[1], event()], 'any')).rejects.toThrow();
        expect((await readStream(s)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
      });
    });

    describe('readAll', () => {
      let written: NewEvent[];
      beforeEach(async () => {
        const a = [event('ServerBuildRequested'), event('ServerScheduled')];
        const b = [event('VolumeCreated')];
        const c = [event('ServerSpawned')];
        const d = [event('VolumeAttached'), event('VolumeExtended')];
        await store.append(stream('server', 1), a, NO_STREAM);
        await store.append(stream('volume', 1), b, NO_STREAM);
        await store.append(stream('server', 1), c, 1n);
        await store.append(stream('volume', 2), d, NO_STREAM);
        written = [...a, ...b, ...c, ...d];
      });

      it('reads every stream in append order, positions strictly increasing', async () => {
        const all = await readOurs();
        expect(all.map((e) => e.id)).toEqual(written.map((e) => e.id));
        expect(all.map((e) => e.stream)).toEqual([
          stream('server', 1),
          stream('server', 1),
          stream('volume', 1),
          stream('server', 1),
          stream('volume', 2),
          stream('volume', 2),
        ]);
        expectStrictlyIncreasing(all.map((e) => e.position));
      });

      it('carries the same event as readStream', async () => {
        const [fromAll] = await readOurs({ maxCount: 1 });
        const [fromStream] = await readStream(stream('server', 1), { maxCount: 1 });
        expect(fromAll).toEqual(fromStream);
      });

      it('filters by stream prefix', async () => {
        const all = await readOurs({ filter: { streamPrefixes: [prefix('volume')] } });
        expect(all.map((e) => e.type)).toEqual(['VolumeCreated', 'VolumeAttached', 'VolumeExtended']);
      });

      it('filters by several stream prefixes', async () => {
        const all = await readOurs({ filter: { streamPrefixes: [stream('server', 1), stream('volume', 2)] } });
        expect(all.map((e) => e.type)).toEqual(['ServerBuildRequested', 'ServerScheduled', 'ServerSpawned', 'VolumeAttached', 'VolumeExtended']);
      });

      it('filters by event type', async () => {
        const all = await readOurs({ filter: { streamPrefixes: [scope], eventTypes: ['ServerSpawned', 'VolumeCreated'] } });
        expect(all.map((e) => e.type)).toEqual(['VolumeCreated', 'ServerSpawned']);
      });

      it('combines prefixes and types', async () => {
        const all = await readOurs({ filter: { streamPrefixes: [prefix('server')], eventTypes: ['ServerScheduled', 'VolumeCreated'] } });
        expect(all.map((e) => e.type)).toEqual(['ServerScheduled']);
      });

      it('starts strictly after fromPosition', async () => {
        const all = await readOurs();
        const after = await readOurs({ fromPosition: all[1].position });
        expect(after.map((e) => e.id)).toEqual(written.slice(2).map((e) => e.id));
        expect(await readOurs({ fromPosition: all[all.length - 1].position })).toEqual([]);
      });

      it('stops after maxCount', async () => {
        expect((await readOurs({ maxCount: 2 })).map((e) => e.id)).toEqual(written.slice(0, 2).map((e) => e.id));
        const all = await readOurs();
        const page = await readOurs({ fromPosition: all[2].position, maxCount: 2, filter: { streamPrefixes: [scope], eventTypes: ['VolumeAttached', 'VolumeExtended', 'ServerSpawned'] } });
        expect(page.map((e) => e.type)).toEqual(['ServerSpawned', 'VolumeAttached']);
      });

      it('pages through more events than one read returns', async () => {
        const s = stream('bulk');
        const bulk = events(1_200);
        for (let i = 0; i < bulk.length; i += 100) await store.append(s, bulk.slice(i, i + 100), 'any');
        const all = await readOurs({ filter: { streamPrefixes: [s] } });
        expect(all.map((e) => e.id)).toEqual(bulk.map((e) => e.id));
        expectStrictlyIncreasing(all.map((e) => e.position));
        expect((await readStream(s, { backwards: true })).map((e) => e.version)[0]).toBe(1_199n);
      });
    });

    describe('positions', () => {
      it('increase strictly across appends and inside a batch', async () => {
        const results = [];
        for (const [i, s] of [stream('a'), stream('b'), stream('a'), stream('c')].entries()) {
          results.push(await store.append(s, events(i + 1), 'any'));
        }
        expectStrictlyIncreasing(results.map((r) => r.position));
        const all = await readOurs();
        expectStrictlyIncreasing(all.map((e) => e.position));
        expect(all).toHaveLength(1 + 2 + 3 + 4);
      });

      it('headPosition is at or after the last append and nothing of ours lies beyond it', async () => {
        await store.append(stream('a'), events(2), 'any');
        const last = await store.append(stream('b'), events(1), 'any');

        const head = await store.headPosition();
        expect(head).not.toBeNull();
        expect(head! >= last.position).toBe(true);
        expect(await readOurs({ fromPosition: head! })).toEqual([]);
      });
    });

    describe('subscribeToAll', () => {
      let controller: AbortController;
      beforeEach(() => {
        controller = new AbortController();
      });
      afterEach(() => {
        controller.abort();
      });
      const subscribe = async (opts: { fromPosition?: Position; filter?: AllFilter } = {}) =>
        collect(
          store.subscribeToAll({
            fromPosition: opts.fromPosition,
            filter: opts.filter ?? ours(),
            signal: controller.signal,
          }),
        );

      it('catches up, then delivers live events in order', async () => {
        const start = (await store.headPosition()) ?? undefined;
        const past = events(3);
        await store.append(stream('server', 1), past.slice(0, 2), NO_STREAM);
        await store.append(stream('server', 2), past.slice(2), NO_STREAM);

        const sub = await subscribe({ fromPosition: start });
        await sub.waitForCount(3);
        expect(sub.received.map((e) => e.id)).toEqual(past.map((e) => e.id));

        const live = events(3);
        await store.append(stream('server', 1), live.slice(0, 1), 1n);
        await store.append(stream('volume', 1), live.slice(1), NO_STREAM);
        await sub.waitForCount(6);

        expect(sub.received.map((e) => e.id)).toEqual([...past, ...live].map((e) => e.id));
        expect(sub.received).toEqual(await readOurs());
        expectStrictlyIncreasing(sub.received.map((e) => e.position));
      });

      it('applies the filter to catch-up and live events', async () => {
        const start = (await store.headPosition()) ?? undefined;
        await store.append(stream('server'), [event('ServerBuildRequested')], 'any');
        await store.append(stream('volume'), [event('VolumeCreated')], 'any');

        const sub = await subscribe({ fromPosition: start, filter: { streamPrefixes: [prefix('volume')] } });
        await store.append(stream('server'), [event('ServerSpawned')], 'any');
        await store.append(stream('volume'), [event('VolumeAttached')], 'any');
        await sub.waitForCount(2);

        // The sentinel shows everything appended before it has been considered.
        await store.append(stream('volume'), [event('Sentinel')], 'any');
        await sub.waitForCount(3);
        expect(sub.received.map((e) => e.type)).toEqual(['VolumeCreated', 'VolumeAttached', 'Sentinel']);
      });

      it('resumes strictly after the given position', async () => {
        const written = events(4);
        await store.append(stream('server'), written, NO_STREAM);
        const all = await readOurs();

        const sub = await subscribe({ fromPosition: all[1].position });
        await sub.waitForCount(2);
        const more = event();
        await store.append(stream('server'), [more], 3n);
        await sub.waitForCount(3);

        expect(sub.received.map((e) => e.id)).toEqual([written[2].id, written[3].id, more.id]);
      });

      it('resumes from the position of the last live event delivered', async () => {
        const start = (await store.headPosition()) ?? undefined;
        const first = await subscribe({ fromPosition: start });
        await store.append(stream('server'), events(2), NO_STREAM);
        await first.waitForCount(2);
        controller.abort();
        await first.done;

        controller = new AbortController();
        const later = events(2);
        await store.append(stream('server'), later, 1n);
        const second = await subscribe({ fromPosition: first.received[1].position });
        await second.waitForCount(2);
        expect(second.received.map((e) => e.id)).toEqual(later.map((e) => e.id));
      });

      it('ends the iterator when the signal aborts while waiting for live events', async () => {
        const start = (await store.headPosition()) ?? undefined;
        await store.append(stream('server'), events(1), NO_STREAM);
        const sub = await subscribe({ fromPosition: start });
        await sub.waitForCount(1);
        expect(sub.ended).toBe(false);

        controller.abort();
        await waitFor(() => sub.ended, 'the subscription to end');
        await store.append(stream('server'), events(1), 0n);
        expect(sub.received).toHaveLength(1);
      });

      it('delivers nothing when the signal is already aborted', async () => {
        await store.append(stream('server'), events(2), NO_STREAM);
        controller.abort();
        const sub = await subscribe();
        await waitFor(() => sub.ended, 'the subscription to end');
        expect(sub.received).toEqual([]);
      });

      it('stops when the consumer breaks out of the loop', async () => {
        const start = (await store.headPosition()) ?? undefined;
        await store.append(stream('server'), events(3), NO_STREAM);
        const seen: RecordedEvent[] = [];
        for await (const e of store.subscribeToAll({ fromPosition: start, filter: ours(), signal: controller.signal })) {
          seen.push(e);
          if (seen.length === 2) break;
        }
        expect(seen.map((e) => e.version)).toEqual([0n, 1n]);
      });
    });
  });
}
