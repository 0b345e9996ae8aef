import { InMemoryEventStore } from '../../infra/eventstore/in-memory/in-memory-event-store';
import { deterministicEventId, randomEventId } from '../../infra/ids/ids';
import { FIXED_NOW } from '../support/decider-spec';
import { handleCommand } from '../../domain/kernel/command-handler';
import { Decider } from '../../domain/kernel/decider';
import { Conflict, InvalidState } from '../../domain/kernel/errors';
import { AppendResult, EventStore, ExpectedVersion, NewEvent, NO_STREAM, WrongExpectedVersionError } from '../../domain/kernel/event-store';
import { CommandMetadata } from '../../domain/kernel/metadata';

// A small quota aggregate: enough behaviour to exercise load, fold, decide, append and retry.
type QuotaEvent =
  | { type: 'QuotaCreated'; data: { limit: number } }
  | { type: 'QuotaConsumed'; data: { amount: number } };
type QuotaCommand =
  | { type: 'CreateQuota'; data: { limit: number }; metadata: CommandMetadata }
  | { type: 'ConsumeQuota'; data: { amount: number }; metadata: CommandMetadata };
type QuotaState = { status: 'none' } | { status: 'open'; limit: number; used: number };

const quota: Decider<QuotaCommand, QuotaEvent, QuotaState> = {
  initialState: { status: 'none' },
  evolve(state, event) {
    switch (event.type) {
      case 'QuotaCreated':
        return { status: 'open', limit: event.data.limit, used: 0 };
      case 'QuotaConsumed':
        return state.status === 'open' ? { ...state, used: state.used + event.data.amount } : state;
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'CreateQuota':
        if (state.status !== 'none') throw new Conflict('quota exists');
        return [{ type: 'QuotaCreated', data: { limit: command.data.limit } }];
      case 'ConsumeQuota':
        if (state.status !== 'open') throw new InvalidState('no quota');
        if (state.used + command.data.amount > state.limit) throw new Conflict('over quota');
        return [{ type: 'QuotaConsumed', data: { amount: command.data.amount } }];
    }
  },
};

const meta = (requestId: string): CommandMetadata => ({
  requestId,
  correlationId: requestId,
  causationId: requestId,
  actor: { userId: 'u1', projectId: 'p1', domainId: 'default', roles: ['member'] },
  now: FIXED_NOW,
});

const opts = { eventId: deterministicEventId };

async function events(store: EventStore, stream: string) {
  const out = [];
  for await (const e of store.readStream(stream)) out.push(e);
  return out;
}

