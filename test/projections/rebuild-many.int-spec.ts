import { RecordedEvent } from '../../domain/kernel';
import { RebuildProgress, SharedReplayProgress } from '../../infra/projections';
import { Projection, RowAccess } from '../../projections/kernel/projection';
import { serversProjection, ServerScenario } from '../support/sample-projection';
import { ProjectionHarness, waitUntil } from './harness';

/*
 * `rebuild --all` reads the log once for every projection: each applies the events it handles,
 * then indexes, catches up and switches on its own. One that fails leaves the others be.
 */

let h: ProjectionHarness;

beforeAll(async () => {
  h = await ProjectionHarness.create('strata_proj_many');
});
afterAll(async () => {
  await h.close();
});

/** Every event of the log, append-only (as the audit trail). */
const everyEvent: Projection = {
  name: 'many_every',
  version: 1,
  eventTypes: [],
  allEvents: true,
  tables: [
    { name: 'many_every', primaryKey: 'event_id', columns: { event_id: { type: 'text' }, type: { type: 'text' }, position: { type: 'text' } }, indexes: [['position']], appendOnly: true },
  ],
  rowsFor: () => [],
  apply(event: RecordedEvent, rows: RowAccess) {
    rows.put('many_every', { event_id: event.id, type: event.type, position: event.position });
  },
};

/** Handles a type nobody writes: its tables stay empty, and it must not cost a read of its own. */
const nothingYet: Projection = {
  name: 'many_nothing',
  version: 1,
  eventTypes: ['NeverWritten'],
  tables: [{ name: 'many_nothing', primaryKey: 'id', columns: { id: { type: 'text' } } }],
  rowsFor: () => [],
  apply: () => undefined,
};

describe('rebuilding many projections over one read of the log', () => {
  it('builds each as its own rebuild would, catches up with events written meanwhile, and reports the shared replay', async () => {
    const servers = serversProjection({ name: 'many_servers', tablePrefix: 'many_' });
    const s = new ServerScenario('many');
    let head = '';
    for (let i = 0; i < 300; i += 50) head = await h.append(Array.from({ length: 50 }, (_, k) => s.lifecycle(i + k)).flat());
    const engine = await h.engine([servers, everyEvent, nothingYet], { replayBatchEvents: 100, replayFlushRows: 150 });
    engine.start();
    expect(await engine.waiter().waitFor(head, ['many_servers', 'many_every', 'many_nothing'], 20_000)).toBe(true);
    const before = {
      servers: await h.rows('SELECT * FROM rm.many_servers ORDER BY id'),
      hosts: await h.rows('SELECT * FROM rm.many_host_instances ORDER BY host'),
    };
    await engine.stop();

    // A writer keeps appending while the rebuild runs: catch-up and the switch have a tail to apply.
    let writing = true;
    let written = 300;
    const writer = (async () => {
      while (writing) head = await h.append(s.lifecycle(written++));
    })();
    const replay: SharedReplayProgress[] = [];
    const phases = new Map<string, Set<string>>();
    const outcome = await engine.rebuildMany(['many_servers', 'many_every', 'many_nothing'], {
      onReplay: (p) => replay.push(p),
      onProgress: (p: RebuildProgress) => phases.set(p.name, (phases.get(p.name) ?? new Set()).add(p.phase)),
    });
    writing = false;
    await writer;
    engine.start();
    expect(await engine.waiter().waitFor(head, ['many_servers', 'many_every', 'many_nothing'], 20_000)).toBe(true);

    expect(outcome.failures).toEqual([]);
    expect(outcome.results.map((r) => [r.name, r.generation, r.previousGeneration])).toEqual([
      ['many_servers', 2, 1],
      ['many_every', 2, 1],
      ['many_nothing', 2, 1],
    ]);
    // One read of the log: as many events as it held when the replay began, not one read per projection.
    const total = Number((await h.rows<{ n: string }>('SELECT count(*) AS n FROM rm.many_every'))[0].n);
    expect(outcome.eventsRead).toBeGreaterThanOrEqual(1_200);
    expect(outcome.eventsRead).toBeLessThan(total);
    expect(replay.length).toBeGreaterThan(3);
    expect(replay.every((p, i) => i === 0 || p.eventsDone >= replay[i - 1].eventsDone)).toBe(true);
    expect(replay.at(-1)).toMatchObject({ eventsDone: outcome.eventsRead, eventsTotal: outcome.eventsRead });
    for (const name of ['many_servers', 'many_every', 'many_nothing']) expect([...phases.get(name)!]).toEqual(expect.arrayContaining(['indexes', 'catch-up', 'switch', 'done']));

    // The rows of the servers written before the rebuild are those the live model had, and the rest followed.
    const after = await h.rows<{ id: string }>('SELECT * FROM rm.many_servers ORDER BY id');
    expect(after.length).toBe(written);
    const seededIds = new Set((before.servers as { id: string }[]).map((r) => r.id));
    expect(after.filter((r) => seededIds.has(r.id)).map((r) => r.id)).toEqual((before.servers as { id: string }[]).map((r) => r.id));
    let logged = 0;
    for await (const _ of h.store.readAll()) logged++;
    expect(total).toBe(logged);
    for (const name of ['many_servers', 'many_every', 'many_nothing']) expect((await engine.verify(name)).differences).toEqual([]);
    await engine.close();
  });

  it('reports a projection that throws and switches the others; the failed one keeps its old generation', async () => {
    const s = new ServerScenario('fail');
    const head = await h.append([...s.lifecycle(1), ...s.lifecycle(2)]);
    const good = serversProjection({ name: 'many_good', tablePrefix: 'good_' });
    const flaky = { broken: false };
    const bad: Projection = {
      ...serversProjection({ name: 'many_bad', tablePrefix: 'bad_' }),
      apply(event, rows) {
        if (flaky.broken) throw new Error('bad mapping');
        serversProjection({ name: 'many_bad', tablePrefix: 'bad_' }).apply(event, rows);
      },
    };
    const engine = await h.engine([good, bad]);
    await engine.ensure('many_good');
    await engine.ensure('many_bad');
    flaky.broken = true;

    const outcome = await engine.rebuildMany(['many_bad', 'many_good']);
    expect(outcome.results.map((r) => r.name)).toEqual(['many_good']);
    expect(outcome.failures).toEqual([{ name: 'many_bad', error: expect.objectContaining({ message: expect.stringMatching(/^many_bad failed to apply .*: bad mapping$/) }) }]);
    expect(await h.generation('many_good')).toMatchObject({ active_generation: 2, checkpoint: head });
    expect(await h.generation('many_bad')).toMatchObject({ active_generation: 1, checkpoint: head });
    expect(await h.rows(`SELECT generation, status, last_error FROM strata_projection_generations WHERE name = 'many_bad' ORDER BY generation`)).toEqual([
      { generation: 1, status: 'active', last_error: null },
      { generation: 2, status: 'failed', last_error: expect.stringContaining('bad mapping') },
    ]);
    await waitUntil(async () => (await h.rows(`SELECT 1 FROM information_schema.schemata WHERE schema_name = 'rm_many_bad_g2'`)).length === 0, 'the failed schema to be dropped');
    await engine.close();
  });
});
