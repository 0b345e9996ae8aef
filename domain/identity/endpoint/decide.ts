import { assertNever, Conflict, InvalidInput, NotFound } from '../../kernel';
import { changedFields, isEmpty, requireNonEmpty } from '../validation';
import { CreateEndpoint, DeleteEndpoint, EndpointCommand, UpdateEndpoint } from './commands';
import { EndpointEvent, EndpointUpdated } from './events';
import { Endpoint, EndpointState } from './state';

const INTERFACES = ['public', 'internal', 'admin'];
// Keystone common/validation parameter_types `url`: at most 225 characters, `scheme:rest` (RFC 1738 §2.1).
const URL_MAX = 225;
const URL_PATTERN = /^[a-zA-Z0-9+.-]+:.+/;

function requireInterface(value: string): void {
  if (!INTERFACES.includes(value)) throw new InvalidInput(`Invalid input for field 'interface': '${value}' is not one of public, internal, admin.`, { field: 'interface' });
}

function requireUrl(url: string): void {
  if (typeof url !== 'string' || url.length > URL_MAX || !URL_PATTERN.test(url)) {
    throw new InvalidInput(`Invalid input for field 'url': '${String(url)}' is not a URL of at most ${URL_MAX} characters.`, { field: 'url' });
  }
}

function activeEndpoint(state: EndpointState, endpointId: string): Endpoint {
  if (state.status !== 'active') throw new NotFound(`Could not find endpoint: ${endpointId}.`, { endpointId });
  return state.endpoint;
}

export function createEndpoint(command: CreateEndpoint, state: EndpointState): EndpointEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store endpoint - Duplicate ID, ${d.endpointId}.`, { endpointId: d.endpointId });
  requireNonEmpty(d.serviceId, 'service_id');
  requireInterface(d.interface);
  requireUrl(d.url);
  return [
    {
      type: 'EndpointCreated',
      data: { endpointId: d.endpointId, serviceId: d.serviceId, interface: d.interface, url: d.url, regionId: d.regionId ?? null, enabled: d.enabled ?? true },
    },
  ];
}

export function updateEndpoint(command: UpdateEndpoint, state: EndpointState): EndpointEvent[] {
  const d = command.data;
  const endpoint = activeEndpoint(state, d.endpointId);
  if (d.serviceId !== undefined) requireNonEmpty(d.serviceId, 'service_id');
  if (d.interface !== undefined) requireInterface(d.interface);
  if (d.url !== undefined) requireUrl(d.url);
  const changes = changedFields(endpoint, d, ['serviceId', 'interface', 'url', 'regionId', 'enabled'] as const);
  if (isEmpty(changes)) return [];
  return [{ type: 'EndpointUpdated', data: { endpointId: d.endpointId, ...changes } as EndpointUpdated['data'] }];
}

export function deleteEndpoint(command: DeleteEndpoint, state: EndpointState): EndpointEvent[] {
  const endpoint = activeEndpoint(state, command.data.endpointId);
  return [{ type: 'EndpointDeleted', data: { endpointId: endpoint.endpointId, serviceId: endpoint.serviceId } }];
}

export function decideEndpoint(command: EndpointCommand, state: EndpointState): EndpointEvent[] {
  switch (command.type) {
    case 'CreateEndpoint':
      return createEndpoint(command, state);
    case 'UpdateEndpoint':
      return updateEndpoint(command, state);
    case 'DeleteEndpoint':
      return deleteEndpoint(command, state);
    default:
      return assertNever(command);
  }
}