describe('handleCommand', () => {
  let store: InMemoryEventStore;
  beforeEach(() => {
    store = new InMemoryEventStore({ clock: () => new Date(FIXED_NOW) });
  });

  it('appends the decided events with full metadata and returns the position written', async () => {
    const result = await handleCommand(store, quota, 'quota-1', { type: 'CreateQuota', data: { limit: 10 }, metadata: meta('req-a') }, opts);
    const [recorded] = await events(store, 'quota-1');
    expect(result.nextVersion).toBe(0n);
    expect(result.position).toBe(recorded.position);
    expect(result.state).toEqual({ status: 'open', limit: 10, used: 0 });
    expect(recorded.metadata).toEqual({
      requestId: 'req-a',
      correlationId: 'req-a',
      causationId: 'req-a',
      actor: { userId: 'u1', projectId: 'p1', domainId: 'default', roles: ['member'] },
      occurredAt: FIXED_NOW,
      schemaVersion: 1,
      commandType: 'CreateQuota',
    });
  });

  it('returns the first outcome when a request id is handled again, appending nothing', async () => {
    await handleCommand(store, quota, 'quota-1', { type: 'CreateQuota', data: { limit: 10 }, metadata: meta('req-a') }, opts);
    const first = await handleCommand(store, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 4 }, metadata: meta('req-b') }, opts);
    const again = await handleCommand(store, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 4 }, metadata: meta('req-b') }, opts);
    expect(again.replayed).toBe(true);
    expect(again.position).toBe(first.position);
    expect(again.events).toEqual([{ type: 'QuotaConsumed', data: { amount: 4 } }]);
    expect((await events(store, 'quota-1')).map((e) => e.type)).toEqual(['QuotaCreated', 'QuotaConsumed']);
  });

  it('with replay off, decides a second command with the same request id like any other (a global request id shared by many calls)', async () => {
    const noReplay = { eventId: randomEventId, replay: false };
    await handleCommand(store, quota, 'quota-1', { type: 'CreateQuota', data: { limit: 10 }, metadata: meta('req-a') }, noReplay);
    const first = await handleCommand(store, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 4 }, metadata: meta('req-g') }, noReplay);
    const second = await handleCommand(store, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 3 }, metadata: meta('req-g') }, noReplay);
    expect(second.replayed).toBe(false);
    expect(second.position).not.toBe(first.position);
    expect(second.state).toEqual({ status: 'open', limit: 10, used: 7 });
    const recorded = await events(store, 'quota-1');
    expect(recorded.map((e) => e.data)).toEqual([{ limit: 10 }, { amount: 4 }, { amount: 3 }]);
    expect(new Set(recorded.map((e) => e.id)).size).toBe(3);
  });

  it('scopes a request id to its sender: another user reusing it is decided afresh, with other event ids', async () => {
    await handleCommand(store, quota, 'quota-1', { type: 'CreateQuota', data: { limit: 10 }, metadata: meta('req-a') }, opts);
    const mine = await handleCommand(store, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 4 }, metadata: meta('req-b') }, opts);
    const theirs = await handleCommand(
      store,
      quota,
      'quota-1',
      { type: 'ConsumeQuota', data: { amount: 4 }, metadata: { ...meta('req-b'), actor: { userId: 'u2', projectId: 'p1', domainId: 'default', roles: ['member'] } } },
      opts,
    );
    expect(theirs.replayed).toBe(false);
    expect(theirs.position).not.toBe(mine.position);
    const recorded = await events(store, 'quota-1');
    expect(recorded.map((e) => e.metadata.actor.userId)).toEqual(['u1', 'u1', 'u2']);
    expect(new Set(recorded.map((e) => e.id)).size).toBe(3);
    expect(theirs.state).toEqual({ status: 'open', limit: 10, used: 8 });
  });

  it('takes a fresh stream as empty without reading it; a retry appends nothing new', async () => {
    let reads = 0;
    const counting: EventStore = Object.create(store);
    counting.readStream = (stream, o) => {
      reads++;
      return store.readStream(stream, o);
    };
    const create = { type: 'CreateQuota' as const, data: { limit: 10 }, metadata: meta('req-a') };
    const first = await handleCommand(counting, quota, 'quota-1', create, { ...opts, fresh: true });
    expect(reads).toBe(0);
    // The same request again: the same event ids, which the store takes as the append it already holds.
    const again = await handleCommand(counting, quota, 'quota-1', create, { ...opts, fresh: true });
    expect(again.position).toBe(first.position);
    expect(await events(store, 'quota-1')).toHaveLength(1);
    // Not a retry, and the stream exists: decided on what it holds.
    await expect(handleCommand(counting, quota, 'quota-1', { ...create, metadata: meta('req-b') }, { ...opts, fresh: true })).rejects.toThrow('quota exists');
    expect((await events(store, 'quota-1')).map((e) => e.type)).toEqual(['QuotaCreated']);
  });

  it('surfaces the domain error and writes nothing', async () => {
    await handleCommand(store, quota, 'quota-1', { type: 'CreateQuota', data: { limit: 3 }, metadata: meta('req-a') }, opts);
    await expect(
      handleCommand(store, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 4 }, metadata: meta('req-b') }, opts),
    ).rejects.toBeInstanceOf(Conflict);
    expect(await events(store, 'quota-1')).toHaveLength(1);
  });

  it('re-decides against newer state after a version conflict', async () => {
    await handleCommand(store, quota, 'quota-1', { type: 'CreateQuota', data: { limit: 5 }, metadata: meta('req-a') }, opts);
    // A competing writer slips in between our read and our append, exactly once.
    let raced = false;
    const racing: EventStore = Object.create(store);
    racing.append = async (stream: string, evts: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> => {
      if (!raced) {
        raced = true;
        await handleCommand(store, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 2 }, metadata: meta('req-other') }, opts);
      }
      return store.append(stream, evts, expected);
    };
    const result = await handleCommand(racing, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 3 }, metadata: meta('req-b') }, opts);
    expect(result.state).toEqual({ status: 'open', limit: 5, used: 5 });
    expect(result.nextVersion).toBe(2n);
  });

  it('gives up after the retry budget and rethrows the conflict', async () => {
    await handleCommand(store, quota, 'quota-1', { type: 'CreateQuota', data: { limit: 100 }, metadata: meta('req-a') }, opts);
    let n = 0;
    const alwaysRaced: EventStore = Object.create(store);
    alwaysRaced.append = async (stream: string, evts: NewEvent[], expected: ExpectedVersion) => {
      await handleCommand(store, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 1 }, metadata: meta(`req-race-${n++}`) }, opts);
      return store.append(stream, evts, expected);
    };
    await expect(
      handleCommand(alwaysRaced, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 1 }, metadata: meta('req-b') }, { ...opts, maxRetries: 2 }),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(n).toBe(3);
  });

  it('checks a client-supplied expected version (If-Match) without retrying', async () => {
    await handleCommand(store, quota, 'quota-1', { type: 'CreateQuota', data: { limit: 5 }, metadata: meta('req-a') }, opts);
    const err = await handleCommand(store, quota, 'quota-1', { type: 'ConsumeQuota', data: { amount: 1 }, metadata: meta('req-b') }, { ...opts, expectedVersion: 3n }).catch((e) => e);
    expect(err).toBeInstanceOf(WrongExpectedVersionError);
    expect(err.actual).toBe(0n);
    const missing = await handleCommand(store, quota, 'quota-2', { type: 'CreateQuota', data: { limit: 1 }, metadata: meta('req-c') }, { ...opts, expectedVersion: 0n }).catch((e) => e);
    expect(missing.actual).toBe(NO_STREAM);
  });

  it('derives the same event ids for the same request', () => {
    expect(deterministicEventId('req-a', 'quota-1', 0, 'X')).toBe(deterministicEventId('req-a', 'quota-1', 0, 'X'));
    expect(deterministicEventId('req-a', 'quota-1', 0, 'X')).not.toBe(deterministicEventId('req-a', 'quota-1', 1, 'X'));
    expect(deterministicEventId('req-a', 'quota-1', 0, 'X')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
