import { assertNever, Forbidden, InvalidInput, NotFound } from '../../kernel';
import { requireNonEmpty } from '../validation';
import { AssignmentCommand, AssignRole, GrantContext, UnassignRole } from './commands';
import { AssignmentEvent, RoleAssignment } from './events';
import { SYSTEM_TARGET_ID } from './key';
import { AssignmentState } from './state';

const ACTOR_TYPES = ['user', 'group'];
const TARGET_TYPES = ['project', 'domain', 'system'];

function requireAssignment(a: RoleAssignment): RoleAssignment {
  if (!ACTOR_TYPES.includes(a.actorType)) throw new InvalidInput(`Invalid actor type: ${String(a.actorType)}.`, { field: 'actorType' });
  if (!TARGET_TYPES.includes(a.targetType)) throw new InvalidInput(`Invalid target type: ${String(a.targetType)}.`, { field: 'targetType' });
  requireNonEmpty(a.actorId, `${a.actorType}_id`);
  requireNonEmpty(a.roleId, 'role_id');
  if (a.targetType === 'system') {
    // Keystone has one system scope, `{"system": {"all": true}}`, and no inheritance from it.
    if (a.targetId !== SYSTEM_TARGET_ID) throw new InvalidInput(`The system target is '${SYSTEM_TARGET_ID}', not '${a.targetId}'.`, { field: 'targetId' });
    if (a.inherited) throw new InvalidInput('A system role assignment cannot be inherited.', { field: 'inherited' });
  } else {
    requireNonEmpty(a.targetId, `${a.targetType}_id`);
  }
  return a;
}

const sameAssignment = (a: RoleAssignment): RoleAssignment => ({
  actorType: a.actorType,
  actorId: a.actorId,
  targetType: a.targetType,
  targetId: a.targetId,
  roleId: a.roleId,
  inherited: a.inherited,
});

/** Keystone: a domain-specific role only on projects of its domain (403), never on the system (400). */
function requireRoleFitsTarget(a: RoleAssignment, context: GrantContext | undefined): void {
  if (!context || context.roleDomainId === null) return;
  if (a.targetType === 'system') {
    throw new InvalidInput(`Role ${a.roleId} is a domain-specific role. Unable to use a domain-specific role in a system assignment.`, { roleId: a.roleId });
  }
  if (a.targetType === 'project' && context.projectDomainId !== undefined && context.projectDomainId !== context.roleDomainId) {
    throw new Forbidden(`Project ${a.targetId} must be in the same domain as the role ${a.roleId} being assigned.`, { roleId: a.roleId, projectId: a.targetId });
  }
}

export function assignRole(command: AssignRole, state: AssignmentState): AssignmentEvent[] {
  const assignment = sameAssignment(requireAssignment(command.data));
  requireRoleFitsTarget(assignment, command.data.context);
  // PUT of an existing grant answers 204 in Keystone: nothing new to record.
  if (state.status === 'assigned') return [];
  return [{ type: 'RoleAssigned', data: assignment }];
}

export function unassignRole(command: UnassignRole, state: AssignmentState): AssignmentEvent[] {
  const a = sameAssignment(requireAssignment(command.data));
  if (state.status !== 'assigned') {
    throw new NotFound(
      `Could not find role assignment with role: ${a.roleId}, user or group: ${a.actorId}, project, domain, or system: ${a.targetId}.`,
      { ...a },
    );
  }
  return [{ type: 'RoleUnassigned', data: a }];
}

export function decideAssignment(command: AssignmentCommand, state: AssignmentState): AssignmentEvent[] {
  switch (command.type) {
    case 'AssignRole':
      return assignRole(command, state);
    case 'UnassignRole':
      return unassignRole(command, state);
    default:
      return assertNever(command);
  }
}
