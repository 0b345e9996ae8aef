import { Decider } from '../../kernel';
import { ApplicationCredentialCommand } from './commands';
import { decideApplicationCredential } from './decide';
import { ApplicationCredentialEvent } from './events';
import { ApplicationCredentialState, evolveApplicationCredential, initialApplicationCredentialState } from './state';

export * from './access-rule';
export * from './commands';
export * from './events';
export type { ApplicationCredential, ApplicationCredentialState } from './state';

export const applicationCredentialDecider: Decider<ApplicationCredentialCommand, ApplicationCredentialEvent, ApplicationCredentialState> = {
  initialState: initialApplicationCredentialState,
  evolve: evolveApplicationCredential,
  decide: decideApplicationCredential,
};
