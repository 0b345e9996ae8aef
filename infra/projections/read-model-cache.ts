/** What tells a cache whether a read model's rows may have changed: the projection waiter. */
export interface ChangeStamps {
  /** Equal stamps: no change in between; null: unknown (read afresh). */
  changeStamp(projection: string): string | null;
}

interface Entry<V> {
  stamp: string;
  value: V;
}

/**
 * Answers read-model lookups from memory while the projection's rows are unchanged: an entry is
 * good for as long as its projection's change stamp is the one it was loaded under. Any batch of
 * that projection that applied events (or a switch of its generation) drops every entry at once,
 * so a flavor deleted, an image deactivated or a quota lowered is seen by the very next lookup
 * that comes after the change's notice, as a read of the table would. Read-your-writes holds:
 * a command's answer waits for that same notice.
 *
 * For small, rarely changing lookups on hot paths (a boot's flavor, image and quota limits).
 * Values are frozen: callers share them.
 */
export class ReadModelCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Loads under way: lookups of the same key under the same stamp share one (a burst of boots asks for one flavor at once). */
  private readonly loading = new Map<string, { stamp: string; value: Promise<V> }>();

  constructor(
    private readonly stamps: ChangeStamps,
    readonly projection: string,
    private readonly maxEntries = 1_000,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const stamp = this.stamps.changeStamp(this.projection);
    if (stamp === null) return deepFreeze(await load());
    const hit = this.entries.get(key);
    if (hit && hit.stamp === stamp) return hit.value;
    const under = this.loading.get(key);
    if (under && under.stamp === stamp) return under.value;
    const value = load().then(deepFreeze);
    this.loading.set(key, { stamp, value });
    try {
      const loaded = await value;
      // Kept only if nothing changed while it loaded: a load that raced a change may hold either side.
      if (this.stamps.changeStamp(this.projection) === stamp) {
        this.entries.delete(key);
        this.entries.set(key, { stamp, value: loaded });
        if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      }
      return loaded;
    } finally {
      if (this.loading.get(key)?.value === value) this.loading.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

function deepFreeze<V>(value: V): V {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
