import { Decider } from '../../kernel';
import { TrustCommand } from './commands';
import { decideTrust } from './decide';
import { TrustEvent } from './events';
import { evolveTrust, initialTrustState, TrustState } from './state';

export * from './commands';
export * from './events';
export { MAX_REDELEGATION_COUNT } from './decide';
export type { Trust, TrustState } from './state';

export const trustDecider: Decider<TrustCommand, TrustEvent, TrustState> = {
  initialState: initialTrustState,
  evolve: evolveTrust,
  decide: decideTrust,
};
