import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BlobKey,
  BlobNotFound,
  BlobRangeNotSatisfiable,
  BlobSizeMismatch,
  BlobStore,
  BlobTooLarge,
  blobKeyOf,
} from '../../infra/blob';

export interface BlobStoreFixture {
  store: BlobStore;
  cleanup: () => Promise<void>;
  /** Leftovers of uploads the adapter keeps outside its blobs (temp files); none for the in-memory store. */
  partialUploads: () => Promise<string[]>;
  /** Moves the store's clock forward, to age blobs past a sweep's threshold. */
  advanceClock: (ms: number) => void;
}

export type BlobStoreFactory = () => Promise<BlobStoreFixture>;

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function eventually(condition: () => boolean | Promise<boolean>, description: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function keysOf(store: BlobStore): Promise<BlobKey[]> {
  const keys: BlobKey[] = [];
  for await (const key of store.list()) keys.push(key);
  return keys;
}

/** Bytes in uneven chunks, as a socket delivers them. */
export function sourceOf(bytes: Buffer, chunkSizes = [1, 1000, 65_536, 7]): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0, n = 0; i < bytes.length; n++) {
    const size = chunkSizes[n % chunkSizes.length];
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return Readable.from(chunks, { objectMode: false });
}

/** A source the test feeds by hand: the upload stays open until it calls `end` or `fail`. */
export function handFedSource() {
  const stream = new Readable({ read() {} });
  return {
    stream,
    push: (bytes: Buffer) => stream.push(bytes),
    end: () => stream.push(null),
    fail: (error: Error) => stream.destroy(error),
    /** True once the store has taken everything pushed so far. */
    drained: () => stream.readableLength === 0,
  };
}

/** A generated source that counts how many chunks it was asked for. */
function countingSource(chunk: Buffer, count: number) {
  const produced = { chunks: 0 };
  const stream = Readable.from(
    (function* () {
      for (; produced.chunks < count; produced.chunks++) yield chunk;
    })(),
    { objectMode: false },
  );
  return { stream, produced };
}

