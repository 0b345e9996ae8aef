import { Decider } from '../../kernel';
import { HostCommand } from './commands';
import { decideHost } from './decide';
import { HostEvent } from './events';
import { evolveHost, HostState, initialHostState } from './state';

export * from './commands';
export * from './events';
export { InsufficientHostResources } from './decide';
export type { ComputeHost, HostClaim, HostState } from './state';

export const hostDecider: Decider<HostCommand, HostEvent, HostState> = {
  initialState: initialHostState,
  evolve: evolveHost,
  decide: decideHost,
};
