import { Decider } from '../../kernel';
import { EndpointCommand } from './commands';
import { decideEndpoint } from './decide';
import { EndpointEvent } from './events';
import { EndpointState, evolveEndpoint, initialEndpointState } from './state';

export * from './commands';
export * from './events';
export type { Endpoint, EndpointState } from './state';

export const endpointDecider: Decider<EndpointCommand, EndpointEvent, EndpointState> = {
  initialState: initialEndpointState,
  evolve: evolveEndpoint,
  decide: decideEndpoint,
};
