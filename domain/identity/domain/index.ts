import { Decider } from '../../kernel';
import { IdentityDomainCommand } from './commands';
import { decideIdentityDomain } from './decide';
import { IdentityDomainEvent } from './events';
import { evolveIdentityDomain, IdentityDomainState, initialIdentityDomainState } from './state';

export * from './commands';
export * from './events';
export type { IdentityDomain, IdentityDomainState } from './state';

/** Keystone domains (`domain-<id>`); "Identity" in the type names keeps them apart from DomainEvent/DomainError. */
export const identityDomainDecider: Decider<IdentityDomainCommand, IdentityDomainEvent, IdentityDomainState> = {
  initialState: initialIdentityDomainState,
  evolve: evolveIdentityDomain,
  decide: decideIdentityDomain,
};
