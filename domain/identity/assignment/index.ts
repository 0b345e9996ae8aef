import { Decider } from '../../kernel';
import { AssignmentCommand } from './commands';
import { decideAssignment } from './decide';
import { AssignmentEvent } from './events';
import { AssignmentState, evolveAssignment, initialAssignmentState } from './state';

export * from './commands';
export * from './events';
export { assignmentKey, SYSTEM_TARGET_ID } from './key';
export type { AssignmentState } from './state';

export const assignmentDecider: Decider<AssignmentCommand, AssignmentEvent, AssignmentState> = {
  initialState: initialAssignmentState,
  evolve: evolveAssignment,
  decide: decideAssignment,
};
