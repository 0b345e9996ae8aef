import { ServerGroupCreated, ServerGroupEvent } from './events';

export type ServerGroup = ServerGroupCreated['data'] & { members: string[] };

export type ServerGroupState = { status: 'absent' } | { status: 'active'; group: ServerGroup } | { status: 'deleted'; group: ServerGroup };

export const initialServerGroupState: ServerGroupState = { status: 'absent' };

export function evolveServerGroup(state: ServerGroupState, event: ServerGroupEvent): ServerGroupState {
  if (event.type === 'ServerGroupCreated') return { status: 'active', group: { ...event.data, members: [] } };
  if (state.status !== 'active') return state;
  const g = state.group;
  switch (event.type) {
    case 'ServerGroupMemberAdded':
      return { status: 'active', group: { ...g, members: [...g.members, event.data.serverId] } };
    case 'ServerGroupMemberRemoved':
      return { status: 'active', group: { ...g, members: g.members.filter((m) => m !== event.data.serverId) } };
    case 'ServerGroupDeleted':
      return { status: 'deleted', group: g };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
