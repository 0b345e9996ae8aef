import { RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { FIXED_NOW } from '../../test/support/decider-spec';
import { foldStrictly, rowsOf } from '../../test/projections/identity-scenario';
import { ENDPOINT_GROUPS_TABLE, identityEndpointGroupsProjection as projection } from './endpoint-groups';

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
