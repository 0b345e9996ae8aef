import { Decider } from '../../kernel';
import { NameReservationCommand } from './commands';
import { decideNameReservation } from './decide';
import { NameReservationEvent } from './events';
import { evolveNameReservation, initialNameReservationState, NameReservationState } from './state';

export * from './commands';
export * from './events';
export type { NameReservationState } from './state';

/** One decider for every `unique-*` reservation stream (names of users, projects, roles, ...). */
export const nameReservationDecider: Decider<NameReservationCommand, NameReservationEvent, NameReservationState> = {
  initialState: initialNameReservationState,
  evolve: evolveNameReservation,
  decide: decideNameReservation,
};
