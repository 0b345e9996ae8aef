import { DomainEvent } from '../../kernel';

/** `owner` is the stream of the aggregate holding the name, e.g. `user-<id>`. */
export type NameReserved = DomainEvent<'NameReserved', { owner: string }>;
export type NameReleased = DomainEvent<'NameReleased', { owner: string }>;

export type NameReservationEvent = NameReserved | NameReleased;
