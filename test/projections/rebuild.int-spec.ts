import { Client, Pool } from 'pg';
import { RebuildProgress } from '../../infra/projections';
import { serversProjection, ServerScenario } from '../support/sample-projection';
import { ProjectionHarness, waitUntil } from './harness';

let h: ProjectionHarness;

beforeAll(async () => {
  h = await ProjectionHarness.create('strata_proj_rebuild');
});
afterAll(async () => {
  await h.close();
});

const REPLAY_TUNING = { replayBatchEvents: 200, replayFlushRows: 300 };

async function schemaExists(schema: string): Promise<boolean> {
  return (await h.rows('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).length === 1;
}

describe('blue/green rebuild', () => {
  it('switches to a new generation while readers hammer the rm views, without an error or a missing row', async () => {
    const projection = serversProjection({ name: 'hammer', tablePrefix: 'hammer_' });
    const s = new ServerScenario('hammer');
    const seeded = Array.from({ length: 400 }, (_, i) => i);
    let head = '';
    for (let i = 0; i < seeded.length; i += 100) head = await h.append(seeded.slice(i, i + 100).flatMap((n) => s.lifecycle(n)));
    const engine = await h.engine([projection], REPLAY_TUNING);
    engine.start();
    expect(await engine.waiter().waitFor(head, ['hammer'], 20_000)).toBe(true);

    const seededIds = seeded.map((n) => s.serverId(n));
    const readers = new Pool({ connectionString: h.db.url, max: 3 });
    readers.on('error', () => undefined);
    const errors: unknown[] = [];
    let reads = 0;
    let reading = true;
    const reader = async () => {
      // Per reader: each of its statements starts after the previous one ended, so its counts never go down.
      const counts: number[] = [];
      while (reading) {
        try {
          const [{ seen, total }] = (
            await readers.query(
              `SELECT (SELECT count(*)::int FROM rm.hammer_servers WHERE id = ANY ($1)) AS seen,
                      (SELECT count(*)::int FROM rm.hammer_servers) AS total,
                      (SELECT count(*)::int FROM rm.hammer_host_instances) AS hosts`,
              [seededIds],
            )
          ).rows;
          if (seen !== seededIds.length) errors.push(`saw ${seen} of ${seededIds.length} seeded servers`);
          if (counts.length && total < counts[counts.length - 1]) errors.push(`server count went down from ${counts[counts.length - 1]} to ${total}`);
          counts.push(total);
          reads++;
        } catch (error) {
          errors.push(error);
        }
      }
    };
    const readerLoops = [reader(), reader(), reader()];
    // Writers keep appending during the rebuild: catch-up and the switch tail have work to do.
    let writing = true;
    let written = seeded.length;
    const writer = (async () => {
      while (writing) head = await h.append(s.lifecycle(written++));
    })();

    const progress: RebuildProgress[] = [];
    const result = await engine.rebuild('hammer', { onProgress: (p) => progress.push(p) });
    writing = false;
    await writer;
    expect(await engine.waiter().waitFor(head, ['hammer'], 20_000)).toBe(true);
    reading = false;
    await Promise.all(readerLoops);
    await readers.end();

    expect(errors).toEqual([]);
    expect(reads).toBeGreaterThan(30);
    expect(result).toMatchObject({ name: 'hammer', generation: 2, previousGeneration: 1 });
    expect(result.eventsRead).toBeGreaterThanOrEqual(seeded.length * 4);
    expect(await h.generation('hammer')).toMatchObject({ active_generation: 2, checkpoint: head });
    expect(await h.rows(`SELECT generation, status FROM strata_projection_generations WHERE name = 'hammer' ORDER BY generation`)).toEqual([
      { generation: 1, status: 'retired' },
      { generation: 2, status: 'active' },
    ]);
    expect(await schemaExists('rm_hammer_g1')).toBe(false);
    expect(await h.rows('SELECT count(*)::int AS n FROM rm.hammer_servers')).toEqual([{ n: written }]);
    expect((await engine.verify('hammer')).differences).toEqual([]);

    const phases = [...new Set(progress.map((p) => p.phase))];
    expect(phases).toEqual(['replay', 'indexes', 'catch-up', 'switch', 'done']);
    const replay = progress.filter((p) => p.phase === 'replay');
    expect(replay.length).toBeGreaterThan(3);
    expect(replay.every((p, i) => i === 0 || p.eventsDone >= replay[i - 1].eventsDone)).toBe(true);
    expect(replay.at(-1)!.eventsTotal).toBeGreaterThan(0);
    // Secondary indexes exist on the new generation.
    expect((await h.rows(`SELECT indexname FROM pg_indexes WHERE schemaname = 'rm_hammer_g2' AND tablename = 'hammer_servers' ORDER BY indexname`)).map((r: any) => r.indexname)).toEqual([
      'hammer_servers_ix1',
      'hammer_servers_ix2',
      'hammer_servers_pkey',
    ]);
    await engine.close();
  });

  it('switches views and active generation in one transaction: a half-done switch shows readers nothing new', async () => {
    const projection = serversProjection({ name: 'atomic_switch', tablePrefix: 'sw_' });
    const s = new ServerScenario('switch');
    const head = await h.append([...s.lifecycle(1), ...s.lifecycle(2)]);
    const engine = await h.engine([projection]);
    await engine.ensure('atomic_switch');
    expect(await h.generation('atomic_switch')).toMatchObject({ active_generation: 1, checkpoint: head });

    // A reader's open transaction on the second view stalls the switch after it replaced the first view.
    const blocker = new Client({ connectionString: h.db.url });
    const probe = new Client({ connectionString: h.db.url });
    await blocker.connect();
    await probe.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT count(*) FROM rm.sw_host_instances');
      const rebuilding = engine.rebuild('atomic_switch');
      await waitUntil(
        async () => (await h.rows(`SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'rm.sw_host_instances'::regclass AND mode = 'AccessExclusiveLock'`)).length === 1,
        'the switch to wait for the second view',
      );
      expect(await h.generation('atomic_switch')).toMatchObject({ active_generation: 1 });
      expect(await h.rows(`SELECT status FROM strata_projection_generations WHERE name = 'atomic_switch' AND generation = 2`)).toEqual([{ status: 'building' }]);
      await probe.query(`SET lock_timeout = '200ms'`);
      // The first view is already replaced inside the switch transaction: nobody can read it before the commit.
      await expect(probe.query('SELECT count(*) FROM rm.sw_servers')).rejects.toMatchObject({ code: '55P03' });

      await blocker.query('COMMIT');
      await rebuilding;
      expect(await h.generation('atomic_switch')).toMatchObject({ active_generation: 2, checkpoint: head });
      const definitions = await h.rows<{ viewname: string; definition: string }>(`SELECT viewname, definition FROM pg_views WHERE schemaname = 'rm' AND viewname LIKE 'sw_%' ORDER BY viewname`);
      expect(definitions.map((d) => [d.viewname, /rm_atomic_switch_g(\d+)\./.exec(d.definition)?.[1]])).toEqual([
        ['sw_host_instances', '2'],
        ['sw_servers', '2'],
      ]);
      expect((await probe.query('SELECT count(*)::int AS n FROM rm.sw_servers WHERE id = ANY ($1)', [[s.serverId(1), s.serverId(2)]])).rows).toEqual([{ n: 2 }]);
    } finally {
      await blocker.end();
      await probe.end();
    }
  });

  it('verify finds a deleted row, an extra row and a corrupted field; a rebuild restores the model', async () => {
    const projection = serversProjection({ name: 'drift', tablePrefix: 'drift_' });
    const s = new ServerScenario('drift');
    const head = await h.append([...s.lifecycle(1, 'compute-a'), ...s.lifecycle(2, 'compute-a'), ...s.lifecycle(3, 'compute-b')]);
    const engine = await h.engine([projection]);
    engine.start();
    expect(await engine.waiter().waitFor(head, ['drift'], 10_000)).toBe(true);
    expect((await engine.verify('drift')).differences).toEqual([]);

    await h.rows('DELETE FROM rm_drift_g1.drift_servers WHERE id = $1', [s.serverId(1)]);
    await h.rows(
      `INSERT INTO rm_drift_g1.drift_host_instances (host, instance_count, vcpus_used, updated_at) VALUES ('ghost', 1, 1, '2026-01-01T00:00:00Z')`,
    );
    await h.rows(`UPDATE rm_drift_g1.drift_servers SET metadata = metadata || '{"owner":"mallory"}' WHERE id = $1`, [s.serverId(2)]);

    const drift = await engine.verify('drift');
    expect(drift).toMatchObject({ generation: 1, checkpoint: head });
    expect(drift.differences).toEqual([
      expect.objectContaining({ kind: 'missing', table: 'drift_servers', key: s.serverId(1) }),
      { kind: 'field', table: 'drift_servers', key: s.serverId(2), field: 'metadata', expected: { role: 'web', index: '2', owner: 'ops' }, actual: { role: 'web', index: '2', owner: 'mallory' } },
      expect.objectContaining({ kind: 'extra', table: 'drift_host_instances', key: 'ghost' }),
    ]);

    await engine.rebuild('drift');
    const clean = await engine.verify('drift');
    expect(clean).toMatchObject({ generation: 2, differences: [] });
    expect(clean.rowsCompared).toBeGreaterThanOrEqual(5);
    expect(await h.rows('SELECT metadata FROM rm.drift_servers WHERE id = $1', [s.serverId(2)])).toEqual([{ metadata: { role: 'web', index: '2', owner: 'ops' } }]);
    await engine.close();
  });

  it('builds a new generation on start when the projection version is bumped, and refuses to run older code on it', async () => {
    const s = new ServerScenario('bump');
    const v1 = serversProjection({ name: 'bump', tablePrefix: 'bump_', version: 1 });
    const first = await h.append(s.lifecycle(1));
    const old = await h.engine([v1]);
    old.start();
    expect(await old.waiter().waitFor(first, ['bump'], 10_000)).toBe(true);
    await old.close();

    const second = await h.append(s.lifecycle(2));
    const v2 = serversProjection({ name: 'bump', tablePrefix: 'bump_', version: 2 });
    const upgraded = await h.engine([v2]);
    expect((await upgraded.status()).find((r) => r.name === 'bump')).toMatchObject({ needsRebuild: true, active: { generation: 1, version: 1 } });
    upgraded.start();
    await waitUntil(async () => (await h.generation('bump'))?.version === 2, 'generation of version 2 to become active');
    expect(await upgraded.waiter().waitFor(second, ['bump'], 10_000)).toBe(true);
    expect(await h.generation('bump')).toMatchObject({ active_generation: 2, version: 2 });
    expect(await schemaExists('rm_bump_g1')).toBe(false);
    expect(await h.rows('SELECT name FROM rm.bump_servers WHERE id = ANY ($1) ORDER BY name', [[s.serverId(1), s.serverId(2)]])).toEqual([{ name: 'vm-1' }, { name: 'vm-2' }]);

    await upgraded.close();

    const stale = await h.engine([v1], { retryBaseMs: 10_000 });
    stale.start();
    await waitUntil(() => /version 2/.test(stale.runner('bump')?.lastError?.message ?? ''), 'the older runner to refuse');
    expect(await h.generation('bump')).toMatchObject({ active_generation: 2, version: 2 });
    await stale.close();
  });
});
