import { Conflict, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { PolicyCommand, policyDecider, PolicyEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(policyDecider);
const create = (type = 'application/json'): PolicyCommand => ({ type: 'CreatePolicy', data: { policyId: 'p1', type, blob: '{"a": 1}', extra: { owner: 'ops' } }, metadata });
const created: PolicyEvent = { type: 'PolicyCreated', data: { policyId: 'p1', type: 'application/json', blob: '{"a": 1}', extra: { owner: 'ops' } } };

describe('policy', () => {
  it('creates an opaque policy with its extra attributes', () => {
    spec.given([]).when(create()).then([created]);
  });

  it('rejects a type longer than 255 characters', () => {
    spec.given([]).when(create('t'.repeat(256))).thenThrows(InvalidInput);
  });

  it('refuses a duplicate id', () => {
    spec.given([created]).when(create()).thenThrows(Conflict);
  });

  it('records a changed type and merges extra attributes', () => {
    spec
      .given([created])
      .when({ type: 'UpdatePolicy', data: { policyId: 'p1', type: 'text/yaml', blob: '{"a": 1}', extra: { tier: 'gold' } }, metadata })
      .then([{ type: 'PolicyUpdated', data: { policyId: 'p1', type: 'text/yaml', extra: { owner: 'ops', tier: 'gold' } } }]);
  });

  it('deletes it, then answers NotFound', () => {
    const deleted: PolicyEvent = { type: 'PolicyDeleted', data: { policyId: 'p1' } };
    spec.given([created]).when({ type: 'DeletePolicy', data: { policyId: 'p1' }, metadata }).then([deleted]);
    spec.given([created, deleted]).when({ type: 'UpdatePolicy', data: { policyId: 'p1', blob: 'x' }, metadata }).thenThrows(NotFound);
  });
});
