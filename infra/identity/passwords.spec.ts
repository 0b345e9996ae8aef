import { DEFAULT_SCRYPT_PARAMS, hashPassword, MAX_PASSWORD_BYTES, needsRehash, parsePasswordHash, verifyPassword } from './passwords';

// Cheap parameters keep each test well under 50 ms; one test pins the default cost's format.
// The module object itself (a namespace import would be a copy that spies cannot reach).
const nodeCrypto = jest.requireActual<typeof import('node:crypto')>('node:crypto');
const FAST = { ln: 10, r: 8, p: 1 };
const PHC = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

describe('password hashing (scrypt)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('writes the self-describing format with the default parameters', async () => {
    const hash = await hashPassword('s3cret!', DEFAULT_SCRYPT_PARAMS);
    const m = PHC.exec(hash);
    expect(m).not.toBeNull();
    expect(m!.slice(1, 4).map(Number)).toEqual([14, 8, 1]);
    expect(hash).not.toContain('s3cret!');
  });

  it('verifies the right password', async () => {
    const hash = await hashPassword('correct horse battery staple', FAST);
    await expect(verifyPassword('correct horse battery staple', hash)).resolves.toBe(true);
  });

  it('rejects a wrong password', async () => {
    const hash = await hashPassword('correct horse battery staple', FAST);
    await expect(verifyPassword('correct horse battery stapler', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('salts every hash differently', async () => {
    const [a, b] = await Promise.all([hashPassword('same', FAST), hashPassword('same', FAST)]);
    expect(a).not.toBe(b);
    expect(parsePasswordHash(a)!.salt.equals(parsePasswordHash(b)!.salt)).toBe(false);
    await expect(verifyPassword('same', a)).resolves.toBe(true);
    await expect(verifyPassword('same', b)).resolves.toBe(true);
  });

  it('verifies with the parameters stored in the hash, not the current defaults', async () => {
    const hash = await hashPassword('pw', { ln: 9, r: 4, p: 2 });
    expect(hash.startsWith('$scrypt$ln=9,r=4,p=2$')).toBe(true);
    await expect(verifyPassword('pw', hash)).resolves.toBe(true);
  });

  it('compares digests with timingSafeEqual', async () => {
    const hash = await hashPassword('pw', FAST);
    const spy = jest.spyOn(nodeCrypto, 'timingSafeEqual');
    await verifyPassword('wrong', hash);
    await verifyPassword('pw', hash);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy.mock.results.map((r) => r.value)).toEqual([false, true]);
  });

  it('answers false, after a full hash, for a user without a password or a corrupt hash', async () => {
    const spy = jest.spyOn(nodeCrypto, 'timingSafeEqual');
    await expect(verifyPassword('pw', null)).resolves.toBe(false);
    await expect(verifyPassword('pw', '$scrypt$ln=10,r=8,p=1$AAAA$BBBB')).resolves.toBe(false);
    await expect(verifyPassword('pw', '$2b$12$bcryptlookingthing')).resolves.toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('refuses stored parameters that would exhaust memory', async () => {
    const hash = await hashPassword('pw', FAST);
    expect(parsePasswordHash(hash.replace('ln=10', 'ln=30'))).toBeNull();
  });

  it('refuses to hash an over-long password and never verifies one', async () => {
    const long = 'x'.repeat(MAX_PASSWORD_BYTES + 1);
    await expect(hashPassword(long, FAST)).rejects.toThrow(RangeError);
    await expect(verifyPassword(long, await hashPassword('pw', FAST))).resolves.toBe(false);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    const hash = await hashPassword('caf\u00e9', FAST);
    await expect(verifyPassword('cafe\u0301', hash)).resolves.toBe(true);
  });

  describe('needsRehash', () => {
    it('is false for a hash made with the current parameters', async () => {
      expect(needsRehash(await hashPassword('pw', FAST), FAST)).toBe(false);
    });

    it('is true when the parameters changed', async () => {
      expect(needsRehash(await hashPassword('pw', FAST), DEFAULT_SCRYPT_PARAMS)).toBe(true);
    });

    it('is true for anything that is not a scrypt hash of ours', () => {
      expect(needsRehash('$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW')).toBe(true);
      expect(needsRehash('')).toBe(true);
    });
  });
});
