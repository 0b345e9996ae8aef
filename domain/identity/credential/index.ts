import { Decider } from '../../kernel';
import { CredentialCommand } from './commands';
import { decideCredential } from './decide';
import { CredentialEvent } from './events';
import { CredentialState, evolveCredential, initialCredentialState } from './state';

export * from './commands';
export * from './events';
export type { Credential, CredentialState } from './state';

export const credentialDecider: Decider<CredentialCommand, CredentialEvent, CredentialState> = {
  initialState: initialCredentialState,
  evolve: evolveCredential,
  decide: decideCredential,
};
