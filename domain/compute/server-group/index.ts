import { Decider } from '../../kernel';
import { ServerGroupCommand } from './commands';
import { decideServerGroup } from './decide';
import { ServerGroupEvent } from './events';
import { evolveServerGroup, initialServerGroupState, ServerGroupState } from './state';

export * from './commands';
export * from './events';
export type { ServerGroup, ServerGroupState } from './state';

export const serverGroupDecider: Decider<ServerGroupCommand, ServerGroupEvent, ServerGroupState> = {
  initialState: initialServerGroupState,
  evolve: evolveServerGroup,
  decide: decideServerGroup,
};
