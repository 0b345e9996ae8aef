import { Worker } from 'node:worker_threads';

/** One running MD5 of an upload: bytes in (with backpressure), the hex digest out. */
export interface Md5Job {
  /** Resolves at once, or once the worker has caught up when too many bytes are in flight. */
  update(bytes: Buffer): Promise<void>;
  digest(): Promise<string>;
  /** The upload failed: the worker forgets this job. */
  discard(): void;
}

// Plain JavaScript: the worker runs outside the TypeScript loader. One hash per job id.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', ({ id, kind, bytes }) => {
  let hash = jobs.get(id);
  if (!hash) jobs.set(id, (hash = createHash('md5')));
  if (kind === 'update') { hash.update(bytes); parentPort.postMessage({ id, kind: 'ack', bytes }, [bytes.buffer]); }
  else if (kind === 'digest') { jobs.delete(id); parentPort.postMessage({ id, kind: 'digest', hex: hash.digest('hex') }); }
  else jobs.delete(id);
});`;

/** Bytes gathered per message: fewer, larger messages; each is one copy the worker then owns. */
const BATCH_BYTES = 1024 * 1024;
/** Bytes posted but not yet hashed before an upload waits for the worker. */
const MAX_IN_FLIGHT = 4 * 1024 * 1024;
/** Batch buffers kept for reuse: they go to the worker and come back, so hashing makes no garbage. */
const SPARE_BUFFERS = 8;

interface JobState {
  inFlight: number;
  wake: (() => void) | null;
  done: ((hex: string) => void) | null;
  fail: (error: Error) => void;
}

/**
 * MD5 (Glance's `checksum`) on a worker thread, so that the upload's own thread hashes only
 * SHA-512: on a two-core host the two hashes then run side by side instead of one after the other.
 * One worker serves every upload of the process; it is started on first use and keeps the process
 * alive only while it hashes. If it dies, the uploads it was hashing fail and the next one starts a new one.
 */
export class Md5Worker {
  private worker: Worker | null = null;
  private readonly jobs = new Map<number, JobState>();
  private readonly spare: Buffer[] = [];
  private nextId = 1;

  begin(): Md5Job {
    const worker = this.running();
    const id = this.nextId++;
    let failure: Error | null = null;
    const state: JobState = { inFlight: 0, wake: null, done: null, fail: (error) => (failure = error) };
    // Referenced while it hashes, so a pending digest keeps the process alive; idle, it lets the process exit.
    if (this.jobs.size === 0) worker.ref();
    this.jobs.set(id, state);
    let batch: Buffer[] = [];
    let batched = 0;
    const post = () => {
      if (batched === 0) return;
      const bytes = this.buffer(batched);
      let offset = 0;
      for (const piece of batch) offset += piece.copy(bytes, offset);
      state.inFlight += bytes.length;
      worker.postMessage({ id, kind: 'update', bytes }, [bytes.buffer as ArrayBuffer]);
      batch = [];
      batched = 0;
    };
    const check = () => {
      if (failure) throw failure;
    };
    return {
      update: async (bytes) => {
        check();
        batch.push(bytes);
        batched += bytes.length;
        if (batched >= BATCH_BYTES) post();
        while (state.inFlight > MAX_IN_FLIGHT) {
          await new Promise<void>((resolve) => {
            state.wake = resolve;
            state.fail = (error) => {
              failure = error;
              resolve();
            };
          });
          check();
        }
      },
      digest: () => {
        check();
        post();
        return new Promise<string>((resolve, reject) => {
          state.done = resolve;
          state.fail = reject;
          worker.postMessage({ id, kind: 'digest' });
        });
      },
      discard: () => {
        if (!this.jobs.delete(id)) return;
        worker.postMessage({ id, kind: 'discard' });
        this.idle(worker);
      },
    };
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (m: { id: number; kind: 'ack'; bytes: Uint8Array } | { id: number; kind: 'digest'; hex: string }) => {
      if (m.kind === 'ack' && this.spare.length < SPARE_BUFFERS && m.bytes.byteOffset === 0) this.spare.push(Buffer.from(m.bytes.buffer));
      const job = this.jobs.get(m.id);
      if (!job) return;
      if (m.kind === 'ack') {
        job.inFlight -= m.bytes.byteLength;
        const wake = job.wake;
        job.wake = null;
        wake?.();
      } else {
        this.jobs.delete(m.id);
        this.idle(worker);
        job.done?.(m.hex);
      }
    });
    const lost = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const job of this.jobs.values()) job.fail(new Error(`the MD5 worker stopped: ${error.message}`));
      this.jobs.clear();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }

  /** A buffer of exactly `size` bytes over its own ArrayBuffer (it is transferred), reused when one fits. */
  private buffer(size: number): Buffer {
    const index = this.spare.findIndex((b) => b.length >= size);
    if (index < 0) return Buffer.from(new ArrayBuffer(Math.max(size, BATCH_BYTES + 64 * 1024))).subarray(0, size);
    const [reused] = this.spare.splice(index, 1);
    return reused.subarray(0, size);
  }

  private idle(worker: Worker): void {
    if (this.jobs.size === 0) worker.unref();
  }
}
