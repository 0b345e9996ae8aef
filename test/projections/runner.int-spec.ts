import { Client } from 'pg';
import { RecordedEvent } from '../../domain/kernel';
import { ProjectionWaiter, ReadModelCache } from '../../infra/projections';
import { RowWrites } from '../../infra/projections/row-cache';
import { CheckpointMove, checkpointStatement } from '../../infra/projections/runner';
import { encodeRows } from '../../infra/projections/sql';
import { Projection } from '../../projections/kernel/projection';
import { serversProjection, ServerScenario } from '../support/sample-projection';
import { ProjectionHarness, waitUntil } from './harness';

let h: ProjectionHarness;

beforeAll(async () => {
  h = await ProjectionHarness.create('strata_proj_runner');
});
afterAll(async () => {
  await h.close();
});

/** The sample projection with a switch that makes apply() throw on one event, as a bug would. */
function breakable(base: Projection): Projection & { failOn: string | null; appliedAfterFix: number } {
  const wrapper = {
    ...base,
    failOn: null as string | null,
    appliedAfterFix: 0,
    apply(event: RecordedEvent, rows: Parameters<Projection['apply']>[1]) {
      if (wrapper.failOn === event.id) throw new Error('injected failure');
      base.apply(event, rows);
    },
  };
  return wrapper;
}

