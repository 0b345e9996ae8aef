import { DomainEvent } from '../../kernel';

export type ServerGroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';
export const SERVER_GROUP_POLICIES: readonly ServerGroupPolicy[] = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'];

export type ServerGroupCreated = DomainEvent<
  'ServerGroupCreated',
  { groupId: string; name: string; policy: ServerGroupPolicy; rules: { max_server_per_host?: number }; projectId: string; userId: string }
>;
export type ServerGroupMemberAdded = DomainEvent<'ServerGroupMemberAdded', { groupId: string; serverId: string }>;
export type ServerGroupMemberRemoved = DomainEvent<'ServerGroupMemberRemoved', { groupId: string; serverId: string }>;
export type ServerGroupDeleted = DomainEvent<'ServerGroupDeleted', { groupId: string; projectId: string }>;

export type ServerGroupEvent = ServerGroupCreated | ServerGroupMemberAdded | ServerGroupMemberRemoved | ServerGroupDeleted;
