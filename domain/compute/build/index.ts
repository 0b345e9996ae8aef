import { Decider } from '../../kernel';
import { BuildSagaCommand } from './commands';
import { decideBuildSaga } from './decide';
import { BuildSagaEvent } from './events';
import { BuildSagaState, evolveBuildSaga, initialBuildSagaState } from './state';

export * from './commands';
export * from './events';
export * from './next-step';
export type { BuildPhase, BuildSagaState, RunningBuild } from './state';

export const buildSagaDecider: Decider<BuildSagaCommand, BuildSagaEvent, BuildSagaState> = {
  initialState: initialBuildSagaState,
  evolve: evolveBuildSaga,
  decide: decideBuildSaga,
};
