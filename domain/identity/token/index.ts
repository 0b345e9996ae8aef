import { Decider } from '../../kernel';
import { TokenCommand } from './commands';
import { decideToken } from './decide';
import { TokenEvent } from './events';
import { evolveToken, initialTokenState, TokenState } from './state';

export * from './commands';
export * from './events';
export type { Token, TokenState } from './state';

export const tokenDecider: Decider<TokenCommand, TokenEvent, TokenState> = {
  initialState: initialTokenState,
  evolve: evolveToken,
  decide: decideToken,
};
