import { ResourceOptions } from '../validation';
import { UserEvent } from './events';

export interface User {
  userId: string;
  domainId: string;
  name: string;
  enabled: boolean;
  defaultProjectId: string | null;
  description: string | null;
  email: string | null;
  options: ResourceOptions;
  extra: Record<string, unknown>;
  passwordHash: string | null;
  passwordCreatedAt: string | null;
}

export type UserState = { status: 'absent' } | { status: 'active'; user: User } | { status: 'deleted'; user: User };

export const initialUserState: UserState = { status: 'absent' };

export function evolveUser(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'UserCreated': {
      const { email, extra, ...rest } = event.data;
      return { status: 'active', user: { ...rest, email: email ?? null, extra: extra ?? {} } };
    }
    case 'UserUpdated': {
      if (state.status !== 'active') return state;
      const { userId: _id, ...changes } = event.data;
      return { status: 'active', user: { ...state.user, ...changes } };
    }
    case 'UserDisabled':
      return state.status === 'active' ? { status: 'active', user: { ...state.user, enabled: false } } : state;
    case 'UserEnabled':
      return state.status === 'active' ? { status: 'active', user: { ...state.user, enabled: true } } : state;
    case 'UserPasswordChanged':
      return state.status === 'active'
        ? { status: 'active', user: { ...state.user, passwordHash: event.data.passwordHash, passwordCreatedAt: event.data.passwordHash === null ? null : event.data.changedAt } }
        : state;
    case 'UserDeleted':
      return state.status === 'active' ? { status: 'deleted', user: state.user } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
