import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobMeter } from './blob-meter';
import {
  BlobKey,
  BlobNotFound,
  BlobStat,
  BlobStore,
  ByteRange,
  PutBlobOptions,
  StoredBlob,
  SweepReport,
  digestOfBlobKey,
  resolveRange,
} from './blob-store';

export interface InMemoryBlobStoreOptions {
  /** Source of the store times that sweep ages are measured from; tests pass a controllable clock. */
  clock?: () => number;
}

const CHUNK_BYTES = 64 * 1024;

interface Entry {
  bytes: Buffer;
  storedAt: number;
}

/** Copies, so a consumer writing into a chunk cannot change what is stored. */
function* chunksOf(bytes: Buffer): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) yield Buffer.from(bytes.subarray(i, i + CHUNK_BYTES));
}

/** Unit tests and the embedded fake mode: blobs in a Map, with the same hashing, limits and failures. */
export class InMemoryBlobStore implements BlobStore {
  readonly name = 'in-memory';
  private readonly blobs = new Map<BlobKey, Entry>();
  private readonly clock: () => number;

  constructor(options: InMemoryBlobStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  async put(source: Readable, options: PutBlobOptions = {}): Promise<StoredBlob> {
    const meter = new BlobMeter(options);
    const chunks: Buffer[] = [];
    const collector = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    await pipeline(source, meter, collector, { signal: options.signal });
    const blob = meter.result();
    const existing = this.blobs.get(blob.key);
    this.blobs.set(blob.key, { bytes: existing?.bytes ?? Buffer.concat(chunks), storedAt: this.clock() });
    return blob;
  }

  async get(key: BlobKey, range?: ByteRange): Promise<Readable> {
    const entry = this.entry(key);
    if (!entry) throw new BlobNotFound(key);
    const { start, end } = resolveRange(key, entry.bytes.length, range);
    return Readable.from(chunksOf(entry.bytes.subarray(start, end + 1)), { objectMode: false });
  }

  async stat(key: BlobKey): Promise<BlobStat | null> {
    const entry = this.entry(key);
    return entry ? { key, size: entry.bytes.length } : null;
  }

  async delete(key: BlobKey): Promise<void> {
    digestOfBlobKey(key);
    this.blobs.delete(key);
  }

  async *list(): AsyncIterable<BlobKey> {
    yield* [...this.blobs.keys()].sort();
  }

  /** Uploads in flight live only in their own `put`, so there are never partial uploads to sweep. */
  async sweepOrphans(keep: (key: BlobKey) => boolean | Promise<boolean>, olderThanMs: number): Promise<SweepReport> {
    const now = this.clock();
    const report: SweepReport = { partialUploads: 0, blobs: [], bytes: 0 };
    for (const [key, entry] of [...this.blobs]) {
      if ((olderThanMs > 0 && now - entry.storedAt < olderThanMs) || (await keep(key))) continue;
      if (this.blobs.get(key) !== entry) continue;
      this.blobs.delete(key);
      report.blobs.push(key);
      report.bytes += entry.bytes.length;
    }
    return report;
  }

  private entry(key: BlobKey): Entry | undefined {
    digestOfBlobKey(key);
    return this.blobs.get(key);
  }
}
