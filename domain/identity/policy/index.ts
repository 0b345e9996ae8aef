import { Decider } from '../../kernel';
import { PolicyCommand } from './commands';
import { decidePolicy } from './decide';
import { PolicyEvent } from './events';
import { evolvePolicy, initialPolicyState, PolicyState } from './state';

export * from './commands';
export * from './events';
export type { Policy, PolicyState } from './state';

export const policyDecider: Decider<PolicyCommand, PolicyEvent, PolicyState> = {
  initialState: initialPolicyState,
  evolve: evolvePolicy,
  decide: decidePolicy,
};
