import { AssignmentEvent, RoleAssignment } from './events';

export type AssignmentState =
  | { status: 'absent' }
  | { status: 'assigned'; assignment: RoleAssignment }
  | { status: 'unassigned'; assignment: RoleAssignment };

export const initialAssignmentState: AssignmentState = { status: 'absent' };

export function evolveAssignment(state: AssignmentState, event: AssignmentEvent): AssignmentState {
  switch (event.type) {
    case 'RoleAssigned':
      return { status: 'assigned', assignment: event.data };
    case 'RoleUnassigned':
      return { status: 'unassigned', assignment: event.data };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
