import { ServiceEvent } from './events';

export interface CatalogService {
  serviceId: string;
  type: string;
  name: string | null;
  description: string | null;
  enabled: boolean;
}

export type ServiceState = { status: 'absent' } | { status: 'active'; service: CatalogService } | { status: 'deleted'; service: CatalogService };

export const initialServiceState: ServiceState = { status: 'absent' };

export function evolveService(state: ServiceState, event: ServiceEvent): ServiceState {
  switch (event.type) {
    case 'ServiceCreated':
      return { status: 'active', service: { ...event.data } };
    case 'ServiceUpdated': {
      if (state.status !== 'active') return state;
      const { serviceId: _id, ...changes } = event.data;
      return { status: 'active', service: { ...state.service, ...changes } };
    }
    case 'ServiceDeleted':
      return state.status === 'active' ? { status: 'deleted', service: state.service } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
