import { InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { EndpointGroupCommand, endpointGroupDecider, EndpointGroupEvent, EndpointGroupFilters } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(endpointGroupDecider);
const create = (filters: EndpointGroupFilters): EndpointGroupCommand => ({ type: 'CreateEndpointGroup', data: { endpointGroupId: 'g1', name: 'compute', filters }, metadata });
const created: EndpointGroupEvent = { type: 'EndpointGroupCreated', data: { endpointGroupId: 'g1', name: 'compute', description: null, filters: { service_id: 's1' } } };

describe('endpoint group', () => {
  it('creates a group filtering on an endpoint attribute', () => {
    spec.given([]).when(create({ service_id: 's1' })).then([created]);
  });

  it('rejects empty filters, unknown filter keys and unknown interfaces', () => {
    spec.given([]).when(create({})).thenThrows(InvalidInput, (e) => expect(e.message).toBe('filters field is required and cannot be empty'));
    spec.given([]).when(create({ enabled: true } as EndpointGroupFilters)).thenThrows(InvalidInput, (e) => expect(e.message).toMatch(/^Expecting to find service_id or region_id or interface in endpoint_group/));
    spec.given([]).when(create({ interface: 'private' as 'public' })).thenThrows(InvalidInput);
  });

  it('replaces the filters on update', () => {
    spec
      .given([created])
      .when({ type: 'UpdateEndpointGroup', data: { endpointGroupId: 'g1', name: 'compute', filters: { interface: 'public' } }, metadata })
      .then([{ type: 'EndpointGroupUpdated', data: { endpointGroupId: 'g1', filters: { interface: 'public' } } }]);
  });

  it('deletes it, then answers NotFound', () => {
    const remove: EndpointGroupCommand = { type: 'DeleteEndpointGroup', data: { endpointGroupId: 'g1' }, metadata };
    const deleted: EndpointGroupEvent = { type: 'EndpointGroupDeleted', data: { endpointGroupId: 'g1' } };
    spec.given([created]).when(remove).then([deleted]);
    spec.given([created, deleted]).when(remove).thenThrows(NotFound);
  });
});
