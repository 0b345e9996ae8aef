import { Decider } from '../../kernel';
import { EndpointGroupCommand } from './commands';
import { decideEndpointGroup } from './decide';
import { EndpointGroupEvent } from './events';
import { EndpointGroupState, evolveEndpointGroup, initialEndpointGroupState } from './state';

export * from './commands';
export * from './events';
export type { EndpointGroup, EndpointGroupState } from './state';

export const endpointGroupDecider: Decider<EndpointGroupCommand, EndpointGroupEvent, EndpointGroupState> = {
  initialState: initialEndpointGroupState,
  evolve: evolveEndpointGroup,
  decide: decideEndpointGroup,
};
