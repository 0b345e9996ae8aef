import { DomainEvent } from '../../kernel';

export type KeypairType = 'ssh' | 'x509';

/** Only the public half: a generated private key is returned once by the API and never recorded. */
export type KeypairCreated = DomainEvent<'KeypairCreated', { userId: string; name: string; type: KeypairType; publicKey: string; fingerprint: string }>;
export type KeypairDeleted = DomainEvent<'KeypairDeleted', { userId: string; name: string }>;

export type KeypairEvent = KeypairCreated | KeypairDeleted;
