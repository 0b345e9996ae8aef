import { InMemoryEventStore } from '../eventstore/in-memory/in-memory-event-store';
import { seedLongServer } from '../../test/bench/audit-latency';
import { HistorySnapshots, readHistory } from './history';
import { resourceType } from './resource-types';

describe('resource history', () => {
  const server = resourceType('server')!;

  it('pages a long history; pages read from snapshots equal pages folded from the start', async () => {
    const store = new InMemoryEventStore();
    const { serverId, times } = await seedLongServer(store, 2_500);
    const plain = await readHistory(store, server, serverId);
    expect(plain.events).toHaveLength(2_500);
    expect(plain.total).toBe(2_500);
    expect(plain.more).toBe(false);

    const snapshots = new HistorySnapshots(1_000);
    const pages = [];
    let marker: number | undefined;
    for (;;) {
      const page = await readHistory(store, server, serverId, { limit: 700, afterVersion: marker }, snapshots);
      expect(page.total).toBe(2_500);
      pages.push(...page.events);
      if (!page.more) break;
      marker = page.events[page.events.length - 1].version;
    }
    expect(pages).toEqual(plain.events);
    // Once snapshots exist, a late page starts there and still gives the same entries and state.
    const late = await readHistory(store, server, serverId, { limit: 10, afterVersion: 2_200 }, snapshots);
    expect(late.events).toEqual(plain.events.slice(2_201, 2_211));
    expect(snapshots.before(`server-${serverId}`, 2_200)?.version).toBe(1_999);

    // as_of ignores snapshots (they may hold later events) and ends at the instant.
    const then = await readHistory(store, server, serverId, { asOf: { kind: 'time', at: new Date(times[1_500]), text: times[1_500] }, limit: 5, afterVersion: 1_497 }, snapshots);
    expect(then.events.map((e) => e.version)).toEqual([1_498, 1_499, 1_500]);
    expect(then.more).toBe(false);
  });

  it('shows who, which request and what changed, and an unknown id as empty', async () => {
    const store = new InMemoryEventStore();
    const { serverId } = await seedLongServer(store, 5);
    const h = await readHistory(store, server, serverId);
    expect(h.ownerProject).toBe('bench-project');
    expect(h.events[3]).toMatchObject({ version: 3, type: 'ServerUpdated', actor: { userId: 'bench-user' }, summary: 'server.name: long-0 → long-3' });
    expect(h.events[4].changes).toEqual([{ field: 'server.metadata.step', before: null, after: '4', kind: 'added' }]);
    expect(await readHistory(store, server, '00000000-0000-4000-8000-000000000000')).toMatchObject({ total: 0, events: [], ownerProject: null });
  });

  it('holds at most maxStates snapshots, dropping the least recently read streams first', () => {
    const snapshots = new HistorySnapshots(10, 3);
    for (const v of [9, 19]) snapshots.remember('a', v, { v });
    for (const v of [9, 19]) snapshots.remember('b', v, { v });
    expect(snapshots.before('a', 25)).toBeNull();
    expect(snapshots.before('b', 25)).toEqual({ version: 19, state: { v: 19 } });
    for (const v of [9, 19, 29, 39]) snapshots.remember('c', v, { v });
    expect(snapshots.before('b', 25)).toBeNull();
    expect(snapshots.before('c', 100)).toEqual({ version: 39, state: { v: 39 } });
    expect(snapshots.before('c', 12)).toBeNull();
  });
});