const digest = (algorithm: string, bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

export function blobStoreContract(name: string, factory: BlobStoreFactory): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fixture: BlobStoreFixture;
    let store: BlobStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    /** Nothing of a failed upload remains: no blob, no partial file. */
    async function expectNothingStored(): Promise<void> {
      expect(await keysOf(store)).toEqual([]);
      expect(await fixture.partialUploads()).toEqual([]);
    }

    describe('put and get', () => {
      it('returns the bytes it stored', async () => {
        const bytes = randomBytes(200_000);
        const blob = await store.put(sourceOf(bytes));
        expect((await readAll(await store.get(blob.key))).equals(bytes)).toBe(true);
        expect(await store.stat(blob.key)).toEqual({ key: blob.key, size: bytes.length });
        expect(await fixture.partialUploads()).toEqual([]);
      });

      it('reports size, MD5 and SHA-512 equal to node:crypto over the same bytes, keyed by the SHA-512', async () => {
        const bytes = randomBytes(150_001);
        const blob = await store.put(sourceOf(bytes));
        expect(blob).toEqual({ key: `sha512:${digest('sha512', bytes)}`, size: 150_001, md5: digest('md5', bytes), sha512: digest('sha512', bytes) });
      });

      it('stores an empty upload', async () => {
        const blob = await store.put(Readable.from([], { objectMode: false }));
        expect(blob).toMatchObject({ size: 0, md5: 'd41d8cd98f00b204e9800998ecf8427e', sha512: digest('sha512', Buffer.alloc(0)) });
        expect((await readAll(await store.get(blob.key))).length).toBe(0);
        expect(await keysOf(store)).toEqual([blob.key]);
      });

      it('stores identical content once, however often and concurrently it is uploaded', async () => {
        const bytes = randomBytes(100_000);
        const blobs = await Promise.all([store.put(sourceOf(bytes)), store.put(sourceOf(bytes, [4096])), store.put(sourceOf(bytes, [99_999]))]);
        expect(new Set(blobs.map((b) => b.key)).size).toBe(1);
        expect(await keysOf(store)).toEqual([blobs[0].key]);
        expect((await readAll(await store.get(blobs[0].key))).equals(bytes)).toBe(true);
        expect(await fixture.partialUploads()).toEqual([]);
      });

      it('lists every distinct blob, in key order', async () => {
        const keys = await Promise.all([randomBytes(10), randomBytes(20), randomBytes(30)].map(async (b) => (await store.put(sourceOf(b))).key));
        expect(await keysOf(store)).toEqual([...keys].sort());
      });

      it('hands out copies: a consumer writing into a chunk changes nothing stored', async () => {
        const bytes = randomBytes(1000);
        const { key } = await store.put(sourceOf(bytes));
        for await (const chunk of await store.get(key)) (chunk as Buffer).fill(0);
        expect((await readAll(await store.get(key))).equals(bytes)).toBe(true);
      });
    });

    describe('failed uploads leave nothing', () => {
      it('an abort mid-stream rejects with the abort and leaves no partial file and no blob', async () => {
        const source = handFedSource();
        const abort = new AbortController();
        const upload = store.put(source.stream, { signal: abort.signal });
        source.push(randomBytes(100_000));
        await eventually(source.drained, 'the store to take the first chunk');
        abort.abort();
        expect(await rejectionOf(upload)).toMatchObject({ name: 'AbortError' });
        expect(source.stream.destroyed).toBe(true);
        await expectNothingStored();
      });

      it('a source failing mid-stream (client gone) rejects with its error and leaves nothing', async () => {
        const source = handFedSource();
        const upload = store.put(source.stream);
        source.push(randomBytes(50_000));
        await eventually(source.drained, 'the store to take the first chunk');
        source.fail(new Error('connection reset'));
        await expect(upload).rejects.toThrow('connection reset');
        await expectNothingStored();
      });

      it('an already aborted signal stores nothing', async () => {
        const upload = store.put(sourceOf(randomBytes(10)), { signal: AbortSignal.abort() });
        expect(await rejectionOf(upload)).toMatchObject({ name: 'AbortError' });
        await expectNothingStored();
      });

      it('refuses an upload past maxBytes with BlobTooLarge, without reading it to its end', async () => {
        const { stream, produced } = countingSource(randomBytes(1024), 1000);
        const error = await rejectionOf(store.put(stream, { maxBytes: 4096 }));
        expect(error).toBeInstanceOf(BlobTooLarge);
        expect(error).toMatchObject({ code: 'BlobTooLarge', maxBytes: 4096 });
        expect(produced.chunks).toBeLessThan(100);
        await expectNothingStored();
      });

      it('accepts an upload of exactly maxBytes', async () => {
        const blob = await store.put(sourceOf(randomBytes(4096)), { maxBytes: 4096 });
        expect(blob.size).toBe(4096);
      });

      it('refuses an upload shorter than expectedSize with BlobSizeMismatch', async () => {
        const error = await rejectionOf(store.put(sourceOf(randomBytes(999)), { expectedSize: 1000 }));
        expect(error).toBeInstanceOf(BlobSizeMismatch);
        expect(error).toMatchObject({ code: 'BlobSizeMismatch', expected: 1000, actual: 999 });
        await expectNothingStored();
      });

      it('refuses an upload longer than expectedSize with BlobSizeMismatch, as soon as it runs past', async () => {
        const { stream, produced } = countingSource(randomBytes(1024), 1000);
        const error = await rejectionOf(store.put(stream, { expectedSize: 2048 }));
        expect(error).toBeInstanceOf(BlobSizeMismatch);
        expect((error as BlobSizeMismatch).actual).toBeGreaterThan(2048);
        expect(produced.chunks).toBeLessThan(100);
        await expectNothingStored();
      });

      it('accepts an upload of exactly expectedSize', async () => {
        const blob = await store.put(sourceOf(randomBytes(1000)), { expectedSize: 1000 });
        expect(blob.size).toBe(1000);
      });

      it('rejects nonsense limits before reading anything', async () => {
        await expect(store.put(sourceOf(randomBytes(10)), { maxBytes: -1 })).rejects.toThrow(RangeError);
        await expect(store.put(sourceOf(randomBytes(10)), { expectedSize: 1.5 })).rejects.toThrow(RangeError);
        await expectNothingStored();
      });

      it('keeps the existing copy when a duplicate upload fails', async () => {
        const bytes = randomBytes(5000);
        const { key } = await store.put(sourceOf(bytes));
        await expect(store.put(sourceOf(bytes), { maxBytes: 100 })).rejects.toThrow(BlobTooLarge);
        expect((await readAll(await store.get(key))).equals(bytes)).toBe(true);
      });
    });

    describe('missing blobs and delete', () => {
      const missing = blobKeyOf('ab'.repeat(64));

      it('get of a missing key rejects with BlobNotFound', async () => {
        const error = await rejectionOf(store.get(missing));
        expect(error).toBeInstanceOf(BlobNotFound);
        expect(error).toMatchObject({ code: 'BlobNotFound', key: missing });
      });

      it('stat of a missing key answers null', async () => {
        expect(await store.stat(missing)).toBeNull();
      });

      it('delete removes the blob and is idempotent', async () => {
        const { key } = await store.put(sourceOf(randomBytes(100)));
        await store.delete(key);
        await store.delete(key);
        await store.delete(missing);
        await expect(store.get(key)).rejects.toThrow(BlobNotFound);
        expect(await store.stat(key)).toBeNull();
        expect(await keysOf(store)).toEqual([]);
      });

      it('a blob deleted and uploaded again is back', async () => {
        const bytes = randomBytes(100);
        const { key } = await store.put(sourceOf(bytes));
        await store.delete(key);
        await store.put(sourceOf(bytes));
        expect((await readAll(await store.get(key))).equals(bytes)).toBe(true);
      });

      it('refuses a malformed key with a TypeError instead of touching anything', async () => {
        for (const bad of ['sha512:../../etc/passwd', 'md5:d41d8cd98f00b204e9800998ecf8427e', `sha512:${'AB'.repeat(64)}`, '']) {
          await expect(store.get(bad as BlobKey)).rejects.toThrow(TypeError);
          await expect(store.stat(bad as BlobKey)).rejects.toThrow(TypeError);
          await expect(store.delete(bad as BlobKey)).rejects.toThrow(TypeError);
        }
      });
    });

    describe('range reads', () => {
      const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251));
      let key: BlobKey;
      beforeEach(async () => {
        ({ key } = await store.put(sourceOf(bytes)));
      });

      it('reads bytes start to end, both inclusive', async () => {
        expect((await readAll(await store.get(key, { start: 100, end: 199 }))).equals(bytes.subarray(100, 200))).toBe(true);
        expect((await readAll(await store.get(key, { start: 70_000, end: 70_000 }))).equals(bytes.subarray(70_000, 70_001))).toBe(true);
      });

      it('reads from start to the end of the blob when end is left out', async () => {
        expect((await readAll(await store.get(key, { start: 299_990 }))).equals(bytes.subarray(299_990))).toBe(true);
      });

      it('clamps an end past the blob', async () => {
        expect((await readAll(await store.get(key, { start: 299_000, end: 10_000_000 }))).equals(bytes.subarray(299_000))).toBe(true);
      });

      it('rejects a start past the blob with BlobRangeNotSatisfiable carrying the size', async () => {
        const error = await rejectionOf(store.get(key, { start: 300_000 }));
        expect(error).toBeInstanceOf(BlobRangeNotSatisfiable);
        expect(error).toMatchObject({ code: 'BlobRangeNotSatisfiable', size: 300_000 });
      });

      it('rejects an inverted or negative range with a RangeError', async () => {
        await expect(store.get(key, { start: 10, end: 9 })).rejects.toThrow(RangeError);
        await expect(store.get(key, { start: -1 })).rejects.toThrow(RangeError);
      });
    });

    describe('sweepOrphans', () => {
      it('removes blobs that keep disowns and keeps the others', async () => {
        const kept = await store.put(sourceOf(randomBytes(100)));
        const orphan = await store.put(sourceOf(randomBytes(250)));
        const report = await store.sweepOrphans((key) => key === kept.key, 0);
        expect(report).toEqual({ partialUploads: 0, blobs: [orphan.key], bytes: 250 });
        expect(await keysOf(store)).toEqual([kept.key]);
        await expect(store.get(orphan.key)).rejects.toThrow(BlobNotFound);
      });

      it('awaits an asynchronous keep', async () => {
        const kept = await store.put(sourceOf(randomBytes(100)));
        await store.sweepOrphans(async (key) => key === kept.key, 0);
        expect(await keysOf(store)).toEqual([kept.key]);
      });

      it('spares disowned blobs younger than olderThanMs, removes them once old enough', async () => {
        const young = await store.put(sourceOf(randomBytes(100)));
        expect((await store.sweepOrphans(() => false, 60_000)).blobs).toEqual([]);
        fixture.advanceClock(61_000);
        expect((await store.sweepOrphans(() => false, 60_000)).blobs).toEqual([young.key]);
      });

      it('counts a blob uploaded again as young: a new image may be about to record it', async () => {
        const bytes = randomBytes(100);
        const { key } = await store.put(sourceOf(bytes));
        fixture.advanceClock(61_000);
        await store.put(sourceOf(bytes));
        expect((await store.sweepOrphans(() => false, 60_000)).blobs).toEqual([]);
      });

      it('never disturbs an upload still running', async () => {
        const source = handFedSource();
        const bytes = randomBytes(70_000);
        const upload = store.put(source.stream);
        source.push(bytes.subarray(0, 30_000));
        await eventually(source.drained, 'the store to take the first chunk');
        fixture.advanceClock(3_600_000);
        expect(await store.sweepOrphans(() => false, 0)).toEqual({ partialUploads: 0, blobs: [], bytes: 0 });
        source.push(bytes.subarray(30_000));
        source.end();
        const blob = await upload;
        expect((await readAll(await store.get(blob.key))).equals(bytes)).toBe(true);
      });
    });
  });
}
