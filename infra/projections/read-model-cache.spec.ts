import { ReadModelCache } from './read-model-cache';

/** Stamps as a test sets them: a change count, or null for "not listening". */
class Stamps {
  count = 0;
  hearing = true;
  changeStamp(): string | null {
    return this.hearing ? String(this.count) : null;
  }
}

function loader(values: Record<string, unknown>) {
  const calls: string[] = [];
  return { calls, load: (key: string) => async () => (calls.push(key), structuredClone(values[key] ?? null)) };
}

describe('ReadModelCache', () => {
  it('answers from memory while the stamp stays, and reads afresh once it moves', async () => {
    const stamps = new Stamps();
    const cache = new ReadModelCache<unknown>(stamps, 'flavors');
    const { calls, load } = loader({ a: { id: 'a', ram: 512 } });
    expect(await cache.get('a', load('a'))).toEqual({ id: 'a', ram: 512 });
    expect(await cache.get('a', load('a'))).toEqual({ id: 'a', ram: 512 });
    expect(calls).toEqual(['a']);
    stamps.count++;
    await cache.get('a', load('a'));
    expect(calls).toEqual(['a', 'a']);
  });

  it('keeps "not found" too, until a change', async () => {
    const stamps = new Stamps();
    const cache = new ReadModelCache<unknown>(stamps, 'flavors');
    const values: Record<string, unknown> = {};
    const { calls, load } = loader(values);
    expect(await cache.get('new', load('new'))).toBeNull();
    values.new = { id: 'new' };
    expect(await cache.get('new', load('new'))).toBeNull();
    stamps.count++;
    expect(await cache.get('new', load('new'))).toEqual({ id: 'new' });
    expect(calls).toHaveLength(2);
  });

  it('does not keep a value whose load raced a change', async () => {
    const stamps = new Stamps();
    const cache = new ReadModelCache<string>(stamps, 'images');
    let calls = 0;
    const racing = async () => {
      calls++;
      stamps.count++; // a batch commits while the row is read: the value may be either side
      return 'old';
    };
    expect(await cache.get('x', racing)).toBe('old');
    expect(cache.size).toBe(0);
    await cache.get('x', async () => (calls++, 'new'));
    expect(await cache.get('x', async () => (calls++, 'never'))).toBe('new');
    expect(calls).toBe(2);
  });

  it('shares one load among lookups of the same key under the same stamp, not across a change', async () => {
    const stamps = new Stamps();
    const cache = new ReadModelCache<string>(stamps, 'flavors');
    const loads: string[] = [];
    let release!: (value: string) => void;
    const slow = () => (loads.push('slow'), new Promise<string>((resolve) => (release = resolve)));
    const burst = [cache.get('m1', slow), cache.get('m1', slow), cache.get('m1', slow)];
    stamps.count++;
    const afterChange = cache.get('m1', async () => (loads.push('fresh'), 'new'));
    release('old');
    expect(await Promise.all(burst)).toEqual(['old', 'old', 'old']);
    expect(await afterChange).toBe('new');
    expect(loads).toEqual(['slow', 'fresh']);
    // A failed load is not kept: the next lookup loads again.
    await expect(cache.get('x', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('x', async () => 'up')).toBe('up');
  });

  it('reads every time while nothing tells it of changes', async () => {
    const stamps = new Stamps();
    stamps.hearing = false;
    const cache = new ReadModelCache<unknown>(stamps, 'quotas');
    const { calls, load } = loader({ p: { instances: 10 } });
    await cache.get('p', load('p'));
    await cache.get('p', load('p'));
    expect(calls).toEqual(['p', 'p']);
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the least recently loaded', async () => {
    const stamps = new Stamps();
    const cache = new ReadModelCache<string>(stamps, 'images', 2);
    const loads: string[] = [];
    const get = (k: string) => cache.get(k, async () => (loads.push(k), k));
    await get('a');
    await get('b');
    await get('c');
    expect(cache.size).toBe(2);
    await get('b');
    await get('a');
    expect(loads).toEqual(['a', 'b', 'c', 'a']);
  });

  it('shares frozen values: a caller cannot change what the next one gets', async () => {
    const cache = new ReadModelCache<{ extra: Record<string, string> }>(new Stamps(), 'flavors');
    const value = await cache.get('f', async () => ({ extra: { 'hw:cpu_policy': 'dedicated' } }));
    expect(Object.isFrozen(value)).toBe(true);
    expect(() => {
      'use strict';
      value.extra['hw:cpu_policy'] = 'shared';
    }).toThrow(TypeError);
    expect((await cache.get('f', async () => ({ extra: {} }))).extra).toEqual({ 'hw:cpu_policy': 'dedicated' });
  });
});
