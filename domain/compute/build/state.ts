import { BuildSagaEvent } from './events';

export type BuildPhase = 'scheduling' | 'claiming' | 'claimed' | 'spawning';

export interface RunningBuild {
  serverId: string;
  maxAttempts: number;
  /** 1-based: the attempt in progress. */
  attempt: number;
  phase: BuildPhase;
  /** Hosts whose spawn failed: the next attempts avoid them (Nova's RetryFilter). */
  triedHosts: string[];
  host: string | null;
  node: string | null;
  availabilityZone: string | null;
  claimId: string | null;
  /** Claims lost to concurrent builds, over the whole saga (bounded, so a saga cannot spin forever). */
  claimRefusals: number;
  lastFailure: string | null;
}

export type BuildSagaState =
  | { status: 'absent' }
  | { status: 'running'; build: RunningBuild }
  | { status: 'completed'; host: string }
  | { status: 'failed'; reason: string }
  | { status: 'cancelled' };

export const initialBuildSagaState: BuildSagaState = { status: 'absent' };

const running = (build: RunningBuild): BuildSagaState => ({ status: 'running', build });

export function evolveBuildSaga(state: BuildSagaState, event: BuildSagaEvent): BuildSagaState {
  if (event.type === 'BuildSagaStarted') {
    return running({
      serverId: event.data.serverId,
      maxAttempts: event.data.maxAttempts,
      attempt: 1,
      phase: 'scheduling',
      triedHosts: [],
      host: null,
      node: null,
      availabilityZone: null,
      claimId: null,
      claimRefusals: 0,
      lastFailure: null,
    });
  }
  if (state.status !== 'running') return state;
  const b = state.build;
  switch (event.type) {
    case 'BuildHostSelected':
      return running({ ...b, phase: 'claiming', host: event.data.host, node: event.data.node, availabilityZone: event.data.availabilityZone, claimId: event.data.claimId });
    case 'BuildHostClaimed':
      return running({ ...b, phase: 'claimed' });
    case 'BuildClaimRefused':
      return running({ ...b, phase: 'scheduling', host: null, node: null, availabilityZone: null, claimId: null, claimRefusals: b.claimRefusals + 1 });
    case 'BuildSpawnOrdered':
      return running({ ...b, phase: 'spawning' });
    case 'BuildAttemptFailed':
      return running({
        ...b,
        attempt: b.attempt + 1,
        phase: 'scheduling',
        triedHosts: [...b.triedHosts, event.data.host],
        host: null,
        node: null,
        availabilityZone: null,
        claimId: null,
        lastFailure: event.data.reason,
      });
    case 'BuildSagaCompleted':
      return { status: 'completed', host: event.data.host };
    case 'BuildSagaFailed':
      return { status: 'failed', reason: event.data.reason };
    case 'BuildSagaCancelled':
      return { status: 'cancelled' };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
