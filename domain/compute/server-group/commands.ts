import { Command } from '../../kernel';
import { ServerGroupCreated } from './events';

export type CreateServerGroup = Command<'CreateServerGroup', ServerGroupCreated['data']>;
/** `maxMembers`: the project's server_group_members quota (-1 unlimited). */
export type AddServerGroupMember = Command<'AddServerGroupMember', { groupId: string; serverId: string; maxMembers: number }>;
export type RemoveServerGroupMember = Command<'RemoveServerGroupMember', { groupId: string; serverId: string }>;
export type DeleteServerGroup = Command<'DeleteServerGroup', { groupId: string }>;

export type ServerGroupCommand = CreateServerGroup | AddServerGroupMember | RemoveServerGroupMember | DeleteServerGroup;
