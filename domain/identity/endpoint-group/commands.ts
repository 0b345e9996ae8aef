import { Command } from '../../kernel';
import { EndpointGroupFilters } from './events';

export type CreateEndpointGroup = Command<'CreateEndpointGroup', { endpointGroupId: string; name: string; description?: string | null; filters: EndpointGroupFilters }>;
export type UpdateEndpointGroup = Command<'UpdateEndpointGroup', { endpointGroupId: string; name?: string; description?: string | null; filters?: EndpointGroupFilters }>;
export type DeleteEndpointGroup = Command<'DeleteEndpointGroup', { endpointGroupId: string }>;

export type EndpointGroupCommand = CreateEndpointGroup | UpdateEndpointGroup | DeleteEndpointGroup;
