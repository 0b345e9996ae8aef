import { Command } from '../../kernel';

export type CreateAggregate = Command<'CreateAggregate', { uuid: string; name: string; availabilityZone: string | null }>;
/**
 * PUT /os-aggregates/{id}: a new name and/or zone. `hostsWithInstances`: the member hosts that run
 * servers, as the API read them; Nova refuses to move a zone that holds servers.
 */
export type UpdateAggregate = Command<'UpdateAggregate', { aggregateId: number; name?: string; availabilityZone?: string | null; hostsWithInstances: string[] }>;
/** set_metadata: merged into the aggregate's metadata; null removes a key. */
export type SetAggregateMetadata = Command<'SetAggregateMetadata', { aggregateId: number; metadata: Record<string, string | null>; hostsWithInstances: string[] }>;
/** add_host: the API has checked that the compute host exists. */
export type AddAggregateHost = Command<'AddAggregateHost', { aggregateId: number; host: string }>;
export type RemoveAggregateHost = Command<'RemoveAggregateHost', { aggregateId: number; host: string }>;
export type DeleteAggregate = Command<'DeleteAggregate', { aggregateId: number }>;

export type AggregateCommand = CreateAggregate | UpdateAggregate | SetAggregateMetadata | AddAggregateHost | RemoveAggregateHost | DeleteAggregate;
