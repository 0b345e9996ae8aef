import { assertNever, Conflict } from '../../kernel';
import {
  BuildSagaCommand,
  CancelBuildSaga,
  CompleteBuildSaga,
  FailBuildAttempt,
  FailBuildSaga,
  RecordBuildClaim,
  RecordSpawnOrdered,
  RefuseBuildClaim,
  SelectBuildHost,
  StartBuildSaga,
} from './commands';
import { BuildSagaEvent } from './events';
import { BuildPhase, BuildSagaState, RunningBuild } from './state';

/** The step a saga in this phase and attempt may take; anything else is a stale or repeated step and changes nothing. */
function at(state: BuildSagaState, attempt: number, phase: BuildPhase): RunningBuild | null {
  if (state.status !== 'running') return null;
  const b = state.build;
  return b.attempt === attempt && b.phase === phase ? b : null;
}

export function startBuildSaga(command: StartBuildSaga, state: BuildSagaState): BuildSagaEvent[] {
  if (state.status !== 'absent') return [];
  return [{ type: 'BuildSagaStarted', data: command.data }];
}

export function selectBuildHost(command: SelectBuildHost, state: BuildSagaState): BuildSagaEvent[] {
  if (!at(state, command.data.attempt, 'scheduling')) return [];
  return [{ type: 'BuildHostSelected', data: command.data }];
}

export function recordBuildClaim(command: RecordBuildClaim, state: BuildSagaState): BuildSagaEvent[] {
  const b = at(state, command.data.attempt, 'claiming');
  if (!b || b.claimId !== command.data.claimId) return [];
  return [{ type: 'BuildHostClaimed', data: { serverId: b.serverId, attempt: b.attempt, host: b.host!, claimId: b.claimId } }];
}

export function refuseBuildClaim(command: RefuseBuildClaim, state: BuildSagaState): BuildSagaEvent[] {
  const b = at(state, command.data.attempt, 'claiming');
  if (!b || b.claimId !== command.data.claimId) return [];
  return [{ type: 'BuildClaimRefused', data: { serverId: b.serverId, attempt: b.attempt, host: b.host!, reason: command.data.reason } }];
}

export function recordSpawnOrdered(command: RecordSpawnOrdered, state: BuildSagaState): BuildSagaEvent[] {
  const b = at(state, command.data.attempt, 'claimed');
  if (!b || b.claimId !== command.data.claimId) return [];
  return [{ type: 'BuildSpawnOrdered', data: { serverId: b.serverId, attempt: b.attempt, host: b.host!, claimId: b.claimId } }];
}

export function failBuildAttempt(command: FailBuildAttempt, state: BuildSagaState): BuildSagaEvent[] {
  const b = at(state, command.data.attempt, 'spawning');
  if (!b || b.host !== command.data.host) return [];
  return [{ type: 'BuildAttemptFailed', data: command.data }];
}

export function completeBuildSaga(command: CompleteBuildSaga, state: BuildSagaState): BuildSagaEvent[] {
  if (state.status !== 'running') return [];
  if (state.build.host !== command.data.host) throw new Conflict(`Build of ${command.data.serverId} is not running on ${command.data.host}.`);
  return [{ type: 'BuildSagaCompleted', data: command.data }];
}

export function failBuildSaga(command: FailBuildSaga, state: BuildSagaState): BuildSagaEvent[] {
  if (state.status !== 'running') return [];
  return [{ type: 'BuildSagaFailed', data: command.data }];
}

export function cancelBuildSaga(command: CancelBuildSaga, state: BuildSagaState): BuildSagaEvent[] {
  if (state.status !== 'running') return [];
  const b = state.build;
  const holdsClaim = b.phase === 'claiming' || b.phase === 'claimed' || b.phase === 'spawning';
  return [{ type: 'BuildSagaCancelled', data: { serverId: command.data.serverId, claimReleased: holdsClaim ? b.claimId : null } }];
}

export function decideBuildSaga(command: BuildSagaCommand, state: BuildSagaState): BuildSagaEvent[] {
  switch (command.type) {
    case 'StartBuildSaga':
      return startBuildSaga(command, state);
    case 'SelectBuildHost':
      return selectBuildHost(command, state);
    case 'RecordBuildClaim':
      return recordBuildClaim(command, state);
    case 'RefuseBuildClaim':
      return refuseBuildClaim(command, state);
    case 'RecordSpawnOrdered':
      return recordSpawnOrdered(command, state);
    case 'FailBuildAttempt':
      return failBuildAttempt(command, state);
    case 'CompleteBuildSaga':
      return completeBuildSaga(command, state);
    case 'FailBuildSaga':
      return failBuildSaga(command, state);
    case 'CancelBuildSaga':
      return cancelBuildSaga(command, state);
    default:
      return assertNever(command);
  }
}
