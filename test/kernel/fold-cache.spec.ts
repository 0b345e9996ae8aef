import { InMemoryEventStore } from '../../infra/eventstore/in-memory/in-memory-event-store';
import { deterministicEventId } from '../../infra/ids/ids';
import { FIXED_NOW } from '../support/decider-spec';
import { Command, handleCommand } from '../../domain/kernel/command-handler';
import { Decider, DomainEvent } from '../../domain/kernel/decider';
import { InvalidState } from '../../domain/kernel/errors';
import { EventStore, ReadStreamOptions, RecordedEvent } from '../../domain/kernel/event-store';
import { FoldCache } from '../../domain/kernel/fold-cache';
import { SYSTEM_ACTOR } from '../../domain/kernel/metadata';

type CounterCommand = Command<'Add', { n: number }> | Command<'Reset', Record<string, never>>;
type CounterEvent = DomainEvent<'Added', { n: number }> | DomainEvent<'WasReset', Record<string, never>>;
interface CounterState {
  total: number;
}

const counter: Decider<CounterCommand, CounterEvent, CounterState> = {
  initialState: { total: 0 },
  decide(command, state) {
    if (command.type === 'Reset') return state.total === 0 ? [] : [{ type: 'WasReset', data: {} }];
    if (state.total + command.data.n > 10) throw new InvalidState('over ten');
    return [{ type: 'Added', data: { n: command.data.n } }];
  },
  evolve(state, event) {
    return event.type === 'Added' ? { total: state.total + event.data.n } : { total: 0 };
  },
};

const meta = (requestId: string, userId: string | null = null) => ({ requestId, correlationId: `corr-${requestId}`, causationId: requestId, actor: { ...SYSTEM_ACTOR, userId }, now: FIXED_NOW });
const add = (n: number, requestId: string): CounterCommand => ({ type: 'Add', data: { n }, metadata: meta(requestId) });

/** The store, counting readStream calls and the events they returned. */
function countingStore() {
  const store = new InMemoryEventStore();
  const reads: { stream: string; fromVersion: bigint | undefined; returned: number }[] = [];
  const counting: EventStore = Object.create(store);
  counting.readStream = async function* (stream: string, opts?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    const read = { stream, fromVersion: opts?.fromVersion, returned: 0 };
    reads.push(read);
    for await (const e of store.readStream(stream, opts)) {
      read.returned++;
      yield e;
    }
  };
  return { store, counting, reads };
}

const all = async (store: EventStore, stream: string) => {
  const out: RecordedEvent[] = [];
  for await (const e of store.readStream(stream)) out.push(e);
  return out;
};

