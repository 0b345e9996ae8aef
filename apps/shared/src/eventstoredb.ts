import { EventStore } from '../../../domain/kernel';

/** Loaded only when EVENTSTORE_URL is set, so that @eventstore/db-client stays out of every other process. */
export async function connectEventStoreDb(url: string): Promise<EventStore> {
  const { EventStoreDbEventStore } = await import('../../../infra/eventstore/eventstoredb');
  return EventStoreDbEventStore.connect(url);
}
