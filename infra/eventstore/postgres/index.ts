export { appendToStream } from './append';
export type { AppendOptions } from './append';
export { PostgresEventStore } from './postgres-event-store';
export type { PostgresEventStoreOptions } from './postgres-event-store';
export { formatPosition, parsePosition } from './position';
export { EventStoreSchema } from './schema';
