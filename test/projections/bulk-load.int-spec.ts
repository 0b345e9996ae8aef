import { randomUUID } from 'node:crypto';
import { NewEvent, RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { Projection, RowAccess } from '../../projections/kernel/projection';
import { ProjectionHarness, waitUntil } from './harness';

/*
 * A rebuild loads rows new to its fresh generation with COPY and upserts only rows it wrote
 * before; append-only rows are always copied. The live runner upserts everything. Both ways
 * must leave the same rows, whatever the values hold (COPY's escapes) and however creates,
 * updates, deletes and re-creates fall across flushes and cache evictions.
 */

let h: ProjectionHarness;

beforeAll(async () => {
  h = await ProjectionHarness.create('strata_proj_bulk');
});
afterAll(async () => {
  await h.close();
});

type ItemPut = { id: string; label: string | null; doc: unknown; flag: boolean; size: number; ratio: number; at: string };

const projection: Projection = {
  name: 'bulk_items',
  version: 1,
  eventTypes: ['ItemPut', 'ItemDeleted'],
  tables: [
    {
      name: 'bulk_items',
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        label: { type: 'text', nullable: true },
        doc: { type: 'jsonb' },
        flag: { type: 'boolean' },
        size: { type: 'bigint' },
        ratio: { type: 'double' },
        at: { type: 'timestamptz' },
        revision: { type: 'integer' },
      },
      indexes: [['label']],
    },
    {
      name: 'bulk_item_log',
      primaryKey: 'event_id',
      // event_data: the event's data object itself, which a rebuild copies as the text it was read as.
      columns: { event_id: { type: 'text' }, item: { type: 'text' }, what: { type: 'text' }, doc: { type: 'jsonb', nullable: true }, event_data: { type: 'jsonb' } },
      indexes: [['item']],
      appendOnly: true,
    },
  ],
  rowsFor: (event: RecordedEvent) => [{ table: 'bulk_items', key: (event.data as { id: string }).id }],
  apply(event: RecordedEvent, rows: RowAccess): void {
    const data = event.data as ItemPut;
    const before = rows.get('bulk_items', data.id);
    if (event.type === 'ItemPut') rows.put('bulk_items', { ...data, revision: Number(before?.revision ?? 0) + 1 });
    else rows.delete('bulk_items', data.id);
    rows.put('bulk_item_log', { event_id: event.id, item: data.id, what: `${event.type} ${data.label ?? ''}`, doc: event.type === 'ItemPut' ? data.doc : null, event_data: event.data });
  },
};

/** Values COPY's text format must escape, and every column type. */
const awkward = ['plain', 'tab\there', 'line\nbreak', 'cr\rreturn', 'back\\slash', '\\N', 'quote"s\'', 'ünïcødé ✓', ''];

function event(type: string, data: unknown): NewEvent {
  return { id: randomUUID(), type, data, metadata: { correlationId: 'req-bulk', causationId: 'req-bulk', requestId: 'req-bulk', actor: SYSTEM_ACTOR, occurredAt: new Date().toISOString(), schemaVersion: 1 } };
}

function put(id: string, n: number): NewEvent {
  const label = n % 7 === 0 ? null : awkward[n % awkward.length];
  return event('ItemPut', {
      id,
      label,
      doc: { n, text: awkward[(n + 3) % awkward.length], nested: { list: [n, 'a\\b', null, true], path: 'C:\\dir\\file' } },
      flag: n % 2 === 0,
      size: 2 ** 40 + n,
      ratio: n / 3,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  } satisfies ItemPut);
}

async function appendHistory(): Promise<void> {
  // 60 items; each put several times, a third deleted and put again, a fifth deleted at the end.
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 60; i++) {
      const id = `item-${i}`;
      const events = [put(id, round * 100 + i)];
      if (round === 1 && i % 3 === 0) events.push(event('ItemDeleted', { id }));
      if (round === 2 && i % 3 === 0 && i % 2 === 0) events.push(put(id, 999 + i));
      if (round === 3 && i % 5 === 0) events.push(event('ItemDeleted', { id })); // stays deleted
      await h.store.append(`item-${id}`, events, 'any');
    }
  }
}

async function snapshot(): Promise<{ items: unknown[]; log: unknown[] }> {
  return {
    items: await h.rows('SELECT * FROM rm.bulk_items ORDER BY id'),
    log: await h.rows('SELECT * FROM rm.bulk_item_log ORDER BY event_id'),
  };
}

