/*
 * npm run bench:ops — the operator's tools over a realistic log, written to BENCHMARKS.md.
 *
 * Seeds BENCH_OPS_EVENTS (default 1,000,000) events of a cloud's life through the real deciders
 * (test/support/realistic-log.ts: identity, flavors, hosts, images, servers with their claims,
 * tokens), then runs each measurement of MEASUREMENTS in turn over that one log. The first two
 * run the real `strata projections rebuild --all` and `verify --all` as operators do, in a process
 * of their own (its peak RSS is theirs alone).

 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { PostgresEventStore } from '../../infra/eventstore/postgres';
import { ALL_PROJECTIONS } from '../../projections';
import { createTestDatabase } from '../support/postgres';
import { DEFAULT_MIX, SeededCloud, seedCloud } from '../support/realistic-log';
import { benchAsOf, benchHistory } from './audit-latency';
import { commit, machine, percentile, statusKiB, writeSection } from './bench-report';

const ROOT = path.resolve(__dirname, '../..');
const EVENTS = Number(process.env.BENCH_OPS_EVENTS ?? 1_000_000);
const REBUILD_TARGET = 50_000;

const log = (line: string) => console.error(line);
const fmt = (n: number) => Math.round(n).toLocaleString('en');

/** What every measurement gets: the seeded log and its database. */
export interface OpsContext {
  databaseUrl: string;
  store: PostgresEventStore;
  cloud: SeededCloud;
  log: (line: string) => void;
}

/** A measurement's report: markdown for its part of the section, and its verdicts against the issue's targets. */
export interface OpsFigures {
  markdown: string;
  targets?: { what: string; met: boolean }[];
}

export type OpsMeasurement = (ctx: OpsContext) => Promise<OpsFigures>;

interface CliRun {
  code: number | null;
  stdout: string;
  seconds: number;
  peakRssMiB: number;
}

/** `bin/strata <args>` against the bench database; its progress bar on our stderr, its VmHWM sampled every 100 ms. */
function strata(ctx: OpsContext, args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: ctx.databaseUrl, STRATA_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-ops-')) };
    for (const v of ['NATS_URL', 'EVENTSTORE_URL']) delete env[v];
    const started = performance.now();
    // As bin/strata's shebang runs it: with 64 MiB semi-spaces.
    const child = spawn(process.execPath, ['--max-semi-space-size=64', path.join(ROOT, 'bin/strata'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stderr.write(chunk);
    });
    let peakKiB = 0;
    const sample = () => {
      const hwm = statusKiB(child.pid!, 'VmHWM');
      if (hwm > peakKiB) peakKiB = hwm;
    };
    const timer = setInterval(sample, 100);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, seconds: (performance.now() - started) / 1000, peakRssMiB: Math.round(peakKiB / 1024) });
    });
  });
}

/** `strata projections rebuild --all`: every real read model from one read of the seeded log; then compute_servers alone. */
async function rebuildAll(ctx: OpsContext): Promise<OpsFigures> {
  ctx.log(`strata projections rebuild --all over ${fmt(ctx.cloud.events)} events…`);
  const run = await strata(ctx, ['projections', 'rebuild', '--all']);
  if (run.code !== 0) throw new Error(`strata projections rebuild --all exited with ${run.code}`);
  const rows = [...run.stdout.matchAll(REBUILT)].map((m) => ({ name: m[1], events: Number(m[2]), seconds: Number(m[3]) }));
  if (rows.length !== ALL_PROJECTIONS.length) throw new Error(`expected ${ALL_PROJECTIONS.length} rebuilt read models, the CLI reported ${rows.length}`);
  const all = /^all: \d+ of \d+ read models rebuilt from one read of (\d+) log events in ([\d.]+) s \(\d+ log events\/s\); replay ([\d.]+) s/m.exec(run.stdout);
  if (!all) throw new Error(`the CLI printed no summary: ${run.stdout.slice(-500)}`);
  const logEvents = Number(all[1]);
  const seconds = Number(all[2]);
  const replaySeconds = Number(all[3]);
  const rate = logEvents / seconds;
  const applied = rows.reduce((sum, r) => sum + r.events, 0);

  ctx.log('strata projections rebuild compute_servers…');
  const one = await strata(ctx, ['projections', 'rebuild', 'compute_servers']);
  const servers = [...one.stdout.matchAll(REBUILT)].map((m) => ({ events: Number(m[2]), seconds: Number(m[3]), rate: Number(m[4]) }))[0];
  if (one.code !== 0 || !servers) throw new Error(`strata projections rebuild compute_servers exited with ${one.code}: ${one.stdout.slice(-500)}`);

  const table = rows
    .filter((r) => r.events > 0)
    .map((r) => `| ${r.name} | ${fmt(r.events)} | ${r.seconds.toFixed(1)} |`)
    .join('\n');
  const idle = rows.filter((r) => r.events === 0).map((r) => r.name);
  return {
    markdown: `### Rebuild of every read model — \`strata projections rebuild --all\`

One read of the log feeds all ${rows.length} read models: each applies the events of its types, loads rows new to its generation with COPY, then builds its indexes, catches up and switches, side by side with the others.

- **${fmt(logEvents)} log events into every read model in ${seconds.toFixed(1)} s: ${fmt(rate)} log events/s.** Wall time of the command ${run.seconds.toFixed(1)} s (with the Node start-up and TypeScript load of \`bin/strata\`).
- The shared replay took ${replaySeconds.toFixed(1)} s (${fmt(logEvents / replaySeconds)} events/s); the rest, ${(seconds - replaySeconds).toFixed(1)} s, is mostly the audit trail's 8 secondary indexes over ${fmt(logEvents)} rows, built after its rows are loaded.
- The read models applied ${fmt(applied)} events between them (an event counts once per read model that handles it): ${fmt(applied / seconds)} events/s.
- Peak RSS of the \`strata\` process: ${run.peakRssMiB} MiB (VmHWM, sampled every 100 ms).

| read model | events applied | switched after (s) |
|---|---:|---:|
${table}

No events of their types in this log: ${idle.join(', ')}.

- \`strata projections rebuild compute_servers\` alone (its own read, of its types only): ${fmt(servers.events)} events in ${servers.seconds.toFixed(1)} s, **${fmt(servers.rate)} events/s**.`,
    targets: [
      { what: `rebuild ≥ ${fmt(REBUILD_TARGET)} events/s, all read models together (log events over the command's time)`, met: rate >= REBUILD_TARGET },
      { what: `the same for compute_servers alone`, met: servers.rate >= REBUILD_TARGET },
    ],
  };
}

