import { createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { BlobSizeMismatch, BlobTooLarge, PutBlobOptions, StoredBlob, blobKeyOf } from './blob-store';
import type { Md5Job, Md5Worker } from './md5-worker';

function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/**
 * Passes bytes through unchanged while counting them and feeding MD5 and SHA-512 in the same
 * pass (MD5 on a worker thread when given an `Md5Worker`); fails the pipeline as soon as a limit is
 * crossed, so an oversized upload is never read to its end.
 */
export class BlobMeter extends Transform {
  private readonly md5: Hash = createHash('md5');
  private readonly sha512: Hash = createHash('sha512');
  private size = 0;
  private readonly maxBytes: number | undefined;
  private readonly expectedSize: number | undefined;
  private readonly md5Job: Md5Job | undefined;
  private md5Hex: string | undefined;

  constructor({ maxBytes, expectedSize, md5Worker }: Pick<PutBlobOptions, 'maxBytes' | 'expectedSize'> & { md5Worker?: Md5Worker } = {}) {
    super();
    checkLimit('maxBytes', maxBytes);
    checkLimit('expectedSize', expectedSize);
    this.maxBytes = maxBytes;
    this.expectedSize = expectedSize;
    this.md5Job = md5Worker?.begin();
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.size += bytes.length;
    if (this.maxBytes !== undefined && this.size > this.maxBytes) return callback(new BlobTooLarge(this.maxBytes));
    if (this.expectedSize !== undefined && this.size > this.expectedSize) return callback(new BlobSizeMismatch(this.expectedSize, this.size));
    this.sha512.update(bytes);
    if (this.md5Job) {
      this.md5Job.update(bytes).then(() => callback(null, bytes), callback);
      return;
    }
    this.md5.update(bytes);
    callback(null, bytes);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedSize !== undefined && this.size !== this.expectedSize) return callback(new BlobSizeMismatch(this.expectedSize, this.size));
    if (!this.md5Job) return callback();
    this.md5Job.digest().then((hex) => {
      this.md5Hex = hex;
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.md5Job?.discard();
    callback(error);
  }

  /** The measurement; valid once the pipeline finished without error. */
  result(): StoredBlob {
    const sha512 = this.sha512.digest('hex');
    return { key: blobKeyOf(sha512), size: this.size, md5: this.md5Hex ?? this.md5.digest('hex'), sha512 };
  }
}
