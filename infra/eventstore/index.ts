export * from '../../domain/kernel/event-store';
export { InMemoryEventStore } from './in-memory/in-memory-event-store';
export type { InMemoryEventStoreOptions } from './in-memory/in-memory-event-store';
export * from './postgres';
// export * from './eventstoredb';