describe('projection runner on PostgreSQL', () => {
  it('builds generation 1 on first start and serves rows through the rm views', async () => {
    const projection = serversProjection({ name: 'first', tablePrefix: 'first_' });
    const s = new ServerScenario('first');
    const position = await h.append([...s.lifecycle(1, 'compute-a'), ...s.lifecycle(2, 'compute-a')]);
    const engine = await h.engine([projection]);
    engine.start();
    expect(await engine.waiter().waitFor(position, ['first'], 10_000)).toBe(true);

    expect(await h.generation('first')).toMatchObject({ active_generation: 1, version: 1, checkpoint: position });
    const servers = await h.rows('SELECT id, name, host, vm_state, metadata, ram_mb, launched_at FROM rm.first_servers ORDER BY name');
    expect(servers).toEqual([
      { id: s.serverId(1), name: 'vm-1', host: 'compute-a', vm_state: 'active', metadata: { role: 'web', index: '1', owner: 'ops' }, ram_mb: '2048', launched_at: new Date('2026-01-01T00:00:03.000Z') },
      { id: s.serverId(2), name: 'vm-2', host: 'compute-a', vm_state: 'active', metadata: { role: 'web', index: '2', owner: 'ops' }, ram_mb: '2048', launched_at: new Date('2026-01-01T00:00:07.000Z') },
    ]);
    expect(await h.rows('SELECT host, instance_count, vcpus_used FROM rm.first_host_instances')).toEqual([{ host: 'compute-a', instance_count: 2, vcpus_used: 3 }]);
    await engine.close();
  });

  it('commits rows and checkpoint together: a failing apply mid-batch moves neither, and a fix resumes without skipping', async () => {
    const projection = breakable(serversProjection({ name: 'atomic', tablePrefix: 'atomic_' }));
    const s = new ServerScenario('atomic');
    const first = await h.append(s.lifecycle(1));
    let engine = await h.engine([projection]);
    engine.start();
    expect(await engine.waiter().waitFor(first, ['atomic'], 10_000)).toBe(true);
    await engine.close();

    // One batch when the runner catches up: server 2's four events, then the poisoned rename, then server 3.
    const poison = s.event('ServerRenamed', { serverId: s.serverId(2), name: 'renamed' });
    const batch = [...s.lifecycle(2), poison, ...s.lifecycle(3)];
    projection.failOn = poison.id;
    const last = await h.append(batch);

    engine = await h.engine([projection]);
    engine.start();
    await waitUntil(async () => (await h.generation('atomic'))?.error_event_id === poison.id, 'the error to be recorded');
    const failed = await h.generation('atomic');
    expect(failed).toMatchObject({ checkpoint: first, last_error: expect.stringContaining('injected failure') });
    expect(failed!.error_position! > first).toBe(true);
    // Not even server 2's events before the poisoned one were committed.
    const mine = [s.serverId(1), s.serverId(2), s.serverId(3)];
    expect(await h.rows('SELECT id FROM rm.atomic_servers WHERE id = ANY ($1)', [mine])).toEqual([{ id: s.serverId(1) }]);
    expect(engine.runner('atomic')!.lastError?.message).toContain('injected failure');

    projection.failOn = null;
    expect(await engine.waiter().waitFor(last, ['atomic'], 10_000)).toBe(true);
    expect(await h.generation('atomic')).toMatchObject({ checkpoint: last, last_error: null, error_event_id: null });
    const servers = await h.rows<{ id: string; name: string }>('SELECT id, name FROM rm.atomic_servers WHERE id = ANY ($1)', [mine]);
    expect(servers.map((r) => r.name).sort()).toEqual(['renamed', 'vm-1', 'vm-3']);
    expect((await engine.verify('atomic')).differences).toEqual([]);
    await engine.close();
  });

  it("commits a batch's rows in its checkpoint's statement only while the checkpoint is where the runner left it", async () => {
    const projection = serversProjection({ name: 'guarded', tablePrefix: 'guarded_' });
    const s = new ServerScenario('guarded');
    const position = await h.append(s.lifecycle(1, 'compute-a'));
    const engine = await h.engine([projection]);
    engine.start();
    expect(await engine.waiter().waitFor(position, ['guarded'], 10_000)).toBe(true);
    await engine.close();
    const [{ schema_name: schema, generation }] = await h.rows<{ schema_name: string; generation: number }>(
      'SELECT g.schema_name, g.generation FROM strata_projections p JOIN strata_projection_generations g ON g.name = p.name AND g.generation = p.active_generation WHERE p.name = $1',
      ['guarded'],
    );
    const hosts = projection.tables.find((t) => t.name === 'guarded_host_instances')!;
    const row = (host: string) => ({ host, instance_count: 7, vcpus_used: 9, updated_at: '2026-01-02T00:00:00.000Z' });
    const writes = (...list: string[]): RowWrites => ({
      statements: [
        { op: 'upsert', schema, table: hosts, values: [encodeRows(hosts, list.map(row))] },
        { op: 'delete', schema, table: hosts, values: [['compute-a']] },
      ],
      rows: list.length + 1,
    });
    const move = (expected: string | null, checkpoint: string): CheckpointMove => ({
      generation,
      expected,
      checkpoint,
      applied: 2,
      rate: null,
      notice: { name: 'guarded', generation, checkpoint, active: true },
    });
    const later = position.replace(/\d$/, (d) => String(Number(d) + 1));
    const run = async (statement: { text: string; values: unknown[] } | null) => (await h.rows(statement!.text, statement!.values)).length;
    const hostRows = () => h.rows<{ host: string }>(`SELECT host FROM rm.guarded_host_instances ORDER BY host`);

    const before = (await hostRows()).map((r) => r.host);
    expect(before).toContain('compute-a');
    expect(before).not.toContain('compute-b');

    // Someone else moved the checkpoint: no row written, no row deleted, the checkpoint stays.
    expect(await run(checkpointStatement(move('not-where-it-was', later), writes('compute-b')))).toBe(0);
    expect((await hostRows()).map((r) => r.host)).toEqual(before);
    expect((await h.generation('guarded'))!.checkpoint).toBe(position);

    // Where it was: the upsert, the delete and the move in one statement.
    expect(await run(checkpointStatement(move(position, later), writes('compute-b')))).toBe(1);
    expect((await hostRows()).map((r) => r.host)).toEqual([...before.filter((h) => h !== 'compute-a'), 'compute-b'].sort());
    expect((await h.generation('guarded'))!.checkpoint).toBe(later);

    // More writes than one statement takes, or a COPY: the caller needs a transaction.
    const many: RowWrites = { statements: Array.from({ length: 17 }, () => writes('x').statements[0]), rows: 17 };
    expect(checkpointStatement(move(later, later), many)).toBeNull();
    expect(checkpointStatement(move(later, later), { statements: [{ copy: 'COPY x FROM STDIN', chunks: [] }], rows: 0 })).toBeNull();
  });

  it('runs one active runner across two engines; when the holder dies the other takes over', async () => {
    const projection = serversProjection({ name: 'single', tablePrefix: 'single_' });
    const s = new ServerScenario('single');
    const a = await h.engine([projection]);
    const b = await h.engine([projection]);
    a.start();
    b.start();
    const states = () => [a.runner('single')!.state, b.runner('single')!.state].sort();
    await waitUntil(() => states().join() === 'active,standby', 'one active and one standby runner');

    const holders = () =>
      h.rows<{ pid: number }>(`SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid AND l.objid = hashtext('single')::oid`, [
        0x5354_5201,
      ]);
    expect(await holders()).toHaveLength(1);
    const p1 = await h.append(s.lifecycle(1));
    expect(await a.waiter().waitFor(p1, ['single'], 10_000)).toBe(true);

    // The holder's process dies: its session (and lock) goes, and it never comes back.
    const [holder, standby] = a.runner('single')!.state === 'active' ? [a, b] : [b, a];
    const [{ pid }] = await holders();
    await h.rows('SELECT pg_terminate_backend($1)', [pid]);
    await holder.close();

    await waitUntil(() => standby.runner('single')!.state === 'active', 'the standby runner to take over');
    const p2 = await h.append(s.lifecycle(2));
    expect(await standby.waiter().waitFor(p2, ['single'], 10_000)).toBe(true);
    const now = await holders();
    expect(now).toHaveLength(1);
    expect(now[0].pid).not.toBe(pid);
    expect(await h.rows('SELECT count(*)::int AS n FROM rm.single_servers WHERE id = ANY ($1)', [[s.serverId(1), s.serverId(2)]])).toEqual([{ n: 2 }]);
    expect((await standby.verify('single')).differences).toEqual([]);
    await standby.close();
  });

  describe('read-your-writes', () => {
    const projection = serversProjection({ name: 'ryw', tablePrefix: 'ryw_' });
    const s = new ServerScenario('ryw');

    it('returns as soon as the row a write created is readable', async () => {
      const engine = await h.engine([projection]);
      engine.start();
      for (let i = 1; i <= 5; i++) {
        const position = await h.append(s.lifecycle(i));
        expect(await engine.waiter().waitFor(position, ['ryw'], 10_000)).toBe(true);
        expect(await h.rows('SELECT name FROM rm.ryw_servers WHERE id = $1', [s.serverId(i)])).toEqual([{ name: `vm-${i}` }]);
      }
      // An event of a type the projection ignores still becomes reachable.
      const unrelated = (await h.store.append('image-1', [s.unrelated(1)], 'any')).position;
      expect(await engine.waiter().waitFor(unrelated, ['ryw'], 10_000)).toBe(true);
      await engine.close();
    });

    it("records a run of other projections' events in the catalog once the log goes quiet, for waiters in other processes", async () => {
      const engine = await h.engine([projection]);
      engine.start();
      const own = await h.append(s.lifecycle(20));
      expect(await engine.waiter().waitFor(own, ['ryw'], 10_000)).toBe(true);
      const other = new ProjectionWaiter({ databaseUrl: h.db.url });
      try {
        let last = own;
        for (let i = 0; i < 20; i++) last = (await h.store.append(`image-q${i}`, [s.unrelated(100 + i)], 'any')).position;
        // This process learns at once; another one through the catalog, within the deferral (250 ms) plus a NOTIFY.
        expect(await engine.waiter().waitFor(last, ['ryw'], 1_000)).toBe(true);
        expect(await other.waitFor(last, ['ryw'], 5_000)).toBe(true);
        expect(await h.generation('ryw')).toMatchObject({ checkpoint: last });
      } finally {
        await other.close();
        await engine.close();
      }
    });

    it("drops a read-model cache's entries when a batch changes the read model, here and in another process, and not for other projections' events", async () => {
      const engine = await h.engine([projection]);
      engine.start();
      const other = new ProjectionWaiter({ databaseUrl: h.db.url });
      try {
        await Promise.all([engine.waiter().listening(), other.listening()]);
        const id = s.serverId(40);
        const caches = [new ReadModelCache<string | null>(engine.waiter(), 'ryw'), new ReadModelCache<string | null>(other, 'ryw')];
        const reads: number[] = [0, 0];
        const name = (i: number) =>
          caches[i].get(id, async () => {
            reads[i]++;
            return (await h.rows<{ name: string }>('SELECT name FROM rm.ryw_servers WHERE id = $1', [id]))[0]?.name ?? null;
          });
        const created = await h.append(s.lifecycle(40));
        expect(await engine.waiter().waitFor(created, ['ryw'], 10_000)).toBe(true);
        const stamp = engine.waiter().changeStamp('ryw');
        expect(await other.waitFor(created, ['ryw'], 10_000)).toBe(true);
        // This process heard its runner's batches first and their NOTIFY after: counted once.
        await new Promise((r) => setTimeout(r, 300));
        expect(engine.waiter().changeStamp('ryw')).toBe(stamp);
        expect([await name(0), await name(1), await name(0), await name(1)]).toEqual(['vm-40', 'vm-40', 'vm-40', 'vm-40']);
        expect(reads).toEqual([1, 1]);

        // Events this projection ignores move its checkpoint, not its rows: the entries stay.
        let unrelated = created;
        for (let i = 0; i < 5; i++) unrelated = (await h.store.append(`image-c${i}`, [s.unrelated(300 + i)], 'any')).position;
        expect(await engine.waiter().waitFor(unrelated, ['ryw'], 10_000)).toBe(true);
        expect(await other.waitFor(unrelated, ['ryw'], 10_000)).toBe(true);
        expect([await name(0), await name(1)]).toEqual(['vm-40', 'vm-40']);
        expect(reads).toEqual([1, 1]);

        // A rename: once a waiter has seen it, its cache reads the row again.
        const renamed = await h.append([s.event('ServerRenamed', { serverId: id, name: 'vm-40-renamed' })]);
        expect(await engine.waiter().waitFor(renamed, ['ryw'], 10_000)).toBe(true);
        expect(await name(0)).toBe('vm-40-renamed');
        expect(await other.waitFor(renamed, ['ryw'], 10_000)).toBe(true);
        expect(await name(1)).toBe('vm-40-renamed');
        expect(reads).toEqual([2, 2]);

        // Its LISTEN connection gone, the other process can no longer know of changes: it reads every time.
        await h.rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN strata_projections' AND pid <> pg_backend_pid()");
        await waitUntil(() => other.changeStamp('ryw') === null, 'the lost LISTEN connection noticed', 5_000);
        await name(1);
        expect(reads[1]).toBe(3);
      } finally {
        await other.close();
        await engine.close();
      }
    });

    it('is woken by NOTIFY in another process, and times out when no runner moves', async () => {
      const waiter = new ProjectionWaiter({ databaseUrl: h.db.url });
      try {
        const position = await h.append(s.lifecycle(10));
        const started = Date.now();
        expect(await waiter.waitFor(position, ['ryw'], 300)).toBe(false);
        expect(Date.now() - started).toBeGreaterThanOrEqual(290);

        const waiting = waiter.waitFor(position, ['ryw'], 10_000);
        const engine = await h.engine([projection]);
        engine.start();
        expect(await waiting).toBe(true);
        expect(await h.rows('SELECT name FROM rm.ryw_servers WHERE id = $1', [s.serverId(10)])).toEqual([{ name: 'vm-10' }]);
        await engine.close();
      } finally {
        await waiter.close();
      }
    });
  });

  it('reports status: generation, checkpoint, lag, errors', async () => {
    const projection = serversProjection({ name: 'status', tablePrefix: 'status_' });
    const s = new ServerScenario('status');
    const engine = await h.engine([projection]);
    engine.start();
    const position = await h.append(s.lifecycle(1));
    expect(await engine.waiter().waitFor(position, ['status'], 10_000)).toBe(true);
    await engine.stop();
    await h.append([...s.lifecycle(2), s.event('ServerStopped', { serverId: s.serverId(2) })]);

    const [report] = (await engine.status()).filter((r) => r.name === 'status');
    expect(report).toMatchObject({
      name: 'status',
      codeVersion: 1,
      active: { generation: 1, version: 1, checkpoint: position, lastError: null },
      building: null,
      lag: { events: 5, capped: false },
      needsRebuild: false,
    });
    expect(report.active!.eventsApplied).toBeGreaterThanOrEqual(4);
    await engine.close();
  });
});
