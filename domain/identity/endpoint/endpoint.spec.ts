import { Conflict, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { CreateEndpoint, EndpointCommand, endpointDecider, EndpointEvent, UpdateEndpoint } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(endpointDecider);
const URL = 'http://10.0.0.1:8080/compute/v2.1';
const create = (data: Partial<CreateEndpoint['data']> = {}): EndpointCommand => ({
  type: 'CreateEndpoint',
  data: { endpointId: 'e1', serviceId: 's1', interface: 'public', url: URL, regionId: 'RegionOne', ...data },
  metadata,
});
const update = (data: Omit<UpdateEndpoint['data'], 'endpointId'>): EndpointCommand => ({ type: 'UpdateEndpoint', data: { endpointId: 'e1', ...data }, metadata });
const remove: EndpointCommand = { type: 'DeleteEndpoint', data: { endpointId: 'e1' }, metadata };
const created: EndpointEvent = { type: 'EndpointCreated', data: { endpointId: 'e1', serviceId: 's1', interface: 'public', url: URL, regionId: 'RegionOne', enabled: true } };
const deleted: EndpointEvent = { type: 'EndpointDeleted', data: { endpointId: 'e1', serviceId: 's1' } };

describe('endpoint', () => {
  describe('when absent', () => {
    it('creates an enabled endpoint', () => {
      spec.given([]).when(create()).then([created]);
    });

    it('rejects an unknown interface', () => {
      spec.given([]).when(create({ interface: 'private' as never })).thenThrows(InvalidInput);
    });

    it('rejects a URL without a scheme', () => {
      spec.given([]).when(create({ url: '10.0.0.1/compute' })).thenThrows(InvalidInput);
    });

    it('rejects a URL longer than 225 characters', () => {
      spec.given([]).when(create({ url: `http://x/${'a'.repeat(220)}` })).thenThrows(InvalidInput);
    });

    it('answers NotFound to an update', () => {
      spec.given([]).when(update({ enabled: false })).thenThrows(NotFound);
    });
  });

  describe('when active', () => {
    it('refuses a second create with the same id', () => {
      spec.given([created]).when(create()).thenThrows(Conflict);
    });

    it('records only the fields that changed', () => {
      spec.given([created]).when(update({ url: 'https://api.example.org/compute/v2.1', interface: 'public' })).then([
        { type: 'EndpointUpdated', data: { endpointId: 'e1', url: 'https://api.example.org/compute/v2.1' } },
      ]);
    });

    it('rejects an invalid URL in an update', () => {
      spec.given([created]).when(update({ url: 'nope' })).thenThrows(InvalidInput);
    });

    it('does nothing when nothing changes', () => {
      spec.given([created]).when(update({ enabled: true })).thenNothingHappens();
    });

    it('deletes it', () => {
      spec.given([created]).when(remove).then([deleted]);
    });
  });

  describe('when deleted', () => {
    it('answers NotFound to a second delete', () => {
      spec.given([created, deleted]).when(remove).thenThrows(NotFound);
    });
  });
});
