import { Command } from '../../kernel';

export type CreateGroup = Command<'CreateGroup', { groupId: string; domainId: string; name: string; description?: string | null }>;
export type UpdateGroup = Command<'UpdateGroup', { groupId: string; name?: string; description?: string | null }>;
export type DeleteGroup = Command<'DeleteGroup', { groupId: string }>;
/** The user's existence is checked by infra before the command (Keystone answers 404). */
export type AddUserToGroup = Command<'AddUserToGroup', { groupId: string; userId: string }>;
export type RemoveUserFromGroup = Command<'RemoveUserFromGroup', { groupId: string; userId: string }>;

export type GroupCommand = CreateGroup | UpdateGroup | DeleteGroup | AddUserToGroup | RemoveUserFromGroup;
