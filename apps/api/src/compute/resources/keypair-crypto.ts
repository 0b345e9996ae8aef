import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';

/** A keypair Nova generates (nova/crypto.py `generate_key_pair`): RSA 2048, OpenSSH public key, PKCS#1 private key. */
export function generateSshKeypair(): { publicKey: string; privateKey: string; fingerprint: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshString(mpint(Buffer.from(jwk.e, 'base64url'))), sshString(mpint(Buffer.from(jwk.n, 'base64url')))]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`,
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    fingerprint: md5Fingerprint(blob),
  };
}

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

/** SSH mpint: big-endian, a leading zero byte when the high bit is set. */
function mpint(data: Buffer): Buffer {
  let i = 0;
  while (i < data.length - 1 && data[i] === 0) i++;
  const trimmed = data.subarray(i);
  return trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
}

const colonHex = (digest: Buffer) => digest.toString('hex').match(/../g)!.join(':');
const md5Fingerprint = (blob: Buffer) => colonHex(createHash('md5').update(blob).digest());

/** Reads the length-prefixed fields of an OpenSSH key blob; null when it is malformed. */
function sshFields(blob: Buffer): Buffer[] | null {
  const fields: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return null;
    const len = blob.readUInt32BE(at);
    at += 4;
    if (at + len > blob.length) return null;
    fields.push(blob.subarray(at, at + len));
    at += len;
  }
  return fields;
}

const SSH_KEY_FIELDS: Record<string, number> = {
  'ssh-rsa': 3,
  'ssh-dss': 5,
  'ssh-ed25519': 2,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
};

/**
 * nova/crypto.py `generate_fingerprint`: MD5 of the key blob of an OpenSSH public key, or for x509
 * the SHA-1 of the certificate; null when the key cannot be parsed (Nova's InvalidKeypair).
 */
export function fingerprintOf(publicKey: string, type: 'ssh' | 'x509'): string | null {
  if (type === 'x509') {
    try {
      return colonHex(createHash('sha1').update(new X509Certificate(publicKey).raw).digest());
    } catch {
      return null;
    }
  }
  const parts = publicKey.trim().split(/\s+/);
  if (parts.length < 2 || !(parts[0] in SSH_KEY_FIELDS) || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1])) return null;
  const blob = Buffer.from(parts[1], 'base64');
  const fields = sshFields(blob);
  if (!fields || fields.length !== SSH_KEY_FIELDS[parts[0]] || fields[0].toString() !== parts[0]) return null;
  if (parts[0] === 'ssh-ed25519' && fields[1].length !== 32) return null;
  return md5Fingerprint(blob);
}