describe('FoldCache', () => {
  it('appends exactly what handleCommand appends: ids, types, data and metadata', async () => {
    const viaCache = new InMemoryEventStore();
    const viaHandler = new InMemoryEventStore();
    const cache = new FoldCache(viaCache, counter, { eventId: deterministicEventId, soleWriter: true });
    for (const [i, n] of [3, 4].entries()) {
      await cache.handle('counter-1', add(n, `req-${i}`));
      await handleCommand(viaHandler, counter, 'counter-1', add(n, `req-${i}`), { eventId: deterministicEventId });
    }
    const strip = (events: RecordedEvent[]) => events.map(({ id, type, data, metadata, version }) => ({ id, type, data, metadata, version }));
    expect(strip(await all(viaCache, 'counter-1'))).toEqual(strip(await all(viaHandler, 'counter-1')));
  });

  it('as sole writer, reads a stream once and then decides on its fold', async () => {
    const { counting, reads } = countingStore();
    const cache = new FoldCache(counting, counter, { eventId: deterministicEventId, soleWriter: true });
    await cache.handle('counter-1', add(1, 'req-a'));
    await cache.handle('counter-1', add(2, 'req-b'));
    const result = await cache.handle('counter-1', add(3, 'req-c'));
    expect(result.state).toEqual({ total: 6 });
    expect(result.nextVersion).toBe(2n);
    expect(reads).toHaveLength(1);
    expect((await cache.load('counter-1')).correlationId).toBe('corr-req-a');
  });

  it('as one writer among others, reads only the events appended since its fold', async () => {
    const { store, counting, reads } = countingStore();
    const cache = new FoldCache(counting, counter, { eventId: deterministicEventId, soleWriter: false });
    await cache.handle('counter-1', add(1, 'req-a'));
    await handleCommand(store, counter, 'counter-1', add(2, 'req-other'), { eventId: deterministicEventId });
    const folded = await cache.load('counter-1');
    expect(folded.state).toEqual({ total: 3 });
    expect(reads.map((r) => [r.fromVersion, r.returned])).toEqual([
      [0n, 0],
      [1n, 1],
    ]);
  });

  describe('as one writer among others (optimistic)', () => {
    const reset = (requestId: string): CounterCommand => ({ type: 'Reset', data: {}, metadata: meta(requestId) });

    it('decides on the fold it holds without a read; the append refuses a stale fold and the command is decided again', async () => {
      const { store, counting, reads } = countingStore();
      const cache = new FoldCache(counting, counter, { eventId: deterministicEventId, soleWriter: false });
      await cache.handle('counter-1', add(1, 'req-a'));
      await cache.handle('counter-1', add(1, 'req-b'));
      expect(reads).toHaveLength(1); // the first load only
      await handleCommand(store, counter, 'counter-1', add(2, 'req-other'), { eventId: deterministicEventId });
      const result = await cache.handle('counter-1', add(3, 'req-c'));
      expect(result.state).toEqual({ total: 7 });
      expect((await all(store, 'counter-1')).map((e) => e.data)).toEqual([{ n: 1 }, { n: 1 }, { n: 2 }, { n: 3 }]);
      expect(reads.map((r) => r.returned)).toEqual([0, 3]); // the conflict: the stream read again
    });

    it('believes a refusal decided on its fold only when the stream has nothing newer', async () => {
      const { store, counting, reads } = countingStore();
      const cache = new FoldCache(counting, counter, { eventId: deterministicEventId, soleWriter: false });
      await cache.handle('counter-1', add(9, 'req-a'));
      await expect(cache.handle('counter-1', add(5, 'req-b'))).rejects.toThrow('over ten');
      // The check reads only what the fold lacks: nothing after version 0.
      expect(reads.map((r) => [r.fromVersion, r.returned])).toEqual([
        [0n, 0],
        [1n, 0],
      ]);
      // Another writer resets the counter: the fold (9) would refuse, the stream (0) accepts.
      await handleCommand(store, counter, 'counter-1', reset('req-other'), { eventId: deterministicEventId });
      expect((await cache.handle('counter-1', add(5, 'req-c'))).state).toEqual({ total: 5 });
      expect((await all(store, 'counter-1')).map((e) => e.type)).toEqual(['Added', 'WasReset', 'Added']);
    });

    it('believes a command that changes nothing on its fold only when the stream has nothing newer', async () => {
      const { store, counting } = countingStore();
      const cache = new FoldCache(counting, counter, { eventId: deterministicEventId, soleWriter: false });
      await cache.handle('counter-1', add(3, 'req-a'));
      await cache.handle('counter-1', reset('req-r1'));
      expect(await cache.handle('counter-1', reset('req-r2'))).toMatchObject({ events: [], state: { total: 0 } });
      await handleCommand(store, counter, 'counter-1', add(2, 'req-other'), { eventId: deterministicEventId });
      // The fold says 0 (nothing to reset); the stream says 2.
      expect(await cache.handle('counter-1', reset('req-r3'))).toMatchObject({ events: [{ type: 'WasReset' }], state: { total: 0 } });
    });

    it('takes a stream the caller knows to be new as empty without a read, and reads it when it was not', async () => {
      const { store, counting, reads } = countingStore();
      const cache = new FoldCache(counting, counter, { eventId: deterministicEventId, soleWriter: false });
      expect((await cache.handleAll('counter-new', [add(1, 'req-a')], { fresh: true })).nextVersion).toBe(0n);
      expect(reads).toHaveLength(0);
      await handleCommand(store, counter, 'counter-old', add(4, 'req-other'), { eventId: deterministicEventId });
      expect((await cache.handleAll('counter-old', [add(1, 'req-b')], { fresh: true })).state).toEqual({ total: 5 });
      expect(reads.map((r) => r.stream)).toEqual(['counter-old']);
    });
  });

  it('decides again on a fresh fold when a writer it did not know of appended meanwhile', async () => {
    const { store, counting } = countingStore();
    const cache = new FoldCache(counting, counter, { eventId: deterministicEventId, soleWriter: true });
    await cache.handle('counter-1', add(4, 'req-a'));
    await handleCommand(store, counter, 'counter-1', add(5, 'req-intruder'), { eventId: deterministicEventId });
    // The fold says 4, the stream says 9: adding 2 would pass ten.
    await expect(cache.handle('counter-1', add(2, 'req-b'))).rejects.toThrow('over ten');
    const result = await cache.handle('counter-1', add(1, 'req-c'));
    expect(result.state).toEqual({ total: 10 });
    expect((await all(store, 'counter-1')).map((e) => e.data)).toEqual([{ n: 4 }, { n: 5 }, { n: 1 }]);
  });

  it('does not decide a request the stream already holds, even after a restart (a fresh cache)', async () => {
    const store = new InMemoryEventStore();
    const first = new FoldCache(store, counter, { eventId: deterministicEventId, soleWriter: true });
    await first.handle('counter-1', add(1, 'req-a'));
    const again = await first.handle('counter-1', add(1, 'req-a'));
    expect(again).toMatchObject({ events: [], replayed: true, state: { total: 1 } });
    const restarted = new FoldCache(store, counter, { eventId: deterministicEventId, soleWriter: true });
    expect(await restarted.handle('counter-1', add(1, 'req-a'))).toMatchObject({ replayed: true });
    // The same request id from another user is another request.
    await restarted.handle('counter-1', { ...add(1, 'req-a'), metadata: meta('req-a', 'user-2') });
    expect((await all(store, 'counter-1')).length).toBe(2);
  });

  it('appends nothing for a command that decides nothing, and forgets the least recently used streams past its capacity', async () => {
    const { counting, reads } = countingStore();
    const cache = new FoldCache(counting, counter, { eventId: deterministicEventId, soleWriter: true, capacity: 2 });
    expect(await cache.handle('counter-1', { type: 'Reset', data: {}, metadata: meta('req-r') })).toMatchObject({ events: [], nextVersion: null });
    await cache.handle('counter-2', add(1, 'req-2'));
    await cache.handle('counter-1', add(1, 'req-1'));
    await cache.handle('counter-3', add(1, 'req-3'));
    expect(cache.size).toBe(2);
    await cache.load('counter-1');
    await cache.load('counter-2'); // evicted: read again
    expect(reads.map((r) => r.stream)).toEqual(['counter-1', 'counter-2', 'counter-3', 'counter-2']);
  });

  it('appends several commands in one write, with the ids each would have had alone, or nothing when one of them is refused', async () => {
    const together = new InMemoryEventStore();
    const alone = new InMemoryEventStore();
    const cache = new FoldCache(together, counter, { eventId: deterministicEventId, soleWriter: true });
    const result = await cache.handleAll('counter-1', [add(2, 'req-a'), add(3, 'req-b')]);
    expect(result).toMatchObject({ nextVersion: 1n, state: { total: 5 }, replayed: false });
    for (const c of [add(2, 'req-a'), add(3, 'req-b')]) await handleCommand(alone, counter, 'counter-1', c, { eventId: deterministicEventId });
    const strip = (events: RecordedEvent[]) => events.map(({ id, type, data, metadata }) => ({ id, type, data, metadata }));
    const written = await all(together, 'counter-1');
    expect(strip(written)).toEqual(strip(await all(alone, 'counter-1')));
    expect(new Set(written.map((e) => e.position)).size).toBe(2);

    await expect(cache.handleAll('counter-1', [add(1, 'req-c'), add(9, 'req-d')])).rejects.toThrow('over ten');
    expect(await all(together, 'counter-1')).toHaveLength(2);
    // Already on the stream: skipped, the rest decided.
    expect(await cache.handleAll('counter-1', [add(2, 'req-a'), add(1, 'req-e')])).toMatchObject({ replayed: true, state: { total: 6 }, nextVersion: 2n });
  });

  it('peek gives the fold it holds without reading newer events, and reads only a stream it does not hold', async () => {
    const { store, counting, reads } = countingStore();
    const cache = new FoldCache(counting, counter, { eventId: deterministicEventId, soleWriter: false });
    expect((await cache.peek('counter-1')).version).toBeNull();
    await cache.handle('counter-1', add(1, 'req-a'));
    await handleCommand(store, counter, 'counter-1', add(2, 'req-other'), { eventId: deterministicEventId });
    const before = reads.length;
    expect((await cache.peek('counter-1')).state).toEqual({ total: 1 });
    expect(reads.length).toBe(before);
    expect((await cache.load('counter-1')).state).toEqual({ total: 3 });
  });

  it('peek reads a stream it folded while it was still empty: a fact written since is never taken for absent', async () => {
    const { store, counting } = countingStore();
    const cache = new FoldCache(counting, counter, { eventId: deterministicEventId, soleWriter: false });
    // As the conductor loads a group's members when one of them is not created yet.
    expect((await cache.load('counter-2')).version).toBeNull();
    await handleCommand(store, counter, 'counter-2', add(4, 'req-created'), { eventId: deterministicEventId });
    expect((await cache.peek('counter-2')).state).toEqual({ total: 4 });
  });
});
