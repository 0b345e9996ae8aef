import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { Conflict, SYSTEM_ACTOR } from '../../kernel';
import { buildSagaStream } from '../streams';
import { BuildSagaCommand, buildSagaDecider, BuildSagaEvent, BuildSagaState, MAX_CLAIM_REFUSALS, maxRetriesExceeded, nextBuildStep, NO_VALID_HOST } from '.';

const ID = '6f0a6c4e-0000-4000-8000-000000000001';
const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(buildSagaDecider);
const cmd = <T extends BuildSagaCommand['type']>(type: T, data: Extract<BuildSagaCommand, { type: T }>['data']): BuildSagaCommand => ({ type, data, metadata }) as BuildSagaCommand;

const started: BuildSagaEvent = { type: 'BuildSagaStarted', data: { serverId: ID, maxAttempts: 3 } };
const selected = (attempt = 1, host = 'h1', claimId = `claim-${attempt}`): BuildSagaEvent => ({ type: 'BuildHostSelected', data: { serverId: ID, attempt, host, node: host, availabilityZone: 'nova', claimId } });
const claimed = (attempt = 1, host = 'h1', claimId = `claim-${attempt}`): BuildSagaEvent => ({ type: 'BuildHostClaimed', data: { serverId: ID, attempt, host, claimId } });
const refused = (attempt = 1, host = 'h1'): BuildSagaEvent => ({ type: 'BuildClaimRefused', data: { serverId: ID, attempt, host, reason: 'no room' } });
const ordered = (attempt = 1, host = 'h1', claimId = `claim-${attempt}`): BuildSagaEvent => ({ type: 'BuildSpawnOrdered', data: { serverId: ID, attempt, host, claimId } });
const attemptFailed = (attempt = 1, host = 'h1'): BuildSagaEvent => ({ type: 'BuildAttemptFailed', data: { serverId: ID, attempt, host, reason: 'spawn failed' } });

const SCHEDULING = [started];
const CLAIMING = [started, selected()];
const CLAIMED = [...CLAIMING, claimed()];
const SPAWNING = [...CLAIMED, ordered()];
const COMPLETED = [...SPAWNING, { type: 'BuildSagaCompleted', data: { serverId: ID, host: 'h1' } } as BuildSagaEvent];
const attempt = (n: number, host: string): BuildSagaEvent[] => [selected(n, host), claimed(n, host), ordered(n, host), attemptFailed(n, host)];

const fold = (events: BuildSagaEvent[]): BuildSagaState => events.reduce(buildSagaDecider.evolve, buildSagaDecider.initialState);

