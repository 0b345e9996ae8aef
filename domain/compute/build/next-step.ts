import { BuildSagaState } from './state';

/** After this many claims lost to concurrent builds, a build gives up as Nova's scheduler would: no valid host. */
export const MAX_CLAIM_REFUSALS = 25;

/**
 * Nova's messages (nova/exception.py NoValidHost, MaxRetriesExceeded). Zed words NoValidHost two
 * ways: with no reason when Placement finds no host with the resources (`NO_VALID_HOST_RESOURCES`),
 * and "There are not enough hosts available." when the filters reject every candidate.
 */
export const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';
export const NO_VALID_HOST_RESOURCES = 'No valid host was found. ';
export const maxRetriesExceeded = (serverId: string) =>
  `Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${serverId}.`;

/**
 * What the conductor must do next for a build, from the saga's facts alone: a conductor that
 * restarts folds the saga and continues here, whatever step it died in.
 */
export type BuildStep =
  | { kind: 'schedule'; attempt: number; ignoreHosts: string[] }
  | { kind: 'claim'; attempt: number; host: string; claimId: string }
  | { kind: 'assign'; attempt: number; host: string; node: string; availabilityZone: string; claimId: string }
  | { kind: 'await-spawn'; attempt: number; host: string; claimId: string }
  | { kind: 'fail'; reason: string }
  | { kind: 'none' };

export function nextBuildStep(state: BuildSagaState): BuildStep {
  if (state.status !== 'running') return { kind: 'none' };
  const b = state.build;
  switch (b.phase) {
    case 'scheduling':
      if (b.attempt > b.maxAttempts) return { kind: 'fail', reason: maxRetriesExceeded(b.serverId) };
      if (b.claimRefusals >= MAX_CLAIM_REFUSALS) return { kind: 'fail', reason: NO_VALID_HOST };
      return { kind: 'schedule', attempt: b.attempt, ignoreHosts: b.triedHosts };
    case 'claiming':
      return { kind: 'claim', attempt: b.attempt, host: b.host!, claimId: b.claimId! };
    case 'claimed':
      return { kind: 'assign', attempt: b.attempt, host: b.host!, node: b.node!, availabilityZone: b.availabilityZone!, claimId: b.claimId! };
    case 'spawning':
      return { kind: 'await-spawn', attempt: b.attempt, host: b.host!, claimId: b.claimId! };
  }
}
