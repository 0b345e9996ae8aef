import { randomUUID } from 'node:crypto';
import { FileHandle, mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobMeter } from './blob-meter';
import { Md5Worker } from './md5-worker';
import {
  BlobKey,
  BlobNotFound,
  BlobStat,
  BlobStore,
  ByteRange,
  PutBlobOptions,
  StoredBlob,
  SweepReport,
  blobKeyOf,
  digestOfBlobKey,
  resolveRange,
} from './blob-store';

export interface FilesystemBlobStoreOptions {
  /** Directory the store owns, e.g. `<data dir>/images`; created when missing. */
  root: string;
  /** Where MD5 runs: a worker thread shared by every store of the process (default), or `false` for the upload's own thread. */
  md5Worker?: Md5Worker | false;
  /** Wall clock for sweep ages, compared with file mtimes. */
  clock?: () => number;
}

/** One MD5 thread for the process: uploads interleave on it. */
const sharedMd5Worker = new Md5Worker();

/** Large chunks cut syscalls per GiB; a few of them in flight keep memory flat all the same. */
const CHUNK_BYTES = 1024 * 1024;
const PARTIAL_SUFFIX = '.part';
const HEX2 = /^[0-9a-f]{2}$/;
const HEX128 = /^[0-9a-f]{128}$/;

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

