/* npm run bench:eventstore — figures for the PostgreSQL event store, written to BENCHMARKS.md. */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EventMetadata, NewEvent } from '../../domain/kernel';
import { PostgresEventStore } from '../../infra/eventstore/postgres';
import { createTestDatabase } from '../support/postgres';
import { commit, machine, peakRssMiB, percentile, writeSection } from './bench-report';
import { benchRebuild } from './rebuild.bench';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REBUILD_EVENTS = Number(process.env.BENCH_REBUILD_EVENTS ?? 1_000_000);

const metadata = (): EventMetadata => ({
  correlationId: randomUUID(),
  causationId: randomUUID(),
  requestId: `req-${randomUUID()}`,
  actor: { userId: 'bench', projectId: 'bench', domainId: 'default', roles: ['admin'] },
  occurredAt: new Date().toISOString(),
  schemaVersion: 1,
});

const event = (i: number): NewEvent => ({
  id: randomUUID(),
  type: 'ServerMetadataSet',
  data: { key: `k${i % 16}`, value: `value-${i}`, by: 'bench' },
  metadata: metadata(),
});

async function appendRate(store: PostgresEventStore, writers: number, perAppend: number) {
  const streams = Array.from({ length: 1000 }, () => `server-${randomUUID()}`);
  const deadline = performance.now() + SECONDS * 1000;
  let appends = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        const batch = Array.from({ length: perAppend }, (_, i) => event(i));
        await store.append(streams[Math.floor(Math.random() * streams.length)], batch, 'any');
        appends++;
      }
    }),
  );
  return { appendsPerSec: appends / SECONDS, eventsPerSec: (appends * perAppend) / SECONDS };
}

async function readAllRate(store: PostgresEventStore) {
  const start = performance.now();
  let n = 0;
  for await (const _ of store.readAll()) n++;
  const secs = (performance.now() - start) / 1000;
  return { events: n, perSec: n / secs };
}

/** Append → delivery on a live subscription, one writer pacing appends, with 4 background writers. */
async function subscriptionLatency(store: PostgresEventStore, samples = 2000) {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const controller = new AbortController();
  const from = (await store.headPosition()) ?? undefined;
  const done = (async () => {
    for await (const e of store.subscribeToAll({ fromPosition: from, signal: controller.signal, filter: { eventTypes: ['LatencyProbe'] } })) {
      const t0 = sentAt.get(e.id);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
      if (latencies.length >= samples) controller.abort();
    }
  })();
  let stop = false;
  const background = Array.from({ length: 4 }, async () => {
    while (!stop) await store.append(`server-${randomUUID()}`, [event(0)], 'any');
  });
  for (let i = 0; i < samples; i++) {
    const e = { ...event(i), type: 'LatencyProbe' };
    sentAt.set(e.id, performance.now());
    await store.append(`probe-${randomUUID()}`, [e], 'no_stream');
  }
  await done;
  stop = true;
  await Promise.all(background);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length };
}

async function main() {
  const db = await createTestDatabase('strata_bench');
  const store = await PostgresEventStore.connect(db.url, { poolSize: 16 });
  try {
    console.error(`appends, ${SECONDS} s each…`);
    const rows: string[] = [];
    const appendFigures: Record<string, number> = {};
    for (const writers of [1, 8]) {
      for (const perAppend of [1, 10]) {
        const r = await appendRate(store, writers, perAppend);
        appendFigures[`${writers}x${perAppend}`] = r.appendsPerSec;
        rows.push(`| ${writers} | ${perAppend} | ${Math.round(r.appendsPerSec).toLocaleString('en')} | ${Math.round(r.eventsPerSec).toLocaleString('en')} |`);
        console.error(`  ${writers} writer(s), ${perAppend} event(s)/append: ${Math.round(r.appendsPerSec)} appends/s`);
      }
    }
    console.error('readAll…');
    const read = await readAllRate(store);
    console.error('subscription latency…');
    const latency = await subscriptionLatency(store);
    await store.close();
    console.error(`projection rebuild over ${REBUILD_EVENTS.toLocaleString('en')} events…`);
    const rebuild = await benchRebuild(db.url, REBUILD_EVENTS);

    const ok = (v: boolean) => (v ? 'met' : '**missed**');
    writeSection(
      'eventstore',
      `## Event store (PostgreSQL adapter) — \`npm run bench:eventstore\`

${new Date().toISOString().slice(0, 10)}, commit ${commit()}; ${machine()}; PostgreSQL on the same machine (loopback, default Debian settings, synchronous_commit on).

| writers | events per append | appends/s | events/s |
|---:|---:|---:|---:|
${rows.join('\n')}

- readAll: ${Math.round(read.perSec).toLocaleString('en')} events/s over ${read.events.toLocaleString('en')} events.
- Live subscription, append → delivery (${latency.samples} samples, 4 background writers): p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms.
- Projection rebuild (${rebuild.description}): ${Math.round(rebuild.eventsPerSec).toLocaleString('en')} events/s, ${rebuild.seconds.toFixed(1)} s for ${rebuild.events.toLocaleString('en')} events; seeding the log took ${rebuild.seedSeconds.toFixed(1)} s.
- Peak RSS of the benchmark process: ${peakRssMiB()} MiB.

Targets: ≥ 5,000 single-event appends/s with 8 writers — ${ok(appendFigures['8x1'] >= 5000)}; rebuild ≥ 50,000 events/s — ${ok(rebuild.eventsPerSec >= 50000)}; subscription p99 < 20 ms — ${ok(latency.p99 < 20)}.`,
    );
  } finally {
    await db.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
