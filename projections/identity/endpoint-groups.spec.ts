import { at, recordedStream as recorded } from '../../test/support/recorded-stream';
import { foldStrictly, rowsOf } from '../../test/projections/identity-scenario';
import { ENDPOINT_GROUPS_TABLE, identityEndpointGroupsProjection as projection } from './endpoint-groups';


describe('identity_endpoint_groups projection', () => {
  it('records a group, replaces its filters on update and removes it on delete', () => {
    const events = recorded('endpointgroup-g1', [
      { type: 'EndpointGroupCreated', data: { endpointGroupId: 'g1', name: 'compute', description: null, filters: { service_id: 's1' } } },
      { type: 'EndpointGroupUpdated', data: { endpointGroupId: 'g1', filters: { interface: 'public' } } },
    ]);
    expect(rowsOf(foldStrictly(projection, events), ENDPOINT_GROUPS_TABLE)).toEqual([
      { id: 'g1', name: 'compute', description: null, filters: { interface: 'public' }, created_at: at(1), updated_at: at(2), stream_version: 1 },
    ]);
    const deleted = recorded('endpointgroup-g1', [...events, { type: 'EndpointGroupDeleted', data: { endpointGroupId: 'g1' } }]);
    expect(rowsOf(foldStrictly(projection, deleted), ENDPOINT_GROUPS_TABLE)).toEqual([]);
  });
});
