import { assertNever, Conflict } from '../../kernel';
import { NameReservationCommand, ReleaseName, ReserveName } from './commands';
import { NameReservationEvent } from './events';
import { NameReservationState } from './state';

export function reserveName(command: ReserveName, state: NameReservationState): NameReservationEvent[] {
  const { owner, resource = 'resource', name } = command.data;
  if (state.status === 'reserved') {
    if (state.owner === owner) return [];
    // Keystone: 409 "Conflict occurred attempting to store <resource> - Duplicate entry ..."
    const detail = name === undefined ? 'Duplicate entry.' : `Duplicate entry found with name ${name}.`;
    throw new Conflict(`Conflict occurred attempting to store ${resource} - ${detail}`, { owner: state.owner, resource, name });
  }
  return [{ type: 'NameReserved', data: { owner } }];
}

export function releaseName(command: ReleaseName, state: NameReservationState): NameReservationEvent[] {
  if (state.status !== 'reserved' || state.owner !== command.data.owner) return [];
  return [{ type: 'NameReleased', data: { owner: command.data.owner } }];
}

export function decideNameReservation(command: NameReservationCommand, state: NameReservationState): NameReservationEvent[] {
  switch (command.type) {
    case 'ReserveName':
      return reserveName(command, state);
    case 'ReleaseName':
      return releaseName(command, state);
    default:
      return assertNever(command);
  }
}