/** A projection's line in the CLI's output: name, events, seconds, events/s. */
const REBUILT = /^(\w+): generation \d+ \(version \d+\) active(?:, generation \d+ retired)?; (\d+) events in ([\d.]+) s \((\d+) events\/s\)$/gm;

/** `strata projections verify --all`: each read model folded afresh in memory and compared with its rows. */
async function verifyAll(ctx: OpsContext): Promise<OpsFigures> {
  ctx.log('strata projections verify --all…');
  const run = await strata(ctx, ['projections', 'verify', '--all']);
  const rows = [...run.stdout.matchAll(/^(\w+): generation \d+ at \S+, (\d+) rows compared: (.*)$/gm)].map((m) => ({ name: m[1], rows: Number(m[2]), verdict: m[3] }));
  const drift = rows.filter((r) => r.verdict !== 'no drift');
  if (run.code !== 0 || drift.length > 0 || rows.length !== ALL_PROJECTIONS.length) {
    throw new Error(`strata projections verify --all exited with ${run.code}: ${drift.map((r) => `${r.name}: ${r.verdict}`).join('; ') || run.stdout.slice(-2000)}`);
  }
  return {
    markdown: `### Verify of every read model — \`strata projections verify --all\`

- ${run.seconds.toFixed(1)} s wall time for ${rows.length} read models and ${fmt(rows.reduce((s, r) => s + r.rows, 0))} rows (largest: ${[...rows]
      .sort((a, b) => b.rows - a.rows)
      .slice(0, 3)
      .map((r) => `${r.name} ${fmt(r.rows)}`)
      .join(', ')}), no drift; peak RSS of the \`strata\` process ${run.peakRssMiB} MiB.`,
  };
}

const HISTORY_TARGET_MS = 50;

/** `as_of` at the log's middle instant: the whole servers list (every server event up to then folded) and one server's show. */
async function asOfLatency(ctx: OpsContext): Promise<OpsFigures> {
  ctx.log('as_of latency…');
  const pool = new Pool({ connectionString: ctx.databaseUrl, max: 1 });
  let at: string;
  let serverId: string;
  try {
    const total = (await pool.query<{ n: string }>('SELECT count(*) AS n FROM rm.audit_events')).rows[0].n;
    const mid = await pool.query<{ occurred_at: Date }>('SELECT occurred_at FROM rm.audit_events ORDER BY position OFFSET $1 LIMIT 1', [Math.floor(Number(total) / 2)]);
    at = mid.rows[0].occurred_at.toISOString();
    // A server that exists then (else the first one, shown as absent then: its fold is as long).
    const server = await pool.query<{ id: string }>('SELECT id FROM rm.compute_servers ORDER BY created_at <= $1 DESC, abs(extract(epoch FROM created_at - $1::timestamptz)) LIMIT 1', [at]);
    if (!server.rows.length) throw new Error('the seeded log holds no server: seed more events (BENCH_OPS_EVENTS)');
    serverId = server.rows[0].id;
  } finally {
    await pool.end();
  }
  const r = await benchAsOf(ctx.store, ctx.databaseUrl, at, serverId);
  return {
    markdown: `### Time travel — \`?as_of=\` at the log's middle instant (${at})

- Servers list: the servers read model folded in memory from ${fmt(r.eventsFolded)} server events up to that instant (${fmt(r.rows)} rows), then the list query over them: p50 **${fmt(r.listP50)} ms**, p99 ${fmt(r.listP99)} ms (10 samples, each with a fresh TimeTravel). No target in the issue; it grows with the server events before the instant.
- The same list again at the same instant (the next page of a past list: the fold of a settled instant is kept): p50 ${fmt(r.warmP50)} ms.
- One server's show (its own stream folded): p50 **${r.showP50.toFixed(1)} ms**.`,
  };
}

