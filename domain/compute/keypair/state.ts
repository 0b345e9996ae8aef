import { KeypairCreated, KeypairEvent } from './events';

export type Keypair = KeypairCreated['data'];

/** A keypair stream is named by (user, name): a deleted name may be taken again. */
export type KeypairState = { status: 'absent' } | { status: 'active'; keypair: Keypair };

export const initialKeypairState: KeypairState = { status: 'absent' };

export function evolveKeypair(state: KeypairState, event: KeypairEvent): KeypairState {
  switch (event.type) {
    case 'KeypairCreated':
      return { status: 'active', keypair: event.data };
    case 'KeypairDeleted':
      return { status: 'absent' };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
