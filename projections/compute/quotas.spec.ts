import { recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { computeQuotasProjection, QUOTAS_TABLE } from './quotas';

const updated = (limits: Record<string, number>) => ({ type: 'QuotaSetUpdated', data: { projectId: 'p1', limits } });
const rowOf = (events: Array<{ type: string; data: unknown }>) => projectInMemory(computeQuotasProjection, recordedStream('quota-p1', events)).get(QUOTAS_TABLE, 'p1');

describe('compute_quotas projection', () => {
  it('merges the overrides of each update', () => {
    expect(rowOf([updated({ instances: 3 }), updated({ cores: 4, instances: 5 })])).toMatchObject({ project_id: 'p1', limits: { instances: 5, cores: 4 }, stream_version: 1 });
  });

  it('forgets the overrides on revert, and starts afresh after it', () => {
    expect(rowOf([updated({ instances: 3 }), { type: 'QuotaSetReverted', data: { projectId: 'p1' } }])).toBeUndefined();
    expect(rowOf([updated({ instances: 3 }), { type: 'QuotaSetReverted', data: { projectId: 'p1' } }, updated({ ram: 1 })])).toMatchObject({ limits: { ram: 1 } });
  });
});