async function statOrNull(file: string) {
  try {
    return await stat(file);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/**
 * Writes chunks gathered into one `writev` per CHUNK_BYTES, one write in flight while the next
 * batch is read and hashed: HTTP bodies arrive in 16-64 KiB pieces, and a syscall (and a
 * thread-pool round trip) per piece, waited for before reading on, costs more than the copy.
 */
async function writeBatched(file: FileHandle, chunks: AsyncIterable<Buffer>): Promise<void> {
  let batch: Buffer[] = [];
  let bytes = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const write = async (buffers: Buffer[], total: number) => {
    const { bytesWritten } = await file.writev(buffers);
    // A short write (a signal, a full disk) leaves the rest to write, or fails with the reason.
    if (bytesWritten < total) await writeFully(file, Buffer.concat(buffers).subarray(bytesWritten));
  };
  const flush = async () => {
    await inFlight;
    inFlight = write(batch, bytes);
    // A failed write must not go unobserved while the next batch is gathered.
    inFlight.catch(() => undefined);
    batch = [];
    bytes = 0;
  };
  for await (const chunk of chunks) {
    batch.push(chunk);
    bytes += chunk.length;
    if (bytes >= CHUNK_BYTES) await flush();
  }
  if (batch.length > 0) await flush();
  await inFlight;
}

async function writeFully(file: FileHandle, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length; ) offset += (await file.write(data, offset)).bytesWritten;
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Blobs as files under `root/blobs/<aa>/<bb>/<sha512 hex>`. An upload is written to
 * `root/tmp/<uuid>.part`, fsynced, renamed into place and its directory fsynced: after a crash a
 * blob is either complete or absent, and what is left in `tmp/` is swept later.
 */
export class FilesystemBlobStore implements BlobStore {
  readonly name = 'filesystem';
  readonly root: string;
  private readonly tmpDir: string;
  private readonly blobsDir: string;
  private readonly clock: () => number;
  private readonly md5Worker: Md5Worker | false;
  /** Temp files of this process's running uploads: a sweep never touches them, however old. */
  private readonly writing = new Set<string>();
  private ready: Promise<void> | undefined;

  constructor(options: FilesystemBlobStoreOptions) {
    this.root = path.resolve(options.root);
    this.tmpDir = path.join(this.root, 'tmp');
    this.blobsDir = path.join(this.root, 'blobs');
    this.clock = options.clock ?? Date.now;
    this.md5Worker = options.md5Worker ?? sharedMd5Worker;
  }

  async put(source: Readable, options: PutBlobOptions = {}): Promise<StoredBlob> {
    const meter = new BlobMeter({ ...options, md5Worker: this.md5Worker || undefined });
    await this.prepare().catch((error) => {
      meter.destroy();
      throw error;
    });
    const temp = path.join(this.tmpDir, `${randomUUID()}${PARTIAL_SUFFIX}`);
    this.writing.add(temp);
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'wx', 0o644);
      const file = handle;
      // Written through the handle itself: a stream over it (autoClose off, to fsync after) never signals the end.
      await pipeline(
        source,
        meter,
        (chunks: AsyncIterable<Buffer>) => writeBatched(file, chunks),
        { signal: options.signal },
      );
      await handle.sync();
      await handle.close();
      handle = undefined;
      const blob = meter.result();
      await this.commit(temp, blob.key);
      return blob;
    } catch (error) {
      meter.destroy();
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    } finally {
      this.writing.delete(temp);
    }
  }

  async get(key: BlobKey, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    let handle: FileHandle;
    try {
      // Opened before answering: a missing blob rejects here, and a concurrent delete cannot cut the stream.
      handle = await open(file, 'r');
    } catch (error) {
      if (isMissing(error)) throw new BlobNotFound(key);
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const { start, end } = resolveRange(key, size, range);
      if (end < start) {
        await handle.close();
        return Readable.from([], { objectMode: false });
      }
      return handle.createReadStream({ start, end, highWaterMark: CHUNK_BYTES });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(key: BlobKey): Promise<BlobStat | null> {
    const found = await statOrNull(this.pathOf(key));
    return found && { key, size: found.size };
  }

  async delete(key: BlobKey): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(): AsyncIterable<BlobKey> {
    for (const aa of await this.entries(this.blobsDir, HEX2)) {
      for (const bb of await this.entries(path.join(this.blobsDir, aa), HEX2)) {
        for (const name of await this.entries(path.join(this.blobsDir, aa, bb), HEX128)) {
          if (name.startsWith(aa + bb)) yield blobKeyOf(name);
        }
      }
    }
  }

  async sweepOrphans(keep: (key: BlobKey) => boolean | Promise<boolean>, olderThanMs: number): Promise<SweepReport> {
    const now = this.clock();
    const oldEnough = (mtimeMs: number) => olderThanMs <= 0 || now - mtimeMs >= olderThanMs;
    const report: SweepReport = { partialUploads: 0, blobs: [], bytes: 0 };

    // An upload still running in another process rewrites its temp file's mtime with every chunk.
    for (const name of await this.entries(this.tmpDir)) {
      const temp = path.join(this.tmpDir, name);
      if (this.writing.has(temp)) continue;
      const found = await statOrNull(temp);
      if (!found || !oldEnough(found.mtimeMs)) continue;
      await rm(temp, { force: true });
      report.partialUploads++;
      report.bytes += found.size;
    }

    for await (const key of this.list()) {
      const file = this.pathOf(key);
      const found = await statOrNull(file);
      if (!found || !oldEnough(found.mtimeMs) || (await keep(key))) continue;
      await rm(file, { force: true });
      report.blobs.push(key);
      report.bytes += found.size;
    }
    return report;
  }

  localPath(key: BlobKey): string {
    return this.pathOf(key);
  }

  private pathOf(key: BlobKey): string {
    const hex = digestOfBlobKey(key);
    return path.join(this.blobsDir, hex.slice(0, 2), hex.slice(2, 4), hex);
  }

  private prepare(): Promise<void> {
    this.ready ??= Promise.all([mkdir(this.tmpDir, { recursive: true }), mkdir(this.blobsDir, { recursive: true })]).then(
      () => undefined,
      (error) => {
        this.ready = undefined;
        throw error;
      },
    );
    return this.ready;
  }

  /** Moves a complete, fsynced temp file to its content address, durably. */
  private async commit(temp: string, key: BlobKey): Promise<void> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    const created = await mkdir(dir, { recursive: true });
    if (await statOrNull(target)) {
      await rm(temp, { force: true });
      // A fresh mtime keeps a sweep's age guard over the blob until the new image records it.
      const now = new Date(this.clock());
      await utimes(target, now, now);
      return;
    }
    await rename(temp, target);
    // The new entry, and those of directories made for it, must reach the disk with the file.
    const toSync = [dir];
    if (created !== undefined) {
      for (let d = dir; d !== path.dirname(created); ) toSync.push((d = path.dirname(d)));
    }
    for (const d of toSync) await fsyncDirectory(d);
  }

  private async entries(dir: string, pattern?: RegExp): Promise<string[]> {
    try {
      const names = await readdir(dir);
      return pattern ? names.filter((n) => pattern.test(n)).sort() : names;
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }
}
