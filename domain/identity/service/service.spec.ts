import { Conflict, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { ServiceCommand, serviceDecider, ServiceEvent, UpdateService } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(serviceDecider);
const create = (type = 'compute'): ServiceCommand => ({ type: 'CreateService', data: { serviceId: 's1', type, name: 'nova' }, metadata });
const update = (data: Omit<UpdateService['data'], 'serviceId'>): ServiceCommand => ({ type: 'UpdateService', data: { serviceId: 's1', ...data }, metadata });
const remove: ServiceCommand = { type: 'DeleteService', data: { serviceId: 's1' }, metadata };
const created: ServiceEvent = { type: 'ServiceCreated', data: { serviceId: 's1', type: 'compute', name: 'nova', description: null, enabled: true } };
const deleted: ServiceEvent = { type: 'ServiceDeleted', data: { serviceId: 's1', type: 'compute' } };

describe('service', () => {
  describe('when absent', () => {
    it('creates an enabled service', () => {
      spec.given([]).when(create()).then([created]);
    });

    it('rejects an empty type', () => {
      spec.given([]).when(create('')).thenThrows(InvalidInput);
    });

    it('answers NotFound to a delete', () => {
      spec.given([]).when(remove).thenThrows(NotFound);
    });
  });

  describe('when active', () => {
    it('refuses a second create with the same id', () => {
      spec.given([created]).when(create()).thenThrows(Conflict);
    });

    it('records only the fields that changed', () => {
      spec.given([created]).when(update({ name: 'nova', enabled: false })).then([{ type: 'ServiceUpdated', data: { serviceId: 's1', enabled: false } }]);
    });

    it('does nothing when nothing changes', () => {
      spec.given([created]).when(update({ type: 'compute' })).thenNothingHappens();
    });

    it('deletes it', () => {
      spec.given([created]).when(remove).then([deleted]);
    });
  });

  describe('when deleted', () => {
    it('answers NotFound to an update', () => {
      spec.given([created, deleted]).when(update({ name: 'x' })).thenThrows(NotFound);
    });
  });
});