describe('bulk loading a fresh generation', () => {
  it('leaves the rows the live runner leaves, through flushes, deletes, re-creates and a cache eviction', async () => {
    // Generation 1 is built live: the runner follows the log as it is written and upserts.
    const live = await h.engine([projection]);
    live.start();
    await waitUntil(async () => (await h.generation('bulk_items'))?.active_generation === 1, 'the first generation');
    await appendHistory();
    const head = await h.store.headPosition();
    expect(await live.waiter().waitFor(head!, ['bulk_items'], 20_000)).toBe(true);
    const byRunner = await snapshot();
    expect(byRunner.items.length).toBe(48);
    expect(byRunner.log.length).toBeGreaterThan(240);
    expect(byRunner.items.some((r) => (r as { label: string | null }).label === 'tab\there')).toBe(true);
    await live.close();

    // Generation 2: one flush at the end of the replay, so every row is copied once.
    const once = await h.engine([projection], { replayFlushRows: 1_000_000, replayFlushMs: 60_000 });
    expect((await once.rebuild('bulk_items')).generation).toBe(2);
    expect(await snapshot()).toEqual(byRunner);
    expect((await once.verify('bulk_items')).differences).toEqual([]);

    // Generation 3: a flush every few rows, so rows are copied, then upserted, deleted and copied again.
    const small = await h.engine([projection], { replayBatchEvents: 5, replayFlushRows: 7, replayFlushMs: 0 });
    expect((await small.rebuild('bulk_items')).generation).toBe(3);
    expect(await snapshot()).toEqual(byRunner);

    // Generation 4: the cache outgrows its limit mid-replay and is dropped; from then on rows are read back and upserted.
    const evicting = await h.engine([projection], { replayBatchEvents: 5, replayFlushRows: 7, replayFlushMs: 0, cacheMaxRows: 20 });
    expect((await evicting.rebuild('bulk_items')).generation).toBe(4);
    expect(await snapshot()).toEqual(byRunner);
  });

  it('verifies an append-only table chunk by chunk: a row deleted, one changed and one added by hand are each found', async () => {
    // The generation the test above left active; chunks of 7 rows, so the comparison spans many.
    const engine = await h.engine([projection], { verifyChunkRows: 7 });
    const clean = await engine.verify('bulk_items');
    expect(clean.differences).toEqual([]);
    const [{ n }] = await h.rows<{ n: string }>('SELECT count(*) AS n FROM rm.bulk_item_log');
    const [{ m }] = await h.rows<{ m: string }>('SELECT count(*) AS m FROM rm.bulk_items');
    expect(clean.rowsCompared).toBe(Number(n) + Number(m));

    const [gone, changed] = await h.rows<{ event_id: string; what: string }>('SELECT event_id, what FROM rm.bulk_item_log ORDER BY event_id LIMIT 2 OFFSET 100');
    await h.rows('DELETE FROM rm.bulk_item_log WHERE event_id = $1', [gone.event_id]);
    await h.rows(`UPDATE rm.bulk_item_log SET what = 'tampered' WHERE event_id = $1`, [changed.event_id]);
    await h.rows(`INSERT INTO rm.bulk_item_log (event_id, item, what, doc, event_data) VALUES ('zz-forged', 'item-1', 'forged', NULL, '{}')`);

    const found = (await engine.verify('bulk_items')).differences.map((d) => [d.kind, d.key, d.kind === 'field' ? `${d.field}: ${d.actual}` : '']);
    expect(found).toEqual([
      ['missing', gone.event_id, ''],
      ['field', changed.event_id, 'what: tampered'],
      ['extra', 'zz-forged', ''],
    ].sort((a, b) => (a[1] < b[1] ? -1 : 1)));
  });

  it('verifies a mutable table from its snapshot copy chunk by chunk: rows deleted, changed and added by hand, in any chunk, are each found', async () => {
    // 48 live items in chunks of 7: the hand-made changes fall in the first, a middle and the last chunk.
    const engine = await h.engine([projection], { verifyChunkRows: 7 });
    const items = await h.rows<{ id: string }>('SELECT id FROM rm.bulk_items ORDER BY id');
    expect(items.length).toBe(48);
    const gone = items[20].id;
    const changed = items[33].id;
    await h.rows('DELETE FROM rm.bulk_items WHERE id = $1', [gone]);
    await h.rows(`UPDATE rm.bulk_items SET label = 'tampered' WHERE id = $1`, [changed]);
    for (const forged of ['aa-forged', 'zz-forged']) {
      await h.rows(`INSERT INTO rm.bulk_items (id, label, doc, flag, size, ratio, at, revision) VALUES ($1, 'forged', '{}', false, 0, 0, now(), 1)`, [forged]);
    }

    const result = await engine.verify('bulk_items');
    const found = result.differences.filter((d) => d.table === 'bulk_items').map((d) => [d.kind, d.key, d.kind === 'field' ? `${d.field}: ${d.actual}` : '']);
    expect(found).toEqual(
      [
        ['extra', 'aa-forged', ''],
        ['missing', gone, ''],
        ['field', changed, 'label: tampered'],
        ['extra', 'zz-forged', ''],
      ].sort((a, b) => (a[1] < b[1] ? -1 : 1)),
    );
    // The temporary copies went with verify's own session: none is left behind.
    const [{ n }] = await h.rows<{ n: string }>(`SELECT count(*) AS n FROM pg_class WHERE relname LIKE 'strata_verify_%' AND relpersistence = 't'`);
    expect(Number(n)).toBe(0);
  });

  it('refuses an apply that reads or deletes rows of an append-only table', async () => {
    const reading: Projection = { ...projection, name: 'bulk_reader', tables: projection.tables.map((t) => ({ ...t, name: `reader_${t.name}` })) };
    reading.apply = (event, rows) => {
      rows.get('reader_bulk_item_log', event.id);
    };
    reading.rowsFor = () => [];
    const engine = await h.engine([reading]);
    await expect(engine.rebuild('bulk_reader')).rejects.toThrow(/reader_bulk_item_log, which is append-only/);
  });
});
