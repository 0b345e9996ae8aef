import { EndpointCreated, EndpointEvent } from './events';

export type Endpoint = EndpointCreated['data'];

export type EndpointState = { status: 'absent' } | { status: 'active'; endpoint: Endpoint } | { status: 'deleted'; endpoint: Endpoint };

export const initialEndpointState: EndpointState = { status: 'absent' };

export function evolveEndpoint(state: EndpointState, event: EndpointEvent): EndpointState {
  switch (event.type) {
    case 'EndpointCreated':
      return { status: 'active', endpoint: event.data };
    case 'EndpointUpdated': {
      if (state.status !== 'active') return state;
      const { endpointId: _id, ...changes } = event.data;
      return { status: 'active', endpoint: { ...state.endpoint, ...changes } };
    }
    case 'EndpointDeleted':
      return state.status === 'active' ? { status: 'deleted', endpoint: state.endpoint } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
