import { Decider } from '../../kernel';
import { OAuthConsumerCommand } from './commands';
import { decideOAuthConsumer } from './decide';
import { OAuthConsumerEvent } from './events';
import { evolveOAuthConsumer, initialOAuthConsumerState, OAuthConsumerState } from './state';

export * from './commands';
export * from './events';
export type { OAuthConsumer, OAuthConsumerState } from './state';

export const oauthConsumerDecider: Decider<OAuthConsumerCommand, OAuthConsumerEvent, OAuthConsumerState> = {
  initialState: initialOAuthConsumerState,
  evolve: evolveOAuthConsumer,
  decide: decideOAuthConsumer,
};
