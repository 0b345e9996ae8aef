import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blobStoreContract, keysOf, readAll, sourceOf } from '../../test/contracts/blob-store.contract';
import { FilesystemBlobStore } from './filesystem-blob-store';

const roots: string[] = [];
function tempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-blob-'));
  roots.push(root);
  return root;
}
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

function storeWithClock(root: string) {
  let offset = 0;
  const store = new FilesystemBlobStore({ root, clock: () => Date.now() + offset });
  return { store, advanceClock: (ms: number) => void (offset += ms) };
}

const filesUnder = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

blobStoreContract('filesystem', async () => {
  const root = tempRoot();
  const { store, advanceClock } = storeWithClock(root);
  return {
    store,
    advanceClock,
    partialUploads: async () => filesUnder(path.join(root, 'tmp')),
    cleanup: async () => fs.rmSync(root, { recursive: true, force: true }),
  };
});

describe('FilesystemBlobStore', () => {
  let root: string;
  let store: FilesystemBlobStore;
  let advanceClock: (ms: number) => void;
  beforeEach(() => {
    root = tempRoot();
    ({ store, advanceClock } = storeWithClock(root));
  });

  it('lays a blob out as blobs/<aa>/<bb>/<sha512 hex>, holding exactly the bytes', async () => {
    const bytes = randomBytes(10_000);
    const blob = await store.put(sourceOf(bytes));
    const file = path.join(root, 'blobs', blob.sha512.slice(0, 2), blob.sha512.slice(2, 4), blob.sha512);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    expect(filesUnder(path.join(root, 'tmp'))).toEqual([]);
  });

  it('fsyncs the file, then the directories that name it', async () => {
    const handle = await fs.promises.open(root, 'r');
    const prototype = Object.getPrototypeOf(handle);
    await handle.close();
    const sync = jest.spyOn(prototype, 'sync');
    const rename = jest.spyOn(fs.promises, 'rename');
    try {
      await store.put(sourceOf(randomBytes(1000)));
      // The file before the rename; blobs/aa/bb, blobs/aa and blobs after it (all three were created).
      expect(sync).toHaveBeenCalledTimes(4);
      expect(sync.mock.invocationCallOrder[0]).toBeLessThan(rename.mock.invocationCallOrder[0] ?? Infinity);
    } finally {
      sync.mockRestore();
      rename.mockRestore();
    }
  });

  it('serves the blobs of an earlier process from the same root', async () => {
    const bytes = randomBytes(5000);
    const { key } = await store.put(sourceOf(bytes));
    const again = new FilesystemBlobStore({ root });
    expect(await keysOf(again)).toEqual([key]);
    expect((await readAll(await again.get(key))).equals(bytes)).toBe(true);
  });

  it('finishes a read already opened when the blob is deleted meanwhile', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const { key } = await store.put(sourceOf(bytes));
    const reading = await store.get(key);
    await store.delete(key);
    expect((await readAll(reading)).equals(bytes)).toBe(true);
    expect(await store.stat(key)).toBeNull();
  });

  it('sweeps the partial file of an upload cut by a crash once old enough, and reports its bytes', async () => {
    await store.put(sourceOf(randomBytes(10)));
    const partial = path.join(root, 'tmp', 'crashed-upload.part');
    fs.writeFileSync(partial, randomBytes(777));
    expect(await store.sweepOrphans(() => true, 60_000)).toEqual({ partialUploads: 0, blobs: [], bytes: 0 });
    advanceClock(61_000);
    expect(await store.sweepOrphans(() => true, 60_000)).toEqual({ partialUploads: 1, blobs: [], bytes: 777 });
    expect(filesUnder(path.join(root, 'tmp'))).toEqual([]);
    expect(await keysOf(store)).toHaveLength(1);
  });

  it('lists only files named by their content address', async () => {
    const { key, sha512 } = await store.put(sourceOf(randomBytes(10)));
    const dir = path.join(root, 'blobs', sha512.slice(0, 2), sha512.slice(2, 4));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    fs.writeFileSync(path.join(dir, 'ff'.repeat(64)), 'misplaced');
    expect(await keysOf(store)).toEqual([key]);
  });

  it('lists nothing, and sweeps nothing, before the first upload', async () => {
    expect(await keysOf(store)).toEqual([]);
    expect(await store.sweepOrphans(() => false, 0)).toEqual({ partialUploads: 0, blobs: [], bytes: 0 });
  });
});

describe('FilesystemBlobStore streaming', () => {
  const MiB = 1024 * 1024;
  const TOTAL = 1024 * MiB;
  const RSS_BOUND = 100 * MiB;

  /** `TOTAL` bytes in fresh 1 MiB chunks, so a store that buffered them would show in RSS. */
  function generated(): Readable {
    const block = randomBytes(MiB);
    let sent = 0;
    return new Readable({
      read() {
        if (sent === TOTAL) return void this.push(null);
        const chunk = Buffer.allocUnsafe(MiB);
        block.copy(chunk);
        chunk.writeUInt32BE(sent / MiB, 0);
        sent += MiB;
        this.push(chunk);
      },
    });
  }

  async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number; seconds: number }> {
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    const started = process.hrtime.bigint();
    try {
      const result = await work();
      peak = Math.max(peak, process.memoryUsage.rss());
      return { result, growth: peak - baseline, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    } finally {
      clearInterval(sampler);
    }
  }

  it('puts and gets 1 GiB with flat memory, the hashes matching the bytes read back', async () => {
    const store = new FilesystemBlobStore({ root: tempRoot() });
    const put = await peakRssGrowth(() => store.put(generated(), { expectedSize: TOTAL }));
    expect(put.result.size).toBe(TOTAL);

    const get = await peakRssGrowth(async () => {
      const sha512 = createHash('sha512');
      let size = 0;
      await pipeline(
        await store.get(put.result.key),
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            sha512.update(chunk);
            size += chunk.length;
            callback();
          },
        }),
      );
      return { size, sha512: sha512.digest('hex') };
    });
    expect(get.result).toEqual({ size: TOTAL, sha512: put.result.sha512 });

    const mb = (bytes: number) => (bytes / MiB).toFixed(1);
    console.log(
      `1 GiB put: ${(TOTAL / MiB / put.seconds).toFixed(0)} MiB/s, RSS +${mb(put.growth)} MiB; ` +
        `get (+sha512): ${(TOTAL / MiB / get.seconds).toFixed(0)} MiB/s, RSS +${mb(get.growth)} MiB`,
    );
    expect(put.growth).toBeLessThan(RSS_BOUND);
    expect(get.growth).toBeLessThan(RSS_BOUND);
    await store.delete(put.result.key);
  });
});
