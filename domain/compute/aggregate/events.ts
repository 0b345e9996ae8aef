import { DomainEvent } from '../../kernel';

/**
 * Nova's host aggregates (os-aggregates): every aggregate of the deployment lives in one stream,
 * because Nova's rules span them: names are unique, ids are allocated in order, and a host may not
 * sit in two aggregates whose availability zones differ. `aggregateId` is Nova's integer id (the
 * API's path parameter), `uuid` the id Nova shows from 2.41.
 */
export type AggregateCreated = DomainEvent<'AggregateCreated', { aggregateId: number; uuid: string; name: string; availabilityZone: string | null }>;
export type AggregateRenamed = DomainEvent<'AggregateRenamed', { aggregateId: number; uuid: string; name: string }>;
/** Metadata merged in: `set` keys added or changed, `removed` keys deleted. The zone is the key `availability_zone`. */
export type AggregateMetadataUpdated = DomainEvent<'AggregateMetadataUpdated', { aggregateId: number; uuid: string; set: Record<string, string>; removed: string[] }>;
export type AggregateHostAdded = DomainEvent<'AggregateHostAdded', { aggregateId: number; uuid: string; host: string }>;
export type AggregateHostRemoved = DomainEvent<'AggregateHostRemoved', { aggregateId: number; uuid: string; host: string }>;
export type AggregateDeleted = DomainEvent<'AggregateDeleted', { aggregateId: number; uuid: string; name: string }>;

export type AggregateEvent = AggregateCreated | AggregateRenamed | AggregateMetadataUpdated | AggregateHostAdded | AggregateHostRemoved | AggregateDeleted;

export const AGGREGATE_EVENT_TYPES: AggregateEvent['type'][] = [
  'AggregateCreated',
  'AggregateRenamed',
  'AggregateMetadataUpdated',
  'AggregateHostAdded',
  'AggregateHostRemoved',
  'AggregateDeleted',
];

/** The metadata key that makes an aggregate an availability zone. */
export const AVAILABILITY_ZONE_KEY = 'availability_zone';
