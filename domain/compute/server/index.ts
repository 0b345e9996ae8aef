import { Decider } from '../../kernel';
import { ServerCommand } from './commands';
import { decideServer } from './decide';
import { ServerEvent } from './events';
import { evolveServer, initialServerState, ServerState } from './state';

export * from './commands';
export * from './events';
export type { PendingAction, ResizeInProgress, Server, ServerState } from './state';
export { evolveServer } from './state';

export const serverDecider: Decider<ServerCommand, ServerEvent, ServerState> = {
  initialState: initialServerState,
  evolve: evolveServer,
  decide: decideServer,
};
