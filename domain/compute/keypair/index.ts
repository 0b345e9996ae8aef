import { Decider } from '../../kernel';
import { KeypairCommand } from './commands';
import { decideKeypair } from './decide';
import { KeypairEvent } from './events';
import { evolveKeypair, initialKeypairState, KeypairState } from './state';

export * from './commands';
export * from './events';
export type { Keypair, KeypairState } from './state';

export const keypairDecider: Decider<KeypairCommand, KeypairEvent, KeypairState> = {
  initialState: initialKeypairState,
  evolve: evolveKeypair,
  decide: decideKeypair,
};
