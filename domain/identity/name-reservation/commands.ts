import { Command } from '../../kernel';

interface NameClaim {
  owner: string;
  /** Only for the Conflict message: Keystone's resource word (`user`, `project`, ...) and the name asked for. */
  resource?: string;
  name?: string;
}

export type ReserveName = Command<'ReserveName', NameClaim>;
export type ReleaseName = Command<'ReleaseName', { owner: string }>;

export type NameReservationCommand = ReserveName | ReleaseName;
