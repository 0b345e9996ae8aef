import { Conflict, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { NameReservationCommand, nameReservationDecider, NameReservationEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(nameReservationDecider);

const reserve = (owner: string): NameReservationCommand => ({ type: 'ReserveName', data: { owner, resource: 'user', name: 'Alice' }, metadata });
const release = (owner: string): NameReservationCommand => ({ type: 'ReleaseName', data: { owner }, metadata });
const reserved = (owner: string): NameReservationEvent => ({ type: 'NameReserved', data: { owner } });
const released = (owner: string): NameReservationEvent => ({ type: 'NameReleased', data: { owner } });

describe('name reservation', () => {
  describe('when the name is free', () => {
    it('reserves it for the owner', () => {
      spec.given([]).when(reserve('user-1')).then([reserved('user-1')]);
    });

    it('ignores a release', () => {
      spec.given([]).when(release('user-1')).thenNothingHappens();
    });
  });

  describe('when the name is reserved', () => {
    it('refuses another owner with a Keystone-like Conflict', () => {
      spec
        .given([reserved('user-1')])
        .when(reserve('user-2'))
        .thenThrows(Conflict, (e) => {
          expect(e.message).toBe('Conflict occurred attempting to store user - Duplicate entry found with name Alice.');
          expect(e.details.owner).toBe('user-1');
        });
    });

    it('is a no-op when the same owner reserves again', () => {
      spec.given([reserved('user-1')]).when(reserve('user-1')).thenNothingHappens();
    });

    it('releases it for its owner', () => {
      spec.given([reserved('user-1')]).when(release('user-1')).then([released('user-1')]);
    });

    it('ignores a release by another owner', () => {
      spec.given([reserved('user-1')]).when(release('user-2')).thenNothingHappens();
    });
  });

  describe('when the name was released', () => {
    it('can be reserved by a new owner', () => {
      spec.given([reserved('user-1'), released('user-1')]).when(reserve('user-2')).then([reserved('user-2')]);
    });

    it('ignores a second release', () => {
      spec.given([reserved('user-1'), released('user-1')]).when(release('user-1')).thenNothingHappens();
    });
  });
});
