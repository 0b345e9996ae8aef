import { recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { computeFlavorsProjection, FLAVORS_TABLE } from './flavors';

const created = { type: 'FlavorCreated', data: { flavorId: 'f1', name: 'tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: false, description: null } };
const rowOf = (events: Array<{ type: string; data: unknown }>) => projectInMemory(computeFlavorsProjection, recordedStream('flavor-1', events)).get(FLAVORS_TABLE, 'f1');

describe('compute_flavors projection', () => {
  it('maps a created flavor to Nova columns', () => {
    expect(rowOf([created])).toMatchObject({ flavor_id: 'f1', name: 'tiny', memory_mb: 512, root_gb: 1, swap: 0, is_public: false, extra_specs: {}, projects: [], stream_version: 0 });
  });

  it('keeps extra specs and the access list in the row', () => {
    const row = rowOf([
      created,
      { type: 'FlavorExtraSpecsSet', data: { flavorId: 'f1', extraSpecs: { a: '1', b: '2' } } },
      { type: 'FlavorExtraSpecDeleted', data: { flavorId: 'f1', key: 'a' } },
      { type: 'FlavorAccessAdded', data: { flavorId: 'f1', projectId: 'p1' } },
      { type: 'FlavorAccessAdded', data: { flavorId: 'f1', projectId: 'p2' } },
      { type: 'FlavorAccessRemoved', data: { flavorId: 'f1', projectId: 'p1' } },
      { type: 'FlavorDescriptionUpdated', data: { flavorId: 'f1', description: 'small' } },
    ]);
    expect(row).toMatchObject({ extra_specs: { b: '2' }, projects: ['p2'], description: 'small', stream_version: 6 });
  });

  it('drops a deleted flavor, and shows it again when its id is reused', () => {
    const deleted = { type: 'FlavorDeleted', data: { flavorId: 'f1', name: 'tiny' } };
    expect(rowOf([created, deleted])).toBeUndefined();
    expect(rowOf([created, deleted, { ...created, data: { ...created.data, name: 'again' } }])).toMatchObject({ name: 'again', stream_version: 2 });
  });

  it('applies an event it already applied only once', () => {
    const events = recordedStream('flavor-1', [created, { type: 'FlavorAccessAdded', data: { flavorId: 'f1', projectId: 'p1' } }]);
    const rows = projectInMemory(computeFlavorsProjection, events);
    projectInMemory(computeFlavorsProjection, events, rows);
    expect(rows.get(FLAVORS_TABLE, 'f1')).toMatchObject({ projects: ['p1'] });
  });
});
