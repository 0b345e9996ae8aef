import { NameReservationEvent } from './events';

export type NameReservationState = { status: 'free' } | { status: 'reserved'; owner: string };

export const initialNameReservationState: NameReservationState = { status: 'free' };

export function evolveNameReservation(state: NameReservationState, event: NameReservationEvent): NameReservationState {
  switch (event.type) {
    case 'NameReserved':
      return { status: 'reserved', owner: event.data.owner };
    case 'NameReleased':
      return state.status === 'reserved' && state.owner === event.data.owner ? { status: 'free' } : state;
    default: {
      // Compile-time exhaustiveness; at run time an unknown event leaves the state as it is.
      const _exhaustive: never = event;
      return state;
    }
  }
}
