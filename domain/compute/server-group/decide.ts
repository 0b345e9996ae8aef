import { assertNever, Conflict, NotFound, QuotaExceeded } from '../../kernel';
import { AddServerGroupMember, CreateServerGroup, DeleteServerGroup, RemoveServerGroupMember, ServerGroupCommand } from './commands';
import { ServerGroupEvent } from './events';
import { ServerGroup, ServerGroupState } from './state';

// nova/exception.py InstanceGroupNotFound
function liveGroup(state: ServerGroupState, groupId: string): ServerGroup {
  if (state.status !== 'active') throw new NotFound(`Instance group ${groupId} could not be found.`, { groupId });
  return state.group;
}

export function createServerGroup(command: CreateServerGroup, state: ServerGroupState): ServerGroupEvent[] {
  if (state.status !== 'absent') throw new Conflict(`Instance group ${command.data.groupId} already exists.`, { groupId: command.data.groupId });
  return [{ type: 'ServerGroupCreated', data: command.data }];
}

export function addServerGroupMember(command: AddServerGroupMember, state: ServerGroupState): ServerGroupEvent[] {
  const g = liveGroup(state, command.data.groupId);
  if (g.members.includes(command.data.serverId)) return [];
  // nova/compute/api.py `_check_num_instances_quota` for server_group_members: "Quota exceeded, too many servers in group"
  if (command.data.maxMembers >= 0 && g.members.length + 1 > command.data.maxMembers) {
    throw new QuotaExceeded('Quota exceeded, too many servers in group', { resource: 'server_group_members', groupId: g.groupId });
  }
  return [{ type: 'ServerGroupMemberAdded', data: { groupId: g.groupId, serverId: command.data.serverId } }];
}

export function removeServerGroupMember(command: RemoveServerGroupMember, state: ServerGroupState): ServerGroupEvent[] {
  if (state.status !== 'active' || !state.group.members.includes(command.data.serverId)) return [];
  return [{ type: 'ServerGroupMemberRemoved', data: command.data }];
}

export function deleteServerGroup(command: DeleteServerGroup, state: ServerGroupState): ServerGroupEvent[] {
  const g = liveGroup(state, command.data.groupId);
  return [{ type: 'ServerGroupDeleted', data: { groupId: g.groupId, projectId: g.projectId } }];
}

export function decideServerGroup(command: ServerGroupCommand, state: ServerGroupState): ServerGroupEvent[] {
  switch (command.type) {
    case 'CreateServerGroup':
      return createServerGroup(command, state);
    case 'AddServerGroupMember':
      return addServerGroupMember(command, state);
    case 'RemoveServerGroupMember':
      return removeServerGroupMember(command, state);
    case 'DeleteServerGroup':
      return deleteServerGroup(command, state);
    default:
      return assertNever(command);
  }
}
