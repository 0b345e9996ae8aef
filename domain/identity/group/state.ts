import { GroupEvent } from './events';

export interface Group {
  groupId: string;
  domainId: string;
  name: string;
  description: string;
  memberIds: string[];
}

export type GroupState = { status: 'absent' } | { status: 'active'; group: Group } | { status: 'deleted'; group: Group };

export const initialGroupState: GroupState = { status: 'absent' };

const active = (group: Group): GroupState => ({ status: 'active', group });

export function evolveGroup(state: GroupState, event: GroupEvent): GroupState {
  switch (event.type) {
    case 'GroupCreated':
      return active({ ...event.data, memberIds: [] });
    case 'GroupUpdated': {
      if (state.status !== 'active') return state;
      const { groupId: _id, ...changes } = event.data;
      return active({ ...state.group, ...changes });
    }
    case 'GroupDeleted':
      return state.status === 'active' ? { status: 'deleted', group: state.group } : state;
    case 'UserAddedToGroup':
      return state.status === 'active' ? active({ ...state.group, memberIds: [...state.group.memberIds, event.data.userId] }) : state;
    case 'UserRemovedFromGroup':
      return state.status === 'active' ? active({ ...state.group, memberIds: state.group.memberIds.filter((id) => id !== event.data.userId) }) : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
