import { Conflict, Forbidden, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { CreateDomain, DomainCreated, IdentityDomainCommand, identityDomainDecider, IdentityDomainEvent, UpdateDomain } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(identityDomainDecider);

const create = (data: Partial<CreateDomain['data']> = {}): IdentityDomainCommand => ({ type: 'CreateDomain', data: { domainId: 'd1', name: 'corp', ...data }, metadata });
const update = (data: Omit<UpdateDomain['data'], 'domainId'>): IdentityDomainCommand => ({ type: 'UpdateDomain', data: { domainId: 'd1', ...data }, metadata });
const remove: IdentityDomainCommand = { type: 'DeleteDomain', data: { domainId: 'd1' }, metadata };

const created = (data: Partial<DomainCreated['data']> = {}): IdentityDomainEvent => ({
  type: 'DomainCreated',
  data: { domainId: 'd1', name: 'corp', description: '', enabled: true, options: {}, ...data },
});
const disabled: IdentityDomainEvent = { type: 'DomainUpdated', data: { domainId: 'd1', enabled: false } };
const deleted: IdentityDomainEvent = { type: 'DomainDeleted', data: { domainId: 'd1', name: 'corp' } };

describe('domain', () => {
  describe('when absent', () => {
    it('creates an enabled domain with an empty description', () => {
      spec.given([]).when(create()).then([created()]);
    });

    it('records the fields given', () => {
      spec.given([]).when(create({ description: 'Corporate', enabled: false })).then([created({ description: 'Corporate', enabled: false })]);
    });

    it('rejects a name longer than 64 characters', () => {
      spec.given([]).when(create({ name: 'x'.repeat(65) })).thenThrows(InvalidInput);
    });

    it('answers NotFound to an update', () => {
      spec.given([]).when(update({ enabled: false })).thenThrows(NotFound, (e) => expect(e.message).toBe('Could not find domain: d1.'));
    });

    it('answers NotFound to a delete', () => {
      spec.given([]).when(remove).thenThrows(NotFound);
    });
  });

  describe('when enabled', () => {
    it('refuses a second create with the same id', () => {
      spec.given([created()]).when(create()).thenThrows(Conflict);
    });

    it('records only the fields that changed', () => {
      spec.given([created()]).when(update({ name: 'corp', description: 'Corporate' })).then([{ type: 'DomainUpdated', data: { domainId: 'd1', description: 'Corporate' } }]);
    });

    it('records a disablement', () => {
      spec.given([created()]).when(update({ enabled: false })).then([disabled]);
    });

    it('does nothing when nothing changes', () => {
      spec.given([created()]).when(update({ enabled: true })).thenNothingHappens();
    });

    it('refuses a delete as Keystone does (403)', () => {
      spec.given([created()]).when(remove).thenThrows(Forbidden, (e) => expect(e.message).toBe('Cannot delete a domain that is enabled, please disable it first.'));
    });
  });

  describe('when disabled', () => {
    it('deletes the domain', () => {
      spec.given([created(), disabled]).when(remove).then([deleted]);
    });

    it('re-enables it', () => {
      spec.given([created(), disabled]).when(update({ enabled: true })).then([{ type: 'DomainUpdated', data: { domainId: 'd1', enabled: true } }]);
    });
  });

  describe('when immutable', () => {
    it('refuses an update', () => {
      spec.given([created({ options: { immutable: true } })]).when(update({ enabled: false })).thenThrows(Forbidden);
    });

    it('refuses a delete even when disabled', () => {
      spec.given([created({ options: { immutable: true }, enabled: false })]).when(remove).thenThrows(Forbidden);
    });
  });

  describe('when deleted', () => {
    it('answers NotFound to an update', () => {
      spec.given([created(), disabled, deleted]).when(update({ name: 'x' })).thenThrows(NotFound);
    });

    it('answers NotFound to a second delete', () => {
      spec.given([created(), disabled, deleted]).when(remove).thenThrows(NotFound);
    });

    it('refuses to reuse the id', () => {
      spec.given([created(), disabled, deleted]).when(create()).thenThrows(Conflict);
    });
  });
});
