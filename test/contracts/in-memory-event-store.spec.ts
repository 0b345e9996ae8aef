import { EventMetadata, SYSTEM_ACTOR } from '../../domain/kernel';
import { InMemoryEventStore } from '../../infra/eventstore';
import { uuidFromName } from '../../infra/ids/ids';
import { FIXED_NOW } from '../support/decider-spec';
import { collect, eventStoreContract, toArray, waitFor } from './event-store.contract';

const clock = () => new Date(FIXED_NOW);
const metadata: EventMetadata = {
  correlationId: 'req-1',
  causationId: 'req-1',
  requestId: 'req-1',
  actor: SYSTEM_ACTOR,
  occurredAt: FIXED_NOW,
  schemaVersion: 1,
};

eventStoreContract('in-memory', async () => {
  const store = new InMemoryEventStore({ clock });
  return { store, cleanup: () => store.close() };
});

describe('InMemoryEventStore', () => {
  it('has no head position while empty', async () => {
    expect(await new InMemoryEventStore({ clock }).headPosition()).toBeNull();
  });

  it('ends live subscriptions on close', async () => {
    const store = new InMemoryEventStore({ clock });
    const sub = collect(store.subscribeToAll({}));
    await store.close();
    await waitFor(() => sub.ended, 'the subscription to end');
    expect(sub.received).toEqual([]);
  });

  it('stamps events with its clock', async () => {
    const store = new InMemoryEventStore({ clock });
    await store.append('server-1', [{ id: uuidFromName('e1'), type: 'ServerBuildRequested', data: {}, metadata: { ...metadata } }], 'any');
    const [event] = await toArray(store.readAll());
    expect(event.recordedAt.toISOString()).toBe(FIXED_NOW);
  });

  it('hands out copies: a caller mutating an event changes nothing stored', async () => {
    const store = new InMemoryEventStore({ clock });
    const data = { name: 'vm1' };
    await store.append('server-1', [{ id: uuidFromName('e1'), type: 'ServerBuildRequested', data, metadata: { ...metadata } }], 'any');
    data.name = 'changed';
    const [read] = await toArray(store.readStream('server-1'));
    (read.data as { name: string }).name = 'changed too';
    expect((await toArray(store.readStream('server-1')))[0].data).toEqual({ name: 'vm1' });
  });
});
