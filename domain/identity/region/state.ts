import { RegionEvent } from './events';

export interface Region {
  regionId: string;
  description: string;
  parentRegionId: string | null;
}

export type RegionState = { status: 'absent' } | { status: 'active'; region: Region } | { status: 'deleted'; region: Region };

export const initialRegionState: RegionState = { status: 'absent' };

export function evolveRegion(state: RegionState, event: RegionEvent): RegionState {
  switch (event.type) {
    case 'RegionCreated':
      return { status: 'active', region: { ...event.data } };
    case 'RegionUpdated': {
      if (state.status !== 'active') return state;
      const { regionId: _id, ...changes } = event.data;
      return { status: 'active', region: { ...state.region, ...changes } };
    }
    case 'RegionDeleted':
      return state.status === 'active' ? { status: 'deleted', region: state.region } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
