import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CredentialCipher, credentialKeyFile } from './credential-crypto';

describe('CredentialCipher', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-credkey-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cipher = new CredentialCipher(Buffer.alloc(32, 7));

  it('round-trips a blob without leaving the clear text in the sealed form', () => {
    const blob = '{"access":"AKIA","secret":"s3cr3t-value"}';
    const sealed = cipher.seal(blob, 'credential:c1');
    expect(sealed.keyId).toBe(cipher.keyId);
    expect(JSON.stringify(sealed)).not.toContain('s3cr3t');
    expect(Buffer.from(sealed.ciphertext, 'base64').toString('latin1')).not.toContain('s3cr3t');
    expect(cipher.open(sealed, 'credential:c1')).toBe(blob);
  });

  it('draws a fresh iv for every seal', () => {
    expect(cipher.seal('same', 'o').ciphertext).not.toBe(cipher.seal('same', 'o').ciphertext);
  });

  it('refuses a blob moved to another owner, altered, or sealed with another key', () => {
    const sealed = cipher.seal('x', 'credential:c1');
    expect(() => cipher.open(sealed, 'credential:c2')).toThrow();
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => cipher.open({ ...sealed, ciphertext: raw.toString('base64') }, 'credential:c1')).toThrow();
    expect(() => new CredentialCipher(Buffer.alloc(32, 8)).open(sealed, 'credential:c1')).toThrow(/Sealed with credential key/);
  });

  it('creates the key file on first open with mode 0600 and reuses it afterwards', () => {
    const file = credentialKeyFile(path.join(dir, 'data'));
    const first = CredentialCipher.open(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const second = CredentialCipher.open(file);
    expect(second.keyId).toBe(first.keyId);
    expect(second.open(first.seal('blob', 'o'), 'o')).toBe('blob');
  });

  it('refuses a key file that does not hold 32 bytes', () => {
    const file = path.join(dir, 'bad.key');
    fs.writeFileSync(file, 'c2hvcnQ=');
    expect(() => CredentialCipher.open(file)).toThrow(/32-byte/);
  });
});
