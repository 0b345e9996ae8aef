export interface BatchLimits {
  /** A batch is cut at this many items... */
  maxItems: number;
  /** ...or when its first item is this old, so transactions stay short under a steady trickle. */
  maxMs: number;
}

const IDLE = Symbol('idle');

function idle(): Promise<typeof IDLE> {
  return new Promise((resolve) => setImmediate(() => resolve(IDLE)));
}

/**
 * Groups a (live) iterable into batches: a batch is cut when it is full, when it is too old, or
 * as soon as the source has nothing immediately available, so a quiet system flushes every event
 * at once while a busy one (catch-up) gets large batches. The item being awaited when a batch is
 * cut is kept, never dropped. To stop while the source waits for new items, abort the source.
 */
export async function* microBatches<T>(source: AsyncIterable<T>, limits: BatchLimits, now: () => number = Date.now): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = null;
  let batch: T[] = [];
  let startedAt = 0;
  try {
    for (;;) {
      pending ??= iterator.next();
      const result = batch.length === 0 ? await pending : await Promise.race([pending, idle()]);
      if (result === IDLE) {
        const full = batch;
        batch = [];
        yield full;
        continue;
      }
      pending = null;
      if (result.done) {
        if (batch.length) yield batch;
        return;
      }
      if (batch.length === 0) startedAt = now();
      batch.push(result.value);
      if (batch.length >= limits.maxItems || now() - startedAt >= limits.maxMs) {
        const full = batch;
        batch = [];
        yield full;
      }
    }
  } finally {
    // A next() still in flight settles when the caller aborts the source; return() would queue behind it.
    if (pending) void pending.then(() => iterator.return?.(), () => undefined).catch(() => undefined);
    else await iterator.return?.();
  }
}

/**
 * Reads ahead of a slow consumer: a pump keeps pulling from `source` (up to `capacity` items
 * buffered) while the consumer works, and each step hands over everything buffered so far.
 * A rebuild thus reads the log while it flushes the previous batch.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, capacity: number): AsyncGenerator<T[]> {
  const queue: T[] = [];
  let finished = false;
  let failure: { error: unknown } | null = null;
  let stopped = false;
  const wake: { consumer: (() => void) | null; producer: (() => void) | null } = { consumer: null, producer: null };
  const pump = (async () => {
    try {
      for await (const item of source) {
        queue.push(item);
        wake.consumer?.();
        while (queue.length >= capacity && !stopped) await new Promise<void>((resolve) => (wake.producer = resolve));
        if (stopped) break;
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wake.consumer?.();
    }
  })();
  try {
    for (;;) {
      if (queue.length === 0) {
        if (failure) throw (failure as { error: unknown }).error;
        if (finished) return;
        await new Promise<void>((resolve) => (wake.consumer = resolve));
        wake.consumer = null;
        continue;
      }
      const chunk = queue.splice(0, queue.length);
      wake.producer?.();
      wake.producer = null;
      yield chunk;
    }
  } finally {
    stopped = true;
    wake.producer?.();
    await pump;
  }
}
