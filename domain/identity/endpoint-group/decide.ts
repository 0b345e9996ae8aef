import { assertNever, Conflict, InvalidInput, NotFound } from '../../kernel';
import { changedFields, IDENTITY_NAME_MAX, isEmpty, requireName } from '../validation';
import { CreateEndpointGroup, DeleteEndpointGroup, EndpointGroupCommand, UpdateEndpointGroup } from './commands';
import { EndpointGroupEvent, EndpointGroupFilters, EndpointGroupUpdated } from './events';
import { EndpointGroup, EndpointGroupState } from './state';

const FILTER_KEYS = ['service_id', 'region_id', 'interface'];
const INTERFACES = ['admin', 'internal', 'public'];

// Keystone's ValidationError text for `attribute`/`target` (keystone/exception.py).
const expecting = (attribute: string, target: string) =>
  `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`;

function activeGroup(state: EndpointGroupState, endpointGroupId: string): EndpointGroup {
  if (state.status !== 'active') throw new NotFound(`Could not find endpoint group: ${endpointGroupId}.`, { endpointGroupId });
  return state.endpointGroup;
}

/** Keystone os_ep_filter: filters are required, non-empty, and name only service_id, region_id or interface. */
function requireFilters(filters: EndpointGroupFilters): EndpointGroupFilters {
  if (Object.keys(filters).length === 0) throw new InvalidInput('filters field is required and cannot be empty', { field: 'filters' });
  if (Object.keys(filters).some((k) => !FILTER_KEYS.includes(k))) throw new InvalidInput(expecting(FILTER_KEYS.join(' or '), 'endpoint_group'), { field: 'filters' });
  if (filters.interface !== undefined && !INTERFACES.includes(filters.interface)) {
    throw new InvalidInput(`Invalid input for field 'filters/interface': ${JSON.stringify(filters.interface)} is not one of ['admin', 'internal', 'public']`, { field: 'filters' });
  }
  return filters;
}

export function createEndpointGroup(command: CreateEndpointGroup, state: EndpointGroupState): EndpointGroupEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store endpoint_group - Duplicate ID, ${d.endpointGroupId}.`, { endpointGroupId: d.endpointGroupId });
  requireName(d.name, IDENTITY_NAME_MAX);
  requireFilters(d.filters);
  return [{ type: 'EndpointGroupCreated', data: { endpointGroupId: d.endpointGroupId, name: d.name, description: d.description ?? null, filters: d.filters } }];
}

export function updateEndpointGroup(command: UpdateEndpointGroup, state: EndpointGroupState): EndpointGroupEvent[] {
  const d = command.data;
  const group = activeGroup(state, d.endpointGroupId);
  if (d.name !== undefined) requireName(d.name, IDENTITY_NAME_MAX);
  if (d.filters !== undefined) requireFilters(d.filters);
  const changes = changedFields(group, { name: d.name, description: d.description, filters: d.filters }, ['name', 'description', 'filters'] as const);
  if (isEmpty(changes)) return [];
  return [{ type: 'EndpointGroupUpdated', data: { endpointGroupId: d.endpointGroupId, ...changes } as EndpointGroupUpdated['data'] }];
}

export function deleteEndpointGroup(command: DeleteEndpointGroup, state: EndpointGroupState): EndpointGroupEvent[] {
  const group = activeGroup(state, command.data.endpointGroupId);
  return [{ type: 'EndpointGroupDeleted', data: { endpointGroupId: group.endpointGroupId } }];
}

export function decideEndpointGroup(command: EndpointGroupCommand, state: EndpointGroupState): EndpointGroupEvent[] {
  switch (command.type) {
    case 'CreateEndpointGroup':
      return createEndpointGroup(command, state);
    case 'UpdateEndpointGroup':
      return updateEndpointGroup(command, state);
    case 'DeleteEndpointGroup':
      return deleteEndpointGroup(command, state);
    default:
      return assertNever(command);
  }
}
