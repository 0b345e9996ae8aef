import { NewEvent, RecordedEvent } from '../../domain/kernel';
import { projectInMemory } from '../../projections/kernel/projection';
import { serversProjection, ServerScenario, streamOf } from '../support/sample-projection';

/** Records events as a store would: per-stream versions and increasing positions. */
function recorded(events: NewEvent[]): RecordedEvent[] {
  const versions = new Map<string, bigint>();
  return events.map((e, i) => {
    const stream = streamOf((e.data as { serverId: string }).serverId);
    const version = versions.has(stream) ? versions.get(stream)! + 1n : 0n;
    versions.set(stream, version);
    return { ...e, stream, version, position: String(i + 1).padStart(20, '0'), recordedAt: new Date(e.metadata.occurredAt) };
  });
}

describe('sample servers projection', () => {
  const projection = serversProjection();

  it('names the server row and the host row for a scheduling event', () => {
    const s = new ServerScenario('refs');
    const [, scheduled] = recorded(s.lifecycle(1, 'compute-a'));
    expect(projection.rowsFor(scheduled)).toEqual([
      { table: 'servers', key: s.serverId(1) },
      { table: 'host_instances', key: 'compute-a' },
    ]);
  });

  it('builds an active server with its host and metadata', () => {
    const s = new ServerScenario('build');
    const rows = projectInMemory(projection, recorded(s.lifecycle(1, 'compute-a')));
    const server = rows.get('servers', s.serverId(1))!;
    expect(server).toMatchObject({
      name: 'vm-1',
      host: 'compute-a',
      vm_state: 'active',
      task_state: null,
      power_state: 'RUNNING',
      metadata: { role: 'web', index: '1', owner: 'ops' },
      launched_at: '2026-01-01T00:00:03.000Z',
      updated_at: '2026-01-01T00:00:04.000Z',
      stream_version: 3,
    });
    expect(rows.get('host_instances', 'compute-a')).toMatchObject({ instance_count: 1, vcpus_used: 2 });
  });

  it('renames, stops and starts', () => {
    const s = new ServerScenario('ops');
    const id = s.serverId(1);
    const rows = projectInMemory(
      projection,
      recorded([
        ...s.lifecycle(1),
        s.event('ServerRenamed', { serverId: id, name: 'db-1' }),
        s.event('ServerStopped', { serverId: id }),
        s.event('ServerRenamed', { serverId: id, name: 'db-2' }),
        s.event('ServerStarted', { serverId: id }),
      ]),
    );
    expect(rows.get('servers', id)).toMatchObject({ name: 'db-2', rename_count: 2, vm_state: 'active', power_state: 'RUNNING' });
  });

  it('removes a deleted server and the host row of its last instance', () => {
    const s = new ServerScenario('delete');
    const rows = projectInMemory(
      projection,
      recorded([
        ...s.lifecycle(1, 'compute-a'),
        ...s.lifecycle(2, 'compute-a'),
        s.event('ServerDeleted', { serverId: s.serverId(1), host: 'compute-a', vcpus: 2 }),
      ]),
    );
    expect(rows.get('servers', s.serverId(1))).toBeUndefined();
    expect(rows.get('host_instances', 'compute-a')).toMatchObject({ instance_count: 1, vcpus_used: 1 });
    const after = projectInMemory(projection, recorded([s.event('ServerDeleted', { serverId: s.serverId(2), host: 'compute-a', vcpus: 1 })]), rows);
    expect(after.get('host_instances', 'compute-a')).toBeUndefined();
  });

  it('ignores events of servers it never saw and event types it does not handle', () => {
    const s = new ServerScenario('ignore');
    const rows = projectInMemory(projection, recorded([s.event('ServerSpawned', { serverId: s.serverId(9) }), s.unrelated(1)]));
    expect(rows.tables.get('servers')!.size).toBe(0);
  });
});
