import { DomainEvent } from '../../kernel';
import { ResourceOptions } from '../validation';

export type RoleCreated = DomainEvent<
  'RoleCreated',
  { roleId: string; name: string; domainId: string | null; description: string | null; options: ResourceOptions }
>;

/** Only the fields that changed, with their new values. */
export type RoleUpdated = DomainEvent<'RoleUpdated', { roleId: string; name?: string; description?: string | null; options?: ResourceOptions }>;

export type RoleDeleted = DomainEvent<'RoleDeleted', { roleId: string; name: string; domainId: string | null }>;

/** Recorded on the prior role's stream. */
export type RoleImplicationAdded = DomainEvent<'RoleImplicationAdded', { priorRoleId: string; impliedRoleId: string }>;
export type RoleImplicationRemoved = DomainEvent<'RoleImplicationRemoved', { priorRoleId: string; impliedRoleId: string }>;

export type RoleEvent = RoleCreated | RoleUpdated | RoleDeleted | RoleImplicationAdded | RoleImplicationRemoved;
