import { assertNever, Conflict, NotFound } from '../../kernel';
import { changedFields, IDENTITY_NAME_MAX, isEmpty, requireName } from '../validation';
import { CreateService, DeleteService, ServiceCommand, UpdateService } from './commands';
import { ServiceEvent, ServiceUpdated } from './events';
import { CatalogService, ServiceState } from './state';

// Keystone catalog/schema.py: `type` is a 1..255 character string; names are optional and not unique.
const SERVICE_TYPE_MAX = IDENTITY_NAME_MAX;

function activeService(state: ServiceState, serviceId: string): CatalogService {
  if (state.status !== 'active') throw new NotFound(`Could not find service: ${serviceId}.`, { serviceId });
  return state.service;
}

export function createService(command: CreateService, state: ServiceState): ServiceEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store service - Duplicate ID, ${d.serviceId}.`, { serviceId: d.serviceId });
  requireName(d.type, SERVICE_TYPE_MAX, 'type');
  return [{ type: 'ServiceCreated', data: { serviceId: d.serviceId, type: d.type, name: d.name ?? null, description: d.description ?? null, enabled: d.enabled ?? true } }];
}

export function updateService(command: UpdateService, state: ServiceState): ServiceEvent[] {
  const d = command.data;
  const service = activeService(state, d.serviceId);
  if (d.type !== undefined) requireName(d.type, SERVICE_TYPE_MAX, 'type');
  const changes = changedFields(service, d, ['type', 'name', 'description', 'enabled'] as const);
  if (isEmpty(changes)) return [];
  return [{ type: 'ServiceUpdated', data: { serviceId: d.serviceId, ...changes } as ServiceUpdated['data'] }];
}

export function deleteService(command: DeleteService, state: ServiceState): ServiceEvent[] {
  const service = activeService(state, command.data.serviceId);
  return [{ type: 'ServiceDeleted', data: { serviceId: service.serviceId, type: service.type } }];
}

export function decideService(command: ServiceCommand, state: ServiceState): ServiceEvent[] {
  switch (command.type) {
    case 'CreateService':
      return createService(command, state);
    case 'UpdateService':
      return updateService(command, state);
    case 'DeleteService':
      return deleteService(command, state);
    default:
      return assertNever(command);
  }
}
