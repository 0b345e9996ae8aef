import { Decider } from '../../kernel';
import { UserCommand } from './commands';
import { decideUser } from './decide';
import { UserEvent } from './events';
import { evolveUser, initialUserState, UserState } from './state';

export * from './commands';
export * from './events';
export type { User, UserState } from './state';

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: initialUserState,
  evolve: evolveUser,
  decide: decideUser,
};
