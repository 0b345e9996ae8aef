import { createHash } from 'node:crypto';
import {
  hashApplicationCredentialSecret,
  hashToken,
  mintToken,
  newApplicationCredentialSecret,
  newAuditId,
  newTokenValue,
  TOKEN_PREFIX,
  verifyApplicationCredentialSecret,
} from './tokens';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

describe('token values', () => {
  it('carry 32 random bytes, base64url, behind the prefix', () => {
    const value = newTokenValue();
    expect(value.startsWith(TOKEN_PREFIX)).toBe(true);
    const body = value.slice(TOKEN_PREFIX.length);
    expect(body).toMatch(BASE64URL);
    expect(Buffer.from(body, 'base64url')).toHaveLength(32);
    expect(value).not.toMatch(/^gAAAAA/);
  });

  it('never repeat', () => {
    const values = new Set(Array.from({ length: 1000 }, newTokenValue));
    expect(values.size).toBe(1000);
  });

  it('hash to a stable lowercase SHA-256 hex of the exact value', () => {
    const value = newTokenValue();
    expect(hashToken(value)).toBe(hashToken(value));
    expect(hashToken(value)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(value)).toBe(createHash('sha256').update(value).digest('hex'));
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashToken(value + 'x')).not.toBe(hashToken(value));
  });

  it('mint a value, its hash, a stream id and an audit id together', () => {
    const t = mintToken();
    expect(t.hash).toBe(hashToken(t.value));
    expect(t.tokenId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(t.auditId).toHaveLength(22);
  });
});

describe('audit ids', () => {
  it('are 22 urlsafe base64 characters of 16 random bytes, as Keystone makes them', () => {
    const id = newAuditId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(newAuditId()).not.toBe(id);
  });
});

describe('application credential secrets', () => {
  it('are 64 random bytes, urlsafe base64 (86 characters)', () => {
    const secret = newApplicationCredentialSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(64);
  });

  it('are stored as a salted scrypt hash that verifies the secret only', async () => {
    const secret = newApplicationCredentialSecret();
    const hash = await hashApplicationCredentialSecret(secret, { ln: 10, r: 8, p: 1 });
    expect(hash.startsWith('$scrypt$ln=10,r=8,p=1$')).toBe(true);
    expect(hash).not.toContain(secret);
    await expect(verifyApplicationCredentialSecret(secret, hash)).resolves.toBe(true);
    await expect(verifyApplicationCredentialSecret(newApplicationCredentialSecret(), hash)).resolves.toBe(false);
  });
});
