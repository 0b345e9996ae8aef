import { ResourceOptions } from '../validation';
import { RoleEvent } from './events';

export interface Role {
  roleId: string;
  name: string;
  domainId: string | null;
  description: string | null;
  options: ResourceOptions;
  impliedRoleIds: string[];
}

export type RoleState = { status: 'absent' } | { status: 'active'; role: Role } | { status: 'deleted'; role: Role };

export const initialRoleState: RoleState = { status: 'absent' };

const active = (role: Role): RoleState => ({ status: 'active', role });

export function evolveRole(state: RoleState, event: RoleEvent): RoleState {
  switch (event.type) {
    case 'RoleCreated':
      return active({ ...event.data, impliedRoleIds: [] });
    case 'RoleUpdated': {
      if (state.status !== 'active') return state;
      const { roleId: _id, ...changes } = event.data;
      return active({ ...state.role, ...changes });
    }
    case 'RoleDeleted':
      return state.status === 'active' ? { status: 'deleted', role: state.role } : state;
    case 'RoleImplicationAdded':
      return state.status === 'active' ? active({ ...state.role, impliedRoleIds: [...state.role.impliedRoleIds, event.data.impliedRoleId] }) : state;
    case 'RoleImplicationRemoved':
      return state.status === 'active'
        ? active({ ...state.role, impliedRoleIds: state.role.impliedRoleIds.filter((id) => id !== event.data.impliedRoleId) })
        : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
