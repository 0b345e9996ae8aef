import { Decider } from '../../kernel';
import { GroupCommand } from './commands';
import { decideGroup } from './decide';
import { GroupEvent } from './events';
import { evolveGroup, GroupState, initialGroupState } from './state';

export * from './commands';
export * from './events';
export type { Group, GroupState } from './state';

export const groupDecider: Decider<GroupCommand, GroupEvent, GroupState> = {
  initialState: initialGroupState,
  evolve: evolveGroup,
  decide: decideGroup,
};
