import { assertNever, InvalidInput, NotFound } from '../../kernel';
import { requireNonEmpty } from '../validation';
import { AssignmentCommand, AssignRole, UnassignRole } from './commands';
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

export function assignRole(command: AssignRole, state: AssignmentState): AssignmentEvent[] {
  const assignment = sameAssignment(requireAssignment(command.data));
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
