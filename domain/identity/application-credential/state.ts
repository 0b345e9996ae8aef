import { ApplicationCredentialCreated, ApplicationCredentialEvent } from './events';

export type ApplicationCredential = ApplicationCredentialCreated['data'];

export type ApplicationCredentialState =
  | { status: 'absent' }
  | { status: 'active'; credential: ApplicationCredential }
  | { status: 'deleted'; credential: ApplicationCredential };

export const initialApplicationCredentialState: ApplicationCredentialState = { status: 'absent' };

export function evolveApplicationCredential(state: ApplicationCredentialState, event: ApplicationCredentialEvent): ApplicationCredentialState {
  switch (event.type) {
    case 'ApplicationCredentialCreated':
      return { status: 'active', credential: event.data };
    case 'ApplicationCredentialDeleted':
      return state.status === 'active' ? { status: 'deleted', credential: state.credential } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
