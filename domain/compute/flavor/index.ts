import { Decider } from '../../kernel';
import { FlavorCommand } from './commands';
import { decideFlavor } from './decide';
import { FlavorEvent } from './events';
import { evolveFlavor, FlavorState, initialFlavorState } from './state';

export * from './commands';
export * from './events';
export type { Flavor, FlavorState } from './state';

export const flavorDecider: Decider<FlavorCommand, FlavorEvent, FlavorState> = {
  initialState: initialFlavorState,
  evolve: evolveFlavor,
  decide: decideFlavor,
};
