import { createHash, createSign, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';

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

// --- x509 (nova/crypto.py `generate_winrm_x509_cert`) ---------------------------------------------

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return der(0x06, Buffer.from(bytes));
}
function derTime(at: Date): Buffer {
  const iso = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return at.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`)) : der(0x18, Buffer.from(`${iso}Z`));
}

/**
 * A keypair of type x509 Nova generates: a self-signed RSA 2048 client certificate for `CN=<user id>`
 * (extendedKeyUsage clientAuth), valid 3650 days; the public key is the PEM certificate and the
 * fingerprint its SHA-1. Nova returns the private key as a base64 PKCS#12 bundle; here it is PKCS#8 PEM.
 */
export function generateX509Keypair(userId: string, now: Date): { publicKey: string; privateKey: string; fingerprint: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  const sha256WithRsa = seq(oid('1.2.840.113549.1.1.11'), der(0x05, Buffer.alloc(0)));
  const name = seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from(userId)))));
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const clientAuth = seq(oid('2.5.29.37'), der(0x04, seq(oid('1.3.6.1.5.5.7.3.2'))));
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    sha256WithRsa,
    name,
    seq(derTime(now), derTime(new Date(now.getTime() + 3650 * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, seq(clientAuth)),
  );
  const signature = createSign('sha256').update(tbs).sign(privateKey);
  const cert = seq(tbs, sha256WithRsa, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const pem = `-----BEGIN CERTIFICATE-----\n${cert.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  return { publicKey: pem, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), fingerprint: colonHex(createHash('sha1').update(cert).digest()) };
}
