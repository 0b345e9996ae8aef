import { PolicyEvent, PolicyExtra } from './events';

export interface Policy {
  policyId: string;
  type: string;
  blob: string;
  extra: PolicyExtra;
}

export type PolicyState = { status: 'absent' } | { status: 'active'; policy: Policy } | { status: 'deleted'; policy: Policy };

export const initialPolicyState: PolicyState = { status: 'absent' };

export function evolvePolicy(state: PolicyState, event: PolicyEvent): PolicyState {
  switch (event.type) {
    case 'PolicyCreated':
      return { status: 'active', policy: { ...event.data } };
    case 'PolicyUpdated': {
      if (state.status !== 'active') return state;
      const { policyId: _id, ...changes } = event.data;
      return { status: 'active', policy: { ...state.policy, ...changes } };
    }
    case 'PolicyDeleted':
      return state.status === 'active' ? { status: 'deleted', policy: state.policy } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
