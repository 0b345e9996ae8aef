import { Decider } from '../../kernel';
import { RoleCommand } from './commands';
import { decideRole } from './decide';
import { RoleEvent } from './events';
import { evolveRole, initialRoleState, RoleState } from './state';

export * from './commands';
export * from './events';
export { DEFAULT_PROHIBITED_IMPLIED_ROLES } from './decide';
export type { Role, RoleState } from './state';

export const roleDecider: Decider<RoleCommand, RoleEvent, RoleState> = {
  initialState: initialRoleState,
  evolve: evolveRole,
  decide: decideRole,
};
