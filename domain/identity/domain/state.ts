import { ResourceOptions } from '../validation';
import { IdentityDomainEvent } from './events';

export interface IdentityDomain {
  domainId: string;
  name: string;
  description: string;
  enabled: boolean;
  options: ResourceOptions;
}

export type IdentityDomainState =
  | { status: 'absent' }
  | { status: 'active'; domain: IdentityDomain }
  | { status: 'deleted'; domain: IdentityDomain };

export const initialIdentityDomainState: IdentityDomainState = { status: 'absent' };

export function evolveIdentityDomain(state: IdentityDomainState, event: IdentityDomainEvent): IdentityDomainState {
  switch (event.type) {
    case 'DomainCreated':
      return { status: 'active', domain: { ...event.data } };
    case 'DomainUpdated': {
      if (state.status !== 'active') return state;
      const { domainId: _id, ...changes } = event.data;
      return { status: 'active', domain: { ...state.domain, ...changes } };
    }
    case 'DomainDeleted':
      return state.status === 'active' ? { status: 'deleted', domain: state.domain } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