describe('build saga', () => {
  it('lives on the saga-build-<serverId> stream', () => {
    expect(buildSagaStream(ID)).toBe(`saga-build-${ID}`);
  });

  describe('StartBuildSaga', () => {
    it('starts once', () => {
      spec.given([]).when(cmd('StartBuildSaga', { serverId: ID, maxAttempts: 3 })).then([started]);
      spec.given(SCHEDULING).when(cmd('StartBuildSaga', { serverId: ID, maxAttempts: 3 })).thenNothingHappens();
    });
  });

  describe('when scheduling', () => {
    it('records the chosen host with the claim id fixed before the claim', () => {
      spec.given(SCHEDULING).when(cmd('SelectBuildHost', { serverId: ID, attempt: 1, host: 'h1', node: 'h1', availabilityZone: 'nova', claimId: 'claim-1' })).then([selected()]);
    });

    it('ignores a selection for another attempt, and a repeated one', () => {
      spec.given(SCHEDULING).when(cmd('SelectBuildHost', { serverId: ID, attempt: 2, host: 'h1', node: 'h1', availabilityZone: 'nova', claimId: 'x' })).thenNothingHappens();
      spec.given(CLAIMING).when(cmd('SelectBuildHost', { serverId: ID, attempt: 1, host: 'h2', node: 'h2', availabilityZone: 'nova', claimId: 'x' })).thenNothingHappens();
    });
  });

  describe('when claiming', () => {
    it('records the claim on the host', () => {
      spec.given(CLAIMING).when(cmd('RecordBuildClaim', { serverId: ID, attempt: 1, claimId: 'claim-1' })).then([claimed()]);
    });

    it('records a refused claim: schedule again, same attempt', () => {
      spec.given(CLAIMING).when(cmd('RefuseBuildClaim', { serverId: ID, attempt: 1, claimId: 'claim-1', reason: 'no room' })).then([refused()]);
    });

    it('ignores claims and refusals of another claim id or attempt (stale steps)', () => {
      spec.given(CLAIMING).when(cmd('RecordBuildClaim', { serverId: ID, attempt: 1, claimId: 'other' })).thenNothingHappens();
      spec.given(CLAIMING).when(cmd('RefuseBuildClaim', { serverId: ID, attempt: 2, claimId: 'claim-1', reason: 'x' })).thenNothingHappens();
      spec.given(CLAIMED).when(cmd('RecordBuildClaim', { serverId: ID, attempt: 1, claimId: 'claim-1' })).thenNothingHappens();
      spec.given(CLAIMED).when(cmd('RefuseBuildClaim', { serverId: ID, attempt: 1, claimId: 'claim-1', reason: 'x' })).thenNothingHappens();
    });
  });

  describe('when claimed', () => {
    it('records the spawn order once', () => {
      spec.given(CLAIMED).when(cmd('RecordSpawnOrdered', { serverId: ID, attempt: 1, claimId: 'claim-1' })).then([ordered()]);
      spec.given(SPAWNING).when(cmd('RecordSpawnOrdered', { serverId: ID, attempt: 1, claimId: 'claim-1' })).thenNothingHappens();
      spec.given(CLAIMED).when(cmd('RecordSpawnOrdered', { serverId: ID, attempt: 1, claimId: 'other' })).thenNothingHappens();
    });
  });

  describe('when spawning', () => {
    it('records a failed attempt on that host', () => {
      spec.given(SPAWNING).when(cmd('FailBuildAttempt', { serverId: ID, attempt: 1, host: 'h1', reason: 'spawn failed' })).then([attemptFailed()]);
    });

    it('ignores a failure from another host or attempt', () => {
      spec.given(SPAWNING).when(cmd('FailBuildAttempt', { serverId: ID, attempt: 1, host: 'h2', reason: 'x' })).thenNothingHappens();
      spec.given([...SPAWNING, attemptFailed()]).when(cmd('FailBuildAttempt', { serverId: ID, attempt: 1, host: 'h1', reason: 'x' })).thenNothingHappens();
    });

    it('completes on the host it spawned on', () => {
      spec.given(SPAWNING).when(cmd('CompleteBuildSaga', { serverId: ID, host: 'h1' })).then([{ type: 'BuildSagaCompleted', data: { serverId: ID, host: 'h1' } }]);
    });

    it('refuses completion from a host the build is not running on', () => {
      spec.given(SPAWNING).when(cmd('CompleteBuildSaga', { serverId: ID, host: 'h2' })).thenThrows(Conflict);
    });
  });

  describe('when finished', () => {
    it('ignores every further step', () => {
      spec.given(COMPLETED).when(cmd('CompleteBuildSaga', { serverId: ID, host: 'h1' })).thenNothingHappens();
      spec.given(COMPLETED).when(cmd('FailBuildSaga', { serverId: ID, reason: 'x' })).thenNothingHappens();
      spec.given(COMPLETED).when(cmd('CancelBuildSaga', { serverId: ID })).thenNothingHappens();
      spec.given(COMPLETED).when(cmd('SelectBuildHost', { serverId: ID, attempt: 1, host: 'h1', node: 'h1', availabilityZone: 'nova', claimId: 'c' })).thenNothingHappens();
    });
  });

  describe('FailBuildSaga', () => {
    it('fails a running saga with the reason', () => {
      spec.given(SCHEDULING).when(cmd('FailBuildSaga', { serverId: ID, reason: NO_VALID_HOST })).then([{ type: 'BuildSagaFailed', data: { serverId: ID, reason: NO_VALID_HOST } }]);
    });
  });

  describe('CancelBuildSaga (server deleted while building)', () => {
    it('releases nothing while scheduling', () => {
      spec.given(SCHEDULING).when(cmd('CancelBuildSaga', { serverId: ID })).then([{ type: 'BuildSagaCancelled', data: { serverId: ID, claimReleased: null } }]);
    });

    it('releases the claim once one may be held (claiming, claimed, spawning)', () => {
      for (const history of [CLAIMING, CLAIMED, SPAWNING]) {
        spec.given(history).when(cmd('CancelBuildSaga', { serverId: ID })).then([{ type: 'BuildSagaCancelled', data: { serverId: ID, claimReleased: 'claim-1' } }]);
      }
    });

    it('does nothing for a saga that is not running', () => {
      spec.given([]).when(cmd('CancelBuildSaga', { serverId: ID })).thenNothingHappens();
    });
  });

  describe('nextBuildStep', () => {
    it('has nothing to do before the start and after the end', () => {
      expect(nextBuildStep(fold([]))).toEqual({ kind: 'none' });
      expect(nextBuildStep(fold(COMPLETED))).toEqual({ kind: 'none' });
      expect(nextBuildStep(fold([...SCHEDULING, { type: 'BuildSagaFailed', data: { serverId: ID, reason: 'x' } }]))).toEqual({ kind: 'none' });
      expect(nextBuildStep(fold([...SPAWNING, { type: 'BuildSagaCancelled', data: { serverId: ID, claimReleased: 'claim-1' } }]))).toEqual({ kind: 'none' });
    });

    it('schedules first, ignoring no host', () => {
      expect(nextBuildStep(fold(SCHEDULING))).toEqual({ kind: 'schedule', attempt: 1, ignoreHosts: [] });
    });

    it('claims the selected host with the fixed claim id', () => {
      expect(nextBuildStep(fold(CLAIMING))).toEqual({ kind: 'claim', attempt: 1, host: 'h1', claimId: 'claim-1' });
    });

    it('assigns the server to the claimed host', () => {
      expect(nextBuildStep(fold(CLAIMED))).toEqual({ kind: 'assign', attempt: 1, host: 'h1', node: 'h1', availabilityZone: 'nova', claimId: 'claim-1' });
    });

    it('waits for the spawn once ordered', () => {
      expect(nextBuildStep(fold(SPAWNING))).toEqual({ kind: 'await-spawn', attempt: 1, host: 'h1', claimId: 'claim-1' });
    });

    it('schedules the next attempt away from the hosts that failed (RetryFilter)', () => {
      expect(nextBuildStep(fold([started, ...attempt(1, 'h1'), ...attempt(2, 'h2')]))).toEqual({ kind: 'schedule', attempt: 3, ignoreHosts: ['h1', 'h2'] });
    });

    it('gives up after max attempts with Nova MaxRetriesExceeded', () => {
      const state = fold([started, ...attempt(1, 'h1'), ...attempt(2, 'h2'), ...attempt(3, 'h3')]);
      expect(nextBuildStep(state)).toEqual({ kind: 'fail', reason: maxRetriesExceeded(ID) });
      expect(maxRetriesExceeded(ID)).toBe(`Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${ID}.`);
    });

    it('schedules again after a refused claim without using an attempt', () => {
      expect(nextBuildStep(fold([...CLAIMING, refused()]))).toEqual({ kind: 'schedule', attempt: 1, ignoreHosts: [] });
    });

    it(`gives up with NoValidHost after ${MAX_CLAIM_REFUSALS} refused claims`, () => {
      const refusals = Array.from({ length: MAX_CLAIM_REFUSALS }, () => [selected(), refused()]).flat();
      expect(nextBuildStep(fold([started, ...refusals.slice(0, -2)]))).toEqual({ kind: 'schedule', attempt: 1, ignoreHosts: [] });
      expect(nextBuildStep(fold([started, ...refusals]))).toEqual({ kind: 'fail', reason: NO_VALID_HOST });
      expect(NO_VALID_HOST).toBe('No valid host was found. There are not enough hosts available.');
    });
  });
});
