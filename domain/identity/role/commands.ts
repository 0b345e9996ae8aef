import { Command } from '../../kernel';
import { ResourceOptions } from '../validation';

export type CreateRole = Command<
  'CreateRole',
  { roleId: string; name: string; domainId?: string | null; description?: string | null; options?: ResourceOptions }
>;

export type UpdateRole = Command<'UpdateRole', { roleId: string; name?: string; description?: string | null; options?: ResourceOptions }>;

export type DeleteRole = Command<'DeleteRole', { roleId: string }>;

/**
 * PUT /v3/roles/{prior}/implies/{implied}. The implied role is another aggregate: infra loads it
 * (404 when missing) and passes what Keystone checks about it.
 */
export type AddRoleImplication = Command<
  'AddRoleImplication',
  {
    priorRoleId: string;
    impliedRole: { roleId: string; name: string; domainId: string | null };
    /** Keystone `[assignment] prohibited_implied_role`; defaults to ['admin']. */
    prohibitedImpliedRoles?: string[];
  }
>;

export type RemoveRoleImplication = Command<'RemoveRoleImplication', { priorRoleId: string; impliedRoleId: string }>;

export type RoleCommand = CreateRole | UpdateRole | DeleteRole | AddRoleImplication | RemoveRoleImplication;
