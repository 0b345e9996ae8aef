import { assertNever, Conflict, NotFound } from '../../kernel';
import { changedFields, IDENTITY_NAME_MAX, isEmpty, requireName, requireNonEmpty } from '../validation';
import { AddUserToGroup, CreateGroup, DeleteGroup, GroupCommand, RemoveUserFromGroup, UpdateGroup } from './commands';
import { GroupEvent, GroupUpdated } from './events';
import { Group, GroupState } from './state';

function activeGroup(state: GroupState, groupId: string): Group {
  if (state.status !== 'active') throw new NotFound(`Could not find group: ${groupId}.`, { groupId });
  return state.group;
}

export function createGroup(command: CreateGroup, state: GroupState): GroupEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store group - Duplicate ID, ${d.groupId}.`, { groupId: d.groupId });
  requireName(d.name, IDENTITY_NAME_MAX);
  requireNonEmpty(d.domainId, 'domain_id');
  return [{ type: 'GroupCreated', data: { groupId: d.groupId, domainId: d.domainId, name: d.name, description: d.description ?? '' } }];
}

export function updateGroup(command: UpdateGroup, state: GroupState): GroupEvent[] {
  const d = command.data;
  const group = activeGroup(state, d.groupId);
  if (d.name !== undefined) requireName(d.name, IDENTITY_NAME_MAX);
  const changes = changedFields(group, { name: d.name, description: d.description === null ? '' : d.description }, ['name', 'description'] as const);
  if (isEmpty(changes)) return [];
  return [{ type: 'GroupUpdated', data: { groupId: d.groupId, ...changes } as GroupUpdated['data'] }];
}

export function deleteGroup(command: DeleteGroup, state: GroupState): GroupEvent[] {
  const group = activeGroup(state, command.data.groupId);
  return [{ type: 'GroupDeleted', data: { groupId: group.groupId, domainId: group.domainId, name: group.name, memberIds: group.memberIds } }];
}

export function addUserToGroup(command: AddUserToGroup, state: GroupState): GroupEvent[] {
  const { groupId, userId } = command.data;
  const group = activeGroup(state, groupId);
  requireNonEmpty(userId, 'user_id');
  // PUT /v3/groups/{group}/users/{user} for a member answers 204 again: nothing to record.
  if (group.memberIds.includes(userId)) return [];
  return [{ type: 'UserAddedToGroup', data: { groupId, userId } }];
}

export function removeUserFromGroup(command: RemoveUserFromGroup, state: GroupState): GroupEvent[] {
  const { groupId, userId } = command.data;
  const group = activeGroup(state, groupId);
  if (!group.memberIds.includes(userId)) {
    // Keystone NotFound (404): "User <user> is not a member of group <group>".
    throw new NotFound(`User ${userId} is not a member of group ${groupId}.`, { groupId, userId });
  }
  return [{ type: 'UserRemovedFromGroup', data: { groupId, userId } }];
}

export function decideGroup(command: GroupCommand, state: GroupState): GroupEvent[] {
  switch (command.type) {
    case 'CreateGroup':
      return createGroup(command, state);
    case 'UpdateGroup':
      return updateGroup(command, state);
    case 'DeleteGroup':
      return deleteGroup(command, state);
    case 'AddUserToGroup':
      return addUserToGroup(command, state);
    case 'RemoveUserFromGroup':
      return removeUserFromGroup(command, state);
    default:
      return assertNever(command);
  }
}
