import { Decider } from '../../kernel';
import { ServiceCommand } from './commands';
import { decideService } from './decide';
import { ServiceEvent } from './events';
import { evolveService, initialServiceState, ServiceState } from './state';

export * from './commands';
export * from './events';
export type { CatalogService, ServiceState } from './state';

export const serviceDecider: Decider<ServiceCommand, ServiceEvent, ServiceState> = {
  initialState: initialServiceState,
  evolve: evolveService,
  decide: decideService,
};
