import { microBatches, readAhead } from './micro-batches';

/** A live source: items pushed by the test, waiting when empty, ended by abort. */
function liveSource<T>() {
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  const controller = new AbortController();
  async function* iterate(): AsyncGenerator<T> {
    while (!controller.signal.aborted) {
      while (queue.length) yield queue.shift()!;
      await new Promise<void>((resolve) => {
        wake = resolve;
        controller.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      wake = null;
    }
  }
  return {
    iterable: iterate(),
    push(...items: T[]) {
      queue.push(...items);
      wake?.();
    },
    end: () => controller.abort(),
  };
}

describe('microBatches', () => {
  it('cuts a full batch and flushes what is immediately available', async () => {
    const source = liveSource<number>();
    source.push(1, 2, 3, 4, 5);
    const batches = microBatches(source.iterable, { maxItems: 2, maxMs: 60_000 });
    expect((await batches.next()).value).toEqual([1, 2]);
    expect((await batches.next()).value).toEqual([3, 4]);
    expect((await batches.next()).value).toEqual([5]);
    source.push(6);
    expect((await batches.next()).value).toEqual([6]);
    source.end();
    expect((await batches.next()).done).toBe(true);
  });

  it('cuts a batch that grew too old', async () => {
    let clock = 0;
    async function* items() {
      for (let i = 1; i <= 4; i++) {
        clock += 10;
        yield i;
      }
    }
    const batches: number[][] = [];
    for await (const b of microBatches(items(), { maxItems: 100, maxMs: 15 }, () => clock)) batches.push(b);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });
});

describe('readAhead', () => {
  it('keeps reading while the consumer works, in order, and hands over what it buffered', async () => {
    let produced = 0;
    async function* items() {
      for (let i = 1; i <= 10; i++) {
        produced = i;
        yield i;
      }
    }
    const seen: number[] = [];
    let producedWhileFirstChunkWasProcessed = 0;
    for await (const chunk of readAhead(items(), 4)) {
      if (seen.length === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        producedWhileFirstChunkWasProcessed = produced;
      }
      seen.push(...chunk);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(producedWhileFirstChunkWasProcessed).toBeGreaterThan(1);
  });

  it('delivers what was read before a source failure, then throws it', async () => {
    async function* failing() {
      yield 1;
      throw new Error('connection lost');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const chunk of readAhead(failing(), 10)) seen.push(...chunk);
      })(),
    ).rejects.toThrow('connection lost');
    expect(seen).toEqual([1]);
  });
});