/** History of one server with 10,000 events: the API's default answer (first page of 1,000), the last page, the whole history. */
async function historyLatency(ctx: OpsContext): Promise<OpsFigures> {
  ctx.log('history latency (a server with 10,000 events)…');
  const r = await benchHistory(ctx.store, 10_000, 30);
  return {
    markdown: `### History — one server with 10,000 events, in a log of ${fmt(ctx.cloud.events)}

- \`GET /strata/v1/history/server/{id}\` answers a page of 1,000 events (Nova's max_limit) with \`next_marker\`. First page (the default answer): p50 **${r.firstPageP50.toFixed(1)} ms**, p99 ${r.firstPageP99.toFixed(1)} ms.
- Last page (\`marker=8999\`), starting from the state snapshot the API keeps every 1,000 events: p50 ${r.lastPageP50.toFixed(1)} ms.
- The whole history in one read (what \`strata history\` prints, 10,000 diffs): p50 ${fmt(r.wholeP50)} ms, p99 ${fmt(r.wholeP99)} ms.`,
    targets: [{ what: `history p50 < ${HISTORY_TARGET_MS} ms (the API's default page)`, met: r.firstPageP50 < HISTORY_TARGET_MS }],
  };
}

/**
 * The measurements of bench:ops, in this order, over the one seeded log. Each is a function of the
 * context that returns its markdown (and its verdicts against the issue's targets).
 */
const MEASUREMENTS: OpsMeasurement[] = [rebuildAll, verifyAll, asOfLatency, historyLatency];

async function main() {
  const loadBefore = os.loadavg()[0];
  const loads: number[] = [];
  const loadTimer = setInterval(() => loads.push(os.loadavg()[0]), 10_000);
  loadTimer.unref();

  const db = await createTestDatabase('strata_bench_ops');
  const store = await PostgresEventStore.connect(db.url, { poolSize: 8 });
  const parts: OpsFigures[] = [];
  let cloud: SeededCloud;
  let seedSeconds: number;
  try {
    log(`seeding ${fmt(EVENTS)} events…`);
    const started = performance.now();
    cloud = await seedCloud(store, { ...DEFAULT_MIX, totalEvents: EVENTS }, (n) => process.stderr.write(`  ${fmt(n)} events appended\r`));
    seedSeconds = (performance.now() - started) / 1000;
    log(`\n  ${fmt(cloud.events)} events, ${fmt(cloud.servers)} servers in ${seedSeconds.toFixed(0)} s`);
    const ctx: OpsContext = { databaseUrl: db.url, store, cloud, log };
    for (const measure of MEASUREMENTS) parts.push(await measure(ctx));
  } finally {
    await store.close();
    await db.drop();
  }

  const sortedLoads = [...loads].sort((a, b) => a - b);
  const mix = Object.entries(cloud.counts)
    .map(([what, n]) => `${what} ${fmt(n)}`)
    .join(', ');
  const targets = parts.flatMap((p) => p.targets ?? []);
  const markdown = `## Ops (issue 8) — \`npm run bench:ops\`

${new Date().toISOString().slice(0, 10)}, commit ${commit()}; ${machine()}; PostgreSQL 15 on the same machine (loopback, default Debian settings); 1-min load average before the run ${loadBefore.toFixed(1)}${sortedLoads.length ? `, during it ${sortedLoads[0].toFixed(1)}–${sortedLoads[sortedLoads.length - 1].toFixed(1)} (median ${percentile(sortedLoads, 50).toFixed(1)})` : ''}.

The log: ${fmt(cloud.events)} events written through the real deciders with the API's and the conductor's metadata (test/support/realistic-log.ts), ${fmt(cloud.servers)} servers among them: ${mix}. Seeding took ${seedSeconds.toFixed(0)} s (${fmt(cloud.events / seedSeconds)} events/s, 8 appenders, one append per stream and step).

${parts.map((p) => p.markdown).join('\n\n')}
${targets.length ? `\nTargets: ${targets.map((t) => `${t.what} — ${t.met ? 'met' : '**missed**'}`).join('; ')}.` : ''}`;
  if (process.env.BENCH_WRITE !== '0') writeSection('ops', markdown);
  console.log(markdown);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
