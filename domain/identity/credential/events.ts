import { DomainEvent } from '../../kernel';

/**
 * A credential blob as the log holds it: AES-256-GCM ciphertext (iv, tag and data, base64) and the
 * id of the key that sealed it (Keystone's `key_hash`). The clear blob never enters an event.
 */
export interface SealedBlob {
  ciphertext: string;
  keyId: string;
}

export type CredentialCreated = DomainEvent<'CredentialCreated', { credentialId: string; userId: string; projectId: string | null; type: string; blob: SealedBlob }>;
/** Only the fields that changed, with their new values. */
export type CredentialUpdated = DomainEvent<'CredentialUpdated', { credentialId: string; userId?: string; projectId?: string | null; type?: string; blob?: SealedBlob }>;
export type CredentialDeleted = DomainEvent<'CredentialDeleted', { credentialId: string; userId: string }>;

export type CredentialEvent = CredentialCreated | CredentialUpdated | CredentialDeleted;
