import { at, recordedStream as recorded } from '../../test/support/recorded-stream';
import { foldStrictly, rowsOf } from '../../test/projections/identity-scenario';
import { identityPoliciesProjection as projection, POLICIES_TABLE } from './policies';


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
