import { EndpointGroupEvent, EndpointGroupFilters } from './events';

export interface EndpointGroup {
  endpointGroupId: string;
  name: string;
  description: string | null;
  filters: EndpointGroupFilters;
}

export type EndpointGroupState = { status: 'absent' } | { status: 'active'; endpointGroup: EndpointGroup } | { status: 'deleted'; endpointGroup: EndpointGroup };

export const initialEndpointGroupState: EndpointGroupState = { status: 'absent' };

export function evolveEndpointGroup(state: EndpointGroupState, event: EndpointGroupEvent): EndpointGroupState {
  switch (event.type) {
    case 'EndpointGroupCreated':
      return { status: 'active', endpointGroup: { ...event.data } };
    case 'EndpointGroupUpdated': {
      if (state.status !== 'active') return state;
      const { endpointGroupId: _id, ...changes } = event.data;
      return { status: 'active', endpointGroup: { ...state.endpointGroup, ...changes } };
    }
    case 'EndpointGroupDeleted':
      return state.status === 'active' ? { status: 'deleted', endpointGroup: state.endpointGroup } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
