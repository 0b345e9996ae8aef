import { RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { FIXED_NOW } from '../../test/support/decider-spec';
import { foldStrictly, rowsOf } from '../../test/projections/identity-scenario';
import { identityPoliciesProjection as projection, POLICIES_TABLE } from './policies';

const at = (n: number) => new Date(Date.parse(FIXED_NOW) + n * 1000).toISOString();
/** Events of one stream as the store records them: versions from 0, one second apart. */
function recorded(stream: string, events: Array<{ type: string; data: unknown }>): RecordedEvent[] {
  return events.map((e, i) => ({
    id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    stream,
    version: BigInt(i),
    position: String(i + 1).padStart(20, '0'),
    type: e.type,
    data: e.data,
    metadata: { correlationId: 'c', causationId: 'c', requestId: `req-${i}`, actor: SYSTEM_ACTOR, occurredAt: at(i + 1), schemaVersion: 1 },
    recordedAt: new Date(at(i + 1)),
  }));
}

describe('identity_policies projection', () => {
  it('records a policy, its changes and its removal', () => {
    const events = recorded('policy-p1', [
      { type: 'PolicyCreated', data: { policyId: 'p1', type: 'application/json', blob: '{}', extra: {} } },
      { type: 'PolicyUpdated', data: { policyId: 'p1', type: 'text/yaml', extra: { owner: 'ops' } } },
    ]);
    expect(rowsOf(foldStrictly(projection, events), POLICIES_TABLE)).toEqual([
      { id: 'p1', type: 'text/yaml', blob: '{}', extra: { owner: 'ops' }, created_at: at(1), updated_at: at(2), stream_version: 1 },
    ]);
    const deleted = recorded('policy-p1', [...events, { type: 'PolicyDeleted', data: { policyId: 'p1' } }]);
    expect(rowsOf(foldStrictly(projection, deleted), POLICIES_TABLE)).toEqual([]);
  });
});
