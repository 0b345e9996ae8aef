import type { Readable } from 'node:stream';

/**
 * Content address of a blob: `sha512:<128 hex digits>`. Glance's default `os_hash_algo` is sha512,
 * so the key of an image's bytes is also its `os_hash_value`.
 */
export type BlobKey = `sha512:${string}`;

const KEY = /^sha512:([0-9a-f]{128})$/;

export function blobKeyOf(sha512Hex: string): BlobKey {
  return `sha512:${sha512Hex}`;
}

/** The sha512 hex digits of a key; a malformed key is a programming error (keys only come from this store). */
export function digestOfBlobKey(key: string): string {
  const m = KEY.exec(key);
  if (!m) throw new TypeError(`Not a blob key: ${JSON.stringify(key)}`);
  return m[1];
}

/** What an upload stored, measured in the same pass that wrote the bytes. */
export interface StoredBlob {
  key: BlobKey;
  /** Bytes stored (Glance `size`). */
  size: number;
  /** MD5 hex (Glance `checksum`, legacy but still shown and checked by clients). */
  md5: string;
  /** SHA-512 hex (Glance `os_hash_value` with `os_hash_algo` sha512). */
  sha512: string;
}

export interface BlobStat {
  key: BlobKey;
  size: number;
}

export interface PutBlobOptions {
  /** Upload refused with `BlobTooLarge` past this many bytes (Glance `image_size_cap`, user storage quota). */
  maxBytes?: number;
  /** Size the client declared (Glance image `size` or Content-Length); any other size fails with `BlobSizeMismatch`. */
  expectedSize?: number;
  /** Aborting ends the upload: nothing is stored and the promise rejects with the abort reason. */
  signal?: AbortSignal;
}

/** Bytes `start` to `end`, both inclusive as in an HTTP `Range: bytes=start-end`; `end` past the blob is clamped. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface SweepReport {
  /** Leftovers of interrupted uploads that were removed. */
  partialUploads: number;
  /** Blobs no longer referenced that were removed. */
  blobs: BlobKey[];
  /** Bytes freed by both. */
  bytes: number;
}

/**
 * Image (and later object) bytes, content-addressed. An upload is either fully stored under its
 * key or not at all: no reader ever sees a partial blob, whatever happens mid-stream.
 */
export interface BlobStore {
  readonly name: string;
  /**
   * Streams `source` in, hashing as it goes; memory stays flat whatever the size. Identical
   * content is stored once. On any failure (source error, abort, limit) nothing is left behind.
   */
  put(source: Readable, options?: PutBlobOptions): Promise<StoredBlob>;
  /** The blob's bytes (or a range of them); rejects with `BlobNotFound`, or `BlobRangeNotSatisfiable` past its end. */
  get(key: BlobKey, range?: ByteRange): Promise<Readable>;
  /** Size of a stored blob, or null when there is none. */
  stat(key: BlobKey): Promise<BlobStat | null>;
  /** The file holding a stored blob, for tools that read files (qemu-img); absent where blobs are not local files. */
  localPath?(key: BlobKey): string;
  /** Removes a blob; removing a missing one succeeds. */
  delete(key: BlobKey): Promise<void>;
  list(): AsyncIterable<BlobKey>;
  /**
   * Removes leftovers of interrupted uploads and blobs that `keep` disowns, both only when older
   * than `olderThanMs`: the age spares uploads still running elsewhere and blobs whose image has
   * not yet recorded its upload.
   */
  sweepOrphans(keep: (key: BlobKey) => boolean | Promise<boolean>, olderThanMs: number): Promise<SweepReport>;
}

/** Base of the store's typed failures; `code` is stable, the image API maps it to Glance's answers. */
export abstract class BlobStoreError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class BlobNotFound extends BlobStoreError {
  readonly code = 'BlobNotFound';
  constructor(readonly key: string) {
    super(`No blob ${key}`);
  }
}

/** Glance answers 413 Request Entity Too Large. */
export class BlobTooLarge extends BlobStoreError {
  readonly code = 'BlobTooLarge';
  constructor(readonly maxBytes: number) {
    super(`Upload exceeds the limit of ${maxBytes} bytes`);
  }
}

/** `actual` is a lower bound when the upload was cut short for running past `expected`. */
export class BlobSizeMismatch extends BlobStoreError {
  readonly code = 'BlobSizeMismatch';
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Upload of ${actual}${actual > expected ? '+' : ''} bytes does not match the expected size of ${expected} bytes`);
  }
}

/** HTTP 416, with `Content-Range: bytes *\/<size>`. */
export class BlobRangeNotSatisfiable extends BlobStoreError {
  readonly code = 'BlobRangeNotSatisfiable';
  constructor(
    readonly key: string,
    readonly size: number,
    readonly range: ByteRange,
  ) {
    super(`Range ${range.start}-${range.end ?? ''} is outside blob ${key} of ${size} bytes`);
  }
}

/** Checks `range` against a blob of `size` bytes; returns the inclusive bounds to read. */
export function resolveRange(key: string, size: number, range: ByteRange | undefined): { start: number; end: number } {
  if (range === undefined) return { start: 0, end: size - 1 };
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new RangeError(`Not a byte range: ${JSON.stringify(range)}`);
  }
  if (start >= size) throw new BlobRangeNotSatisfiable(key, size, range);
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}
