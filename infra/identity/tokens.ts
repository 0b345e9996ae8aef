import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_SCRYPT_PARAMS, hashPassword, ScryptParams, verifyPassword } from './passwords';

/** Opaque to clients; the prefix only lets an operator recognise a Strata token in a log or a leak scan. */
export const TOKEN_PREFIX = 'stk1_';
const TOKEN_BYTES = 32;
/** Longer than any token Strata mints (and than Keystone's Fernet tokens): refuse before hashing. */
export const MAX_TOKEN_LENGTH = 512;

export interface MintedToken {
  /** Goes to the client in X-Subject-Token and nowhere else. */
  value: string;
  /** SHA-256 hex of `value`: the only form that enters an event. */
  hash: string;
  /** Id of the `token-<id>` stream. */
  tokenId: string;
  /** The token's own audit id (`audit_ids[0]`). */
  auditId: string;
}

/** 256 random bits, base64url (43 characters) behind the prefix. */
export function newTokenValue(): string {
  return TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
}

/** SHA-256 hex of the exact string the client sends: a fast hash suffices for 256 random bits. */
export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Keystone's `random_urlsafe_str`: 16 random bytes, urlsafe base64 without padding (22 characters). */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url');
}

export function mintToken(): MintedToken {
  const value = newTokenValue();
  return { value, hash: hashToken(value), tokenId: randomUUID(), auditId: newAuditId() };
}

/** Keystone's application credential secret: 64 random bytes, urlsafe base64 without padding (86 characters). */
export function newApplicationCredentialSecret(): string {
  return randomBytes(64).toString('base64url');
}

/**
 * Keystone hashes application credential secrets with its password hasher; so do we (same scrypt
 * format and cost), so that `needsRehash` and parameter upgrades cover both.
 */
export function hashApplicationCredentialSecret(secret: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  return hashPassword(secret, params);
}

export function verifyApplicationCredentialSecret(secret: string, secretHash: string | null): Promise<boolean> {
  return verifyPassword(secret, secretHash);
}
