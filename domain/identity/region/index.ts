import { Decider } from '../../kernel';
import { RegionCommand } from './commands';
import { decideRegion } from './decide';
import { RegionEvent } from './events';
import { evolveRegion, initialRegionState, RegionState } from './state';

export * from './commands';
export * from './events';
export type { Region, RegionState } from './state';

export const regionDecider: Decider<RegionCommand, RegionEvent, RegionState> = {
  initialState: initialRegionState,
  evolve: evolveRegion,
  decide: decideRegion,
};
