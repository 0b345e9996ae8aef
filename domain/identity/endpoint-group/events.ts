import { DomainEvent } from '../../kernel';
import { EndpointInterface } from '../endpoint';

/** The endpoint attributes a group selects on (Keystone os_ep_filter `_require_valid_filter`). */
export interface EndpointGroupFilters {
  service_id?: string;
  region_id?: string | null;
  interface?: EndpointInterface;
}

export type EndpointGroupCreated = DomainEvent<'EndpointGroupCreated', { endpointGroupId: string; name: string; description: string | null; filters: EndpointGroupFilters }>;
/** Only the fields that changed; `filters` replaces the whole set. */
export type EndpointGroupUpdated = DomainEvent<'EndpointGroupUpdated', { endpointGroupId: string; name?: string; description?: string | null; filters?: EndpointGroupFilters }>;
export type EndpointGroupDeleted = DomainEvent<'EndpointGroupDeleted', { endpointGroupId: string }>;

export type EndpointGroupEvent = EndpointGroupCreated | EndpointGroupUpdated | EndpointGroupDeleted;
