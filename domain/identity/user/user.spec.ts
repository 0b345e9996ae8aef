import { Conflict, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { Unauthorized } from '../errors';
import { CreateUser, UpdateUser, UserCommand, UserCreated, userDecider, UserEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(userDecider);
const LATER = '2026-01-02T00:00:00.000Z';

const create = (data: Partial<CreateUser['data']> = {}): UserCommand => ({
  type: 'CreateUser',
  data: { userId: 'u1', domainId: 'default', name: 'alice', passwordHash: '$scrypt$hash-1', ...data },
  metadata,
});
const update = (data: Omit<UpdateUser['data'], 'userId'>): UserCommand => ({ type: 'UpdateUser', data: { userId: 'u1', ...data }, metadata: { ...metadata, now: LATER } });
const changePassword = (originalPasswordVerified: boolean, passwordHash = '$scrypt$hash-2'): UserCommand => ({
  type: 'ChangeUserPassword',
  data: { userId: 'u1', passwordHash, originalPasswordVerified },
  metadata: { ...metadata, now: LATER },
});
const remove: UserCommand = { type: 'DeleteUser', data: { userId: 'u1' }, metadata };

const created = (data: Partial<UserCreated['data']> = {}): UserEvent => ({
  type: 'UserCreated',
  data: {
    userId: 'u1',
    domainId: 'default',
    name: 'alice',
    enabled: true,
    defaultProjectId: null,
    description: null,
    options: {},
    passwordHash: '$scrypt$hash-1',
    passwordCreatedAt: FIXED_NOW,
    ...data,
  },
});
const deleted: UserEvent = { type: 'UserDeleted', data: { userId: 'u1', domainId: 'default', name: 'alice' } };

describe('user', () => {
  describe('when absent', () => {
    it('creates an enabled user with Keystone defaults and the hash it was given', () => {
      spec.given([]).when(create()).then([created()]);
    });

    it('records every field given, email included', () => {
      spec
        .given([])
        .when(create({ enabled: false, defaultProjectId: 'p1', description: 'ops', email: 'a@example.org', options: { ignore_password_expiry: true } }))
        .then([created({ enabled: false, defaultProjectId: 'p1', description: 'ops', email: 'a@example.org', options: { ignore_password_expiry: true } })]);
    });

    it('keeps attributes Keystone does not name as extra', () => {
      spec.given([]).when(create({ extra: { project_id: 'p9' } })).then([created({ extra: { project_id: 'p9' } })]);
    });
    it('records no extra when none was given', () => {
      spec.given([]).when(create({ extra: {} })).then([created()]);
    });
    it('creates a user without a password', () => {
      spec.given([]).when(create({ passwordHash: null })).then([created({ passwordHash: null, passwordCreatedAt: null })]);
    });

    it('rejects an empty name', () => {
      spec.given([]).when(create({ name: '  ' })).thenThrows(InvalidInput);
    });

    it('rejects a name longer than 255 characters', () => {
      spec.given([]).when(create({ name: 'x'.repeat(256) })).thenThrows(InvalidInput);
    });

    it('accepts a name of exactly 255 characters', () => {
      spec.given([]).when(create({ name: 'x'.repeat(255) })).then([created({ name: 'x'.repeat(255) })]);
    });

    it('rejects an empty password hash', () => {
      spec.given([]).when(create({ passwordHash: '' })).thenThrows(InvalidInput);
    });

    it('answers NotFound to an update', () => {
      spec.given([]).when(update({ name: 'bob' })).thenThrows(NotFound, (e) => expect(e.message).toBe('Could not find user: u1.'));
    });

    it('answers NotFound to a delete', () => {
      spec.given([]).when(remove).thenThrows(NotFound);
    });

    it('answers NotFound to a password change', () => {
      spec.given([]).when(changePassword(true)).thenThrows(NotFound);
    });
  });

  describe('when active', () => {
    it('refuses a second create with the same id', () => {
      spec.given([created()]).when(create()).thenThrows(Conflict);
    });

    it('records only the fields that changed', () => {
      spec
        .given([created()])
        .when(update({ name: 'alice', description: 'new', defaultProjectId: null }))
        .then([{ type: 'UserUpdated', data: { userId: 'u1', description: 'new' } }]);
    });

    it('does nothing when nothing changes', () => {
      spec.given([created()]).when(update({ name: 'alice', enabled: true })).thenNothingHappens();
    });

    it('merges options and drops an option set to null', () => {
      spec
        .given([created({ options: { ignore_password_expiry: true, lock_password: false } })])
        .when(update({ options: { lock_password: null, ignore_lockout_failure_attempts: true } }))
        .then([{ type: 'UserUpdated', data: { userId: 'u1', options: { ignore_password_expiry: true, ignore_lockout_failure_attempts: true } } }]);
    });

    it('merges extra attributes into those the user has, recording the whole set', () => {
      spec
        .given([created({ extra: { project_id: 'p1', team: 'ops' } })])
        .when(update({ extra: { project_id: 'p2' } }))
        .then([{ type: 'UserUpdated', data: { userId: 'u1', extra: { project_id: 'p2', team: 'ops' } } }]);
    });
    it('records nothing when the extra attributes are unchanged', () => {
      spec.given([created({ extra: { project_id: 'p1' } })]).when(update({ extra: { project_id: 'p1' } })).thenNothingHappens();
    });
    it('emits UserDisabled on its own when enabled turns false', () => {
      spec.given([created()]).when(update({ enabled: false })).then([{ type: 'UserDisabled', data: { userId: 'u1' } }]);
    });

    it('emits UserUpdated then UserDisabled when both change', () => {
      spec
        .given([created()])
        .when(update({ email: 'b@example.org', enabled: false }))
        .then([
          { type: 'UserUpdated', data: { userId: 'u1', email: 'b@example.org' } },
          { type: 'UserDisabled', data: { userId: 'u1' } },
        ]);
    });

    it('records an admin password reset without the original password', () => {
      spec
        .given([created()])
        .when(update({ passwordHash: '$scrypt$hash-2' }))
        .then([{ type: 'UserPasswordChanged', data: { userId: 'u1', passwordHash: '$scrypt$hash-2', changedAt: LATER, selfService: false } }]);
    });

    it('rejects an invalid new name', () => {
      spec.given([created()]).when(update({ name: '' })).thenThrows(InvalidInput);
    });

    it('changes the password when infra verified the original one', () => {
      spec
        .given([created()])
        .when(changePassword(true))
        .then([{ type: 'UserPasswordChanged', data: { userId: 'u1', passwordHash: '$scrypt$hash-2', changedAt: LATER, selfService: true } }]);
    });

    it('refuses a self-service change whose original password was not verified (Keystone 401)', () => {
      spec.given([created()]).when(changePassword(false)).thenThrows(Unauthorized);
    });

    it('refuses a self-service change without a new hash', () => {
      spec.given([created()]).when(changePassword(true, '')).thenThrows(InvalidInput);
    });

    it('deletes the user with what is needed to release its name', () => {
      spec.given([created()]).when(remove).then([deleted]);
    });
  });

  describe('when disabled', () => {
    const disabled: UserEvent = { type: 'UserDisabled', data: { userId: 'u1' } };

    it('emits UserEnabled when enabled turns true', () => {
      spec.given([created(), disabled]).when(update({ enabled: true })).then([{ type: 'UserEnabled', data: { userId: 'u1' } }]);
    });

    it('does nothing when disabled again', () => {
      spec.given([created(), disabled]).when(update({ enabled: false })).thenNothingHappens();
    });

    it('refuses a self-service password change (Keystone 401)', () => {
      spec.given([created(), disabled]).when(changePassword(true)).thenThrows(Unauthorized);
    });
  });

  describe('when the user has no password', () => {
    it('refuses a self-service change since no original password can match', () => {
      spec.given([created({ passwordHash: null, passwordCreatedAt: null })]).when(changePassword(true)).thenThrows(Unauthorized);
    });

    it('records nothing when an admin clears the absent password', () => {
      spec.given([created({ passwordHash: null, passwordCreatedAt: null })]).when(update({ passwordHash: null })).thenNothingHappens();
    });
  });

  describe('when deleted', () => {
    it('answers NotFound to an update', () => {
      spec.given([created(), deleted]).when(update({ name: 'bob' })).thenThrows(NotFound);
    });

    it('answers NotFound to a second delete', () => {
      spec.given([created(), deleted]).when(remove).thenThrows(NotFound);
    });

    it('refuses to reuse the id', () => {
      spec.given([created(), deleted]).when(create()).thenThrows(Conflict);
    });
  });

  describe('evolve', () => {
    it('keeps the state when an event arrives for a deleted user', () => {
      const state = [created(), deleted].reduce(userDecider.evolve, userDecider.initialState);
      expect(userDecider.evolve(state, { type: 'UserEnabled', data: { userId: 'u1' } })).toBe(state);
    });

    it('tracks the password time from the change event', () => {
      const state = [created(), { type: 'UserPasswordChanged', data: { userId: 'u1', passwordHash: 'h', changedAt: LATER, selfService: true } } as UserEvent].reduce(
        userDecider.evolve,
        userDecider.initialState,
      );
      expect(state).toMatchObject({ status: 'active', user: { passwordHash: 'h', passwordCreatedAt: LATER } });
    });
  });
});
