import { Decider } from '../../kernel';
import { DomainConfigCommand } from './commands';
import { decideDomainConfig } from './decide';
import { DomainConfigEvent } from './events';
import { DomainConfigState, evolveDomainConfig, initialDomainConfigState } from './state';

export * from './commands';
export * from './events';
export * from './options';
export { checkDomainConfig, checkGroupAndOption, invalidDomainConfig } from './decide';
export { mergeConfig, removeFromConfig } from './state';
export type { DomainConfigState } from './state';

export const domainConfigDecider: Decider<DomainConfigCommand, DomainConfigEvent, DomainConfigState> = {
  initialState: initialDomainConfigState,
  evolve: evolveDomainConfig,
  decide: decideDomainConfig,
};
