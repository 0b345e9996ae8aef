import { assertNever, Conflict, Forbidden, InvalidInput, NotFound } from '../../kernel';
import { assertDeletable, assertMutable } from '../resource-options';
import { changedFields, IDENTITY_NAME_MAX, isEmpty, mergeOptions, requireName } from '../validation';
import { AddRoleImplication, CreateRole, DeleteRole, RemoveRoleImplication, RoleCommand, UpdateRole } from './commands';
import { RoleEvent, RoleUpdated } from './events';
import { Role, RoleState } from './state';

/** Keystone's default `[assignment] prohibited_implied_role`. */
export const DEFAULT_PROHIBITED_IMPLIED_ROLES = ['admin'];

function activeRole(state: RoleState, roleId: string): Role {
  if (state.status !== 'active') throw new NotFound(`Could not find role: ${roleId}.`, { roleId });
  return state.role;
}

export function createRole(command: CreateRole, state: RoleState): RoleEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store role - Duplicate ID, ${d.roleId}.`, { roleId: d.roleId });
  requireName(d.name, IDENTITY_NAME_MAX);
  return [
    {
      type: 'RoleCreated',
      data: { roleId: d.roleId, name: d.name, domainId: d.domainId ?? null, description: d.description ?? null, options: d.options ?? {} },
    },
  ];
}

export function updateRole(command: UpdateRole, state: RoleState): RoleEvent[] {
  const d = command.data;
  const role = activeRole(state, d.roleId);
  assertMutable('role', d.roleId, role.options, d.options);
  if (d.name !== undefined) requireName(d.name, IDENTITY_NAME_MAX);
  const requested = { name: d.name, description: d.description, options: d.options === undefined ? undefined : mergeOptions(role.options, d.options) };
  const changes = changedFields(role, requested, ['name', 'description', 'options'] as const);
  if (isEmpty(changes)) return [];
  return [{ type: 'RoleUpdated', data: { roleId: d.roleId, ...changes } as RoleUpdated['data'] }];
}

/**
 * Keystone deletes the role's implications with it: those it is the prior of live on this stream
 * and are removed here, one event each, before the role goes (the ones naming it as implied live
 * on other roles' streams; infra removes them there, as it removes the role's assignments).
 */
export function deleteRole(command: DeleteRole, state: RoleState): RoleEvent[] {
  const role = activeRole(state, command.data.roleId);
  assertDeletable('role', role.roleId, role.options);
  return [
    ...role.impliedRoleIds.map((impliedRoleId): RoleEvent => ({ type: 'RoleImplicationRemoved', data: { priorRoleId: role.roleId, impliedRoleId } })),
    { type: 'RoleDeleted', data: { roleId: role.roleId, name: role.name, domainId: role.domainId } },
  ];
}

export function addRoleImplication(command: AddRoleImplication, state: RoleState): RoleEvent[] {
  const { priorRoleId, impliedRole, prohibitedImpliedRoles = DEFAULT_PROHIBITED_IMPLIED_ROLES } = command.data;
  const prior = activeRole(state, priorRoleId);
  if (impliedRole.roleId === priorRoleId) {
    throw new InvalidInput(`${impliedRole.roleId} cannot be an implied roles.`, { priorRoleId, impliedRoleId: impliedRole.roleId });
  }
  // Keystone assignment core `create_implied_role`: exact name match against the configured list,
  // and no global role implying a domain-specific one; both are InvalidImpliedRole (403).
  if (prohibitedImpliedRoles.includes(impliedRole.name)) {
    throw new Forbidden(`${impliedRole.roleId} cannot be an implied roles.`, { priorRoleId, impliedRoleId: impliedRole.roleId });
  }
  if (prior.domainId === null && impliedRole.domainId !== null) {
    throw new Forbidden('Global role cannot imply a domain-specific role', { priorRoleId, impliedRoleId: impliedRole.roleId });
  }
  if (prior.impliedRoleIds.includes(impliedRole.roleId)) return [];
  return [{ type: 'RoleImplicationAdded', data: { priorRoleId, impliedRoleId: impliedRole.roleId } }];
}

export function removeRoleImplication(command: RemoveRoleImplication, state: RoleState): RoleEvent[] {
  const { priorRoleId, impliedRoleId } = command.data;
  const prior = activeRole(state, priorRoleId);
  if (!prior.impliedRoleIds.includes(impliedRoleId)) {
    // Keystone ImpliedRoleNotFound (404).
    throw new NotFound(`${priorRoleId} does not imply ${impliedRoleId}.`, { priorRoleId, impliedRoleId });
  }
  return [{ type: 'RoleImplicationRemoved', data: { priorRoleId, impliedRoleId } }];
}

export function decideRole(command: RoleCommand, state: RoleState): RoleEvent[] {
  switch (command.type) {
    case 'CreateRole':
      return createRole(command, state);
    case 'UpdateRole':
      return updateRole(command, state);
    case 'DeleteRole':
      return deleteRole(command, state);
    case 'AddRoleImplication':
      return addRoleImplication(command, state);
    case 'RemoveRoleImplication':
      return removeRoleImplication(command, state);
    default:
      return assertNever(command);
  }
}
