import { BlobRangeNotSatisfiable, blobKeyOf, digestOfBlobKey, resolveRange } from './blob-store';

describe('blob keys', () => {
  it('round-trip the SHA-512 hex digits', () => {
    const hex = '0f'.repeat(64);
    expect(blobKeyOf(hex)).toBe(`sha512:${hex}`);
    expect(digestOfBlobKey(blobKeyOf(hex))).toBe(hex);
  });

  it('refuse anything that could name a path outside the store', () => {
    expect(() => digestOfBlobKey(`sha512:${'0f'.repeat(63)}/.`)).toThrow(TypeError);
    expect(() => digestOfBlobKey(`sha512:../${'0f'.repeat(62)}`)).toThrow(TypeError);
  });
});

describe('resolveRange', () => {
  it('reads the whole blob without a range', () => {
    expect(resolveRange('k', 10, undefined)).toEqual({ start: 0, end: 9 });
  });

  it('gives an empty blob an empty span', () => {
    expect(resolveRange('k', 0, undefined)).toEqual({ start: 0, end: -1 });
  });

  it('refuses any range of an empty blob, as HTTP does', () => {
    expect(() => resolveRange('k', 0, { start: 0 })).toThrow(BlobRangeNotSatisfiable);
  });

  it('refuses fractional offsets', () => {
    expect(() => resolveRange('k', 10, { start: 0.5 })).toThrow(RangeError);
    expect(() => resolveRange('k', 10, { start: 0, end: Number.NaN })).toThrow(RangeError);
  });
});
