import { Conflict, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { CreateGroup, GroupCommand, groupDecider, GroupEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(groupDecider);

const create = (data: Partial<CreateGroup['data']> = {}): GroupCommand => ({ type: 'CreateGroup', data: { groupId: 'g1', domainId: 'default', name: 'ops', ...data }, metadata });
const update = (data: { name?: string; description?: string | null }): GroupCommand => ({ type: 'UpdateGroup', data: { groupId: 'g1', ...data }, metadata });
const remove: GroupCommand = { type: 'DeleteGroup', data: { groupId: 'g1' }, metadata };
const addUser = (userId: string): GroupCommand => ({ type: 'AddUserToGroup', data: { groupId: 'g1', userId }, metadata });
const removeUser = (userId: string): GroupCommand => ({ type: 'RemoveUserFromGroup', data: { groupId: 'g1', userId }, metadata });

const created: GroupEvent = { type: 'GroupCreated', data: { groupId: 'g1', domainId: 'default', name: 'ops', description: '' } };
const added = (userId: string): GroupEvent => ({ type: 'UserAddedToGroup', data: { groupId: 'g1', userId } });

describe('group', () => {
  describe('when absent', () => {
    it('creates the group with an empty description', () => {
      spec.given([]).when(create()).then([created]);
    });

    it('rejects a blank name', () => {
      spec.given([]).when(create({ name: ' ' })).thenThrows(InvalidInput);
    });

    it('answers NotFound to a membership change', () => {
      spec.given([]).when(addUser('u1')).thenThrows(NotFound, (e) => expect(e.message).toBe('Could not find group: g1.'));
    });
  });

  describe('when active', () => {
    it('refuses a second create with the same id', () => {
      spec.given([created]).when(create()).thenThrows(Conflict);
    });

    it('records only the fields that changed', () => {
      spec.given([created]).when(update({ name: 'ops', description: 'On call' })).then([{ type: 'GroupUpdated', data: { groupId: 'g1', description: 'On call' } }]);
    });

    it('does nothing when nothing changes', () => {
      spec.given([created]).when(update({ name: 'ops' })).thenNothingHappens();
    });

    it('adds a member', () => {
      spec.given([created]).when(addUser('u1')).then([added('u1')]);
    });

    it('does nothing when the user is already a member', () => {
      spec.given([created, added('u1')]).when(addUser('u1')).thenNothingHappens();
    });

    it('removes a member', () => {
      spec.given([created, added('u1')]).when(removeUser('u1')).then([{ type: 'UserRemovedFromGroup', data: { groupId: 'g1', userId: 'u1' } }]);
    });

    it('answers NotFound when removing a non-member', () => {
      spec.given([created]).when(removeUser('u1')).thenThrows(NotFound);
    });

    it('deletes the group with its members for the token index', () => {
      spec.given([created, added('u1'), added('u2')]).when(remove).then([
        { type: 'GroupDeleted', data: { groupId: 'g1', domainId: 'default', name: 'ops', memberIds: ['u1', 'u2'] } },
      ]);
    });
  });

  describe('when deleted', () => {
    const deleted: GroupEvent = { type: 'GroupDeleted', data: { groupId: 'g1', domainId: 'default', name: 'ops', memberIds: [] } };

    it('answers NotFound to a membership change', () => {
      spec.given([created, deleted]).when(addUser('u1')).thenThrows(NotFound);
    });

    it('answers NotFound to a second delete', () => {
      spec.given([created, deleted]).when(remove).thenThrows(NotFound);
    });
  });
});
