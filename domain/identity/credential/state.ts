import { CredentialEvent, SealedBlob } from './events';

export interface Credential {
  credentialId: string;
  userId: string;
  projectId: string | null;
  type: string;
  blob: SealedBlob;
}

export type CredentialState = { status: 'absent' } | { status: 'active'; credential: Credential } | { status: 'deleted'; credential: Credential };

export const initialCredentialState: CredentialState = { status: 'absent' };

export function evolveCredential(state: CredentialState, event: CredentialEvent): CredentialState {
  switch (event.type) {
    case 'CredentialCreated':
      return { status: 'active', credential: { ...event.data } };
    case 'CredentialUpdated': {
      if (state.status !== 'active') return state;
      const { credentialId: _id, ...changes } = event.data;
      return { status: 'active', credential: { ...state.credential, ...changes } };
    }
    case 'CredentialDeleted':
      return state.status === 'active' ? { status: 'deleted', credential: state.credential } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
