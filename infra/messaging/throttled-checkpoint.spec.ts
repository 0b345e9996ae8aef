import { ThrottledCheckpoint } from './throttled-checkpoint';
import { InMemoryCheckpointStore } from './relay';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the saves that reach the store. */
class CountingStore extends InMemoryCheckpointStore {
  saves: string[] = [];
  failNext = false;
  override async save(name: string, position: string): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database unreachable');
    }
    this.saves.push(position);
    await super.save(name, position);
  }
}

describe('ThrottledCheckpoint', () => {
  it('saves the first advance at once, then at most once per interval, with the newest position', async () => {
    const store = new CountingStore();
    const checkpoint = new ThrottledCheckpoint(store, 'follower', 100, () => undefined);
    expect(await checkpoint.load()).toBeUndefined();
    await checkpoint.advance('p1');
    for (const p of ['p2', 'p3', 'p4']) await checkpoint.advance(p);
    expect(store.saves).toEqual(['p1']);
    await sleep(150);
    expect(store.saves).toEqual(['p1', 'p4']);
    expect(await store.load('follower')).toBe('p4');
  });

  it('flushes what was handled when the follower stops, and resumes from it', async () => {
    const store = new CountingStore();
    const checkpoint = new ThrottledCheckpoint(store, 'follower', 60_000, () => undefined);
    await checkpoint.advance('p1');
    await checkpoint.advance('p2');
    await checkpoint.flush();
    await checkpoint.flush();
    expect(store.saves).toEqual(['p1', 'p2']);
    expect(await new ThrottledCheckpoint(store, 'follower', 100, () => undefined).load()).toBe('p2');
  });

  it('reports a failed timed save and saves the position with the next one', async () => {
    const store = new CountingStore();
    const errors: unknown[] = [];
    const checkpoint = new ThrottledCheckpoint(store, 'follower', 50, (e) => errors.push(e));
    await checkpoint.advance('p1');
    store.failNext = true;
    await checkpoint.advance('p2');
    await sleep(100);
    expect(errors).toHaveLength(1);
    expect(store.saves).toEqual(['p1']);
    await checkpoint.flush();
    expect(store.saves).toEqual(['p1', 'p2']);
  });
});
