import { performance } from 'node:perf_hooks';
import { NewEvent } from '../../domain/kernel';
import { PostgresEventStore } from '../../infra/eventstore/postgres';
import { ProjectionEngine } from '../../infra/projections';
import { ServerScenario, serversProjection, streamOf } from '../support/sample-projection';

/**
 * Seeds `total` events of a realistic server lifecycle mix (build, schedule, spawn, metadata,
 * rename, stop, start, and a delete for one server in five), then times a full blue/green
 * rebuild of the sample servers projection (two tables, 18 columns, jsonb metadata).
 */
export async function benchRebuild(databaseUrl: string, total: number) {
  const store = await PostgresEventStore.connect(databaseUrl, { poolSize: 8 });
  const scenario = new ScenarioMix();
  const seedStart = performance.now();
  let seeded = 0;
  let nextServer = 0;
  const writer = async () => {
    while (seeded < total) {
      const i = nextServer++;
      const events = scenario.server(i);
      seeded += events.length;
      await store.append(streamOf(scenario.ids.serverId(i)), events, 'no_stream');
      if (i % 20_000 === 0) process.stderr.write(`  seeded ${seeded.toLocaleString('en')} events\r`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
  const seedSeconds = (performance.now() - seedStart) / 1000;
  process.stderr.write('\n');

  const projection = serversProjection();
  const engine = await ProjectionEngine.open({ databaseUrl, store, projections: [projection] });
  try {
    global.gc?.();
    const start = performance.now();
    const result = await engine.rebuild(projection.name, {
      onProgress: (p) => process.stderr.write(`  ${p.phase} ${p.eventsDone.toLocaleString('en')} events, ${Math.round(p.eventsPerSecond).toLocaleString('en')}/s   \r`),
    });
    const seconds = (performance.now() - start) / 1000;
    process.stderr.write('\n');
    return {
      description: `sample servers read model: 2 tables, 18 columns incl. jsonb, 8 event types; the log holds ${total.toLocaleString('en')} seeded lifecycle events plus the append-phase events`,
      events: result.eventsRead,
      seconds,
      eventsPerSec: result.eventsRead / seconds,
      seedSeconds,
    };
  } finally {
    await engine.close();
    await store.close();
  }
}

class ScenarioMix {
  readonly ids = new ServerScenario('bench');

  /** Eight events for most servers, nine for the one in five that is deleted. */
  server(i: number): NewEvent[] {
    const s = this.ids;
    const serverId = s.serverId(i);
    const events = [
      ...s.lifecycle(i),
      s.event('ServerRenamed', { serverId, name: `web-${i}` }),
      s.event('ServerStopped', { serverId }),
      s.event('ServerStarted', { serverId }),
      s.event('ServerMetadataSet', { serverId, metadata: { owner: 'ops', tier: String(i % 3) } }),
    ];
    if (i % 5 === 0) events.push(s.event('ServerDeleted', { serverId, host: `compute-${i % 3}`, vcpus: 1 + (i % 2) }));
    return events;
  }
}
