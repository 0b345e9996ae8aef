import { DomainEvent } from '../../kernel';

export type GroupCreated = DomainEvent<'GroupCreated', { groupId: string; domainId: string; name: string; description: string }>;
/** Only the fields that changed, with their new values. */
export type GroupUpdated = DomainEvent<'GroupUpdated', { groupId: string; name?: string; description?: string }>;
/** `memberIds` lets the token index drop the group's grants from its members at once. */
export type GroupDeleted = DomainEvent<'GroupDeleted', { groupId: string; domainId: string; name: string; memberIds: string[] }>;
export type UserAddedToGroup = DomainEvent<'UserAddedToGroup', { groupId: string; userId: string }>;
export type UserRemovedFromGroup = DomainEvent<'UserRemovedFromGroup', { groupId: string; userId: string }>;

export type GroupEvent = GroupCreated | GroupUpdated | GroupDeleted | UserAddedToGroup | UserRemovedFromGroup;
