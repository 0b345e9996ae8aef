import { recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { AGGREGATES_TABLE, computeAggregatesProjection } from './aggregates';

const ev = (type: string, data: Record<string, unknown>) => ({ type, data: { uuid: 'u1', aggregateId: 1, ...data } });
const project = (events: Array<{ type: string; data: unknown }>) => projectInMemory(computeAggregatesProjection, recordedStream('aggregates-all', events));

describe('compute_aggregates projection', () => {
  it('keeps name, zone, merged metadata and hosts; updated_at only from a rename', () => {
    const rows = project([ev('AggregateCreated', { name: 'a', availabilityZone: 'az1' }), ev('AggregateHostAdded', { host: 'h1' }), ev('AggregateHostAdded', { host: 'h2' })]);
    expect(rows.get(AGGREGATES_TABLE, 'u1')).toMatchObject({ id: 1, uuid: 'u1', name: 'a', availability_zone: 'az1', metadata: { availability_zone: 'az1' }, hosts: ['h1', 'h2'], updated_at: null });
    const later = project([
      ev('AggregateCreated', { name: 'a', availabilityZone: null }),
      ev('AggregateMetadataUpdated', { set: { k: 'v', availability_zone: 'az2' }, removed: [] }),
      ev('AggregateMetadataUpdated', { set: {}, removed: ['k'] }),
      ev('AggregateRenamed', { name: 'b' }),
      ev('AggregateHostAdded', { host: 'h1' }),
      ev('AggregateHostRemoved', { host: 'h1' }),
    ]).get(AGGREGATES_TABLE, 'u1');
    expect(later).toMatchObject({ name: 'b', availability_zone: 'az2', metadata: { availability_zone: 'az2' }, hosts: [] });
    expect(later?.updated_at).toEqual(expect.any(String));
    const metadataOnly = project([ev('AggregateCreated', { name: 'a', availabilityZone: null }), ev('AggregateMetadataUpdated', { set: { k: 'v' }, removed: [] })]).get(AGGREGATES_TABLE, 'u1');
    expect(metadataOnly).toMatchObject({ metadata: { k: 'v' }, updated_at: null });
  });

  it('drops a deleted aggregate', () => {
    expect(project([ev('AggregateCreated', { name: 'a', availabilityZone: null }), ev('AggregateDeleted', { name: 'a' })]).get(AGGREGATES_TABLE, 'u1')).toBeUndefined();
  });
});
