import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SealedBlob } from '../../domain/identity';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Where the credential key lives: in the data dir, beside the embedded database, never in the log. */
export function credentialKeyFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'credential.key');
}

/**
 * AES-256-GCM for what Keystone encrypts at rest (credential blobs, sensitive domain config): the
 * event log holds only ciphertext. Each seal draws a fresh 96-bit iv; the additional data binds a
 * ciphertext to its owner (`credential:<id>`), so a blob copied onto another credential does not open.
 */
export class CredentialCipher {
  /** Id of the key (Keystone's credential `key_hash`): lets a later key rotation tell which key sealed what. */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`The credential key must be ${KEY_BYTES} bytes, not ${key.length}`);
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  /**
   * Reads the key file, creating it (32 random bytes, base64, mode 0600, directory 0700) on first
   * start. `wx` makes two processes starting at once agree on one key: the loser reads the winner's.
   */
  static open(keyFile: string): CredentialCipher {
    fs.mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(keyFile, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const key = Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`${keyFile} does not hold a ${KEY_BYTES}-byte base64 key; restore it from backup (credentials sealed with it cannot be read without it)`);
    return new CredentialCipher(key);
  }

  seal(plaintext: string, owner: string): SealedBlob {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64'), keyId: this.keyId };
  }

  /** Throws when the blob was sealed with another key, for another owner, or altered. */
  open(sealed: SealedBlob, owner: string): string {
    if (sealed.keyId !== this.keyId) throw new Error(`Sealed with credential key ${sealed.keyId}, but the key in use is ${this.keyId}`);
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(owner, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}
