/*
 * npm run bench:compute — Nova v2.1 API with the fake compute driver (no artificial delay): server
 * creates, time to ACTIVE, and GET /servers/detail at 1,000 and at 10,000 servers; peak memory.
 *
 * Starts Strata itself (`strata start`, embedded PostgreSQL, in-process bus) with STRATA_FAKE_HOSTS=2
 * hosts big enough never to run out, raises the admin project's quota, makes a flavor and a public
 * 1 MiB raw image, then:
 *   1. BENCH_CREATES (500) POST /servers at concurrency BENCH_CONCURRENCY (16): accept latency (to the
 *      202), and the time from the first POST until every one of them is ACTIVE (GET /servers?status=
 *      BUILD polled every 250 ms until empty), hence boots/s to ACTIVE.
 *   2. More creates, the same way, until the project holds BENCH_LIST_SMALL (1,000) servers; then
 *      BENCH_LIST_RUNS (30, after 3 unmeasured) GET /servers/detail one at a time: p50/p99.
 *   3. Seeding through the API (POST /servers with min_count = max_count = BENCH_SEED_BATCH (50), at
 *      concurrency 4) until BENCH_LIST_LARGE (10,000) servers, bounded by BENCH_SEED_SECONDS (600);
 *      then GET /servers/detail (the first page: Nova's max_limit, 1,000) BENCH_LIST_RUNS_LARGE (10)
 *      times, and one walk of every page with limit=1000 and the marker.
 * Peak RSS = VmHWM of the Strata Node process (/proc/<pid>/status) after each phase; CPU seconds of
 * the Strata process tree (Node + embedded PostgreSQL) and of this client per phase.
 * Every request: OpenStack-API-Version: compute 2.93, one keep-alive agent, loopback.
 *
 * env: BENCH_CREATES (500) BENCH_CONCURRENCY (16) BENCH_LIST_SMALL (1000) BENCH_LIST_LARGE (10000)
 *      BENCH_LIST_RUNS (30) BENCH_LIST_RUNS_LARGE (10) BENCH_SEED_BATCH (50) BENCH_SEED_CONCURRENCY (4)
 *      BENCH_SEED_SECONDS (600) BENCH_ACTIVE_SECONDS (600: the longest wait for ACTIVE) BENCH_LIST_SECONDS (300: bound on
 *      the measured detail requests of one server count)
 *      STRATA_BENCH_PORT (18092) STRATA_BENCH_PASSWORD (secret) BENCH_DIR (/tmp/strata-bench-compute-<port>)
 *      BENCH_WRITE=0 prints the section without writing BENCHMARKS.md
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { commit, descendants, machine, percentile, statusKiB, writeSection } from './bench-report';
import { sleep, startStrata } from './strata-server';

const num = (name: string, dflt: number) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: a positive integer`);
  return v;
};
const CREATES = num('BENCH_CREATES', 500);
const CONCURRENCY = num('BENCH_CONCURRENCY', 16);
const LIST_SMALL = num('BENCH_LIST_SMALL', 1000);
const LIST_LARGE = num('BENCH_LIST_LARGE', 10_000);
const LIST_RUNS = num('BENCH_LIST_RUNS', 30);
const LIST_RUNS_LARGE = num('BENCH_LIST_RUNS_LARGE', 10);
const SEED_BATCH = num('BENCH_SEED_BATCH', 50);
const SEED_CONCURRENCY = num('BENCH_SEED_CONCURRENCY', 4);
const SEED_SECONDS = num('BENCH_SEED_SECONDS', 600);
const ACTIVE_SECONDS = num('BENCH_ACTIVE_SECONDS', 600);
const LIST_SECONDS = num('BENCH_LIST_SECONDS', 300);
const STRATA_PORT = num('STRATA_BENCH_PORT', 18092);
const STRATA_PASSWORD = process.env.STRATA_BENCH_PASSWORD ?? 'secret';
const DIR = process.env.BENCH_DIR ?? `/tmp/strata-bench-compute-${STRATA_PORT}`;
const FAKE_HOSTS = '2';
const FAKE_RESOURCES = 'vcpus=100000,ram=100000000,disk=10000000';
const VERSION = 'compute 2.93';
const FLAVOR = { name: 'bench.tiny', vcpus: 1, ram: 64, disk: 1, id: 'bench-tiny' };
const TARGETS = { bootsPerSec: 50, acceptP99Ms: 100, detailP50Ms: 100 };

const log = (line: string) => console.error(line);

// ---- HTTP: one keep-alive agent ----

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(method: string, url: string, token: string | null, body?: unknown, extra: Record<string, string> = {}): Promise<Reply> {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { Accept: 'application/json', 'OpenStack-API-Version': VERSION, ...extra };
  if (token) headers['X-Auth-Token'] = token;
  if (payload) {
    headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method, headers, agent, timeout: 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - t0;
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out after 120 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function expect(status: number, what: string, p: Promise<Reply>): Promise<Reply> {
  const r = await p;
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} (expected ${status}) ${r.text.slice(0, 300)}`);
  return r;
}

// ---- process figures ----

const TICK = 1 / 100; // USER_HZ
/** CPU seconds (user + system) of one process; NaN when gone. */
function cpuOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK;
  } catch {
    return NaN;
  }
}

function treeCpu(pid: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of descendants(pid)) {
    const c = cpuOf(p);
    if (!Number.isNaN(c)) m.set(p, c);
  }
  return m;
}

const mib = (kib: number) => Math.round(kib / 1024);

interface PhaseCpu {
  /** Strata's Node process alone. */
  node: number;
  /** Node + embedded PostgreSQL (postmaster and backends). */
  tree: number;
  client: number;
  wall: number;
}

async function withCpu<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; cpu: PhaseCpu }> {
  const before = { node: cpuOf(pid), tree: treeCpu(pid), client: process.cpuUsage(), at: performance.now() };
  const result = await work();
  const tree = [...treeCpu(pid)].reduce((s, [p, t]) => s + t - (before.tree.get(p) ?? 0), 0);
  const client = process.cpuUsage(before.client);
  return { result, cpu: { node: cpuOf(pid) - before.node, tree, client: (client.user + client.system) / 1e6, wall: (performance.now() - before.at) / 1000 } };
}

const cpuText = (c: PhaseCpu) => `CPU s over ${c.wall.toFixed(1)} s: Strata Node ${c.node.toFixed(1)}, PostgreSQL ${(c.tree - c.node).toFixed(1)}, client ${c.client.toFixed(1)}`;

// ---- the compute side ----

interface Side {
  compute: string;
  token: string;
  projectId: string;
  flavor: string;
  image: string;
  pid: number;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** Runs `total` jobs from `concurrency` loops (bounded: each loop takes the next index until none is left). */
async function pool(total: number, concurrency: number, job: (i: number) => Promise<void>, stopAt = Infinity): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total && performance.now() < stopAt) await job(next++);
    }),
  );
  return next;
}

/** Counts the project's servers with this status (GET /servers?status=…, the summary list, paged by 1,000). */
async function countStatus(side: Side, status: string): Promise<number> {
  let count = 0;
  let marker: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const r = await expect(200, `GET /servers?status=${status}`, request('GET', `${side.compute}/servers?status=${status}&limit=1000${marker ? `&marker=${marker}` : ''}`, side.token));
    const servers = r.json.servers as { id: string }[];
    count += servers.length;
    if (servers.length < 1000) return count;
    marker = servers[servers.length - 1].id;
  }
  throw new Error('more than 1,000,000 servers?');
}

/**
 * Polls GET /servers?status=BUILD&limit=1 every 250 ms until none is left, for at most
 * ACTIVE_SECONDS; then checks that `expected` servers are ACTIVE, failing with the first fault otherwise. Returns the
 * moment no server was building (performance.now()).
 */
async function untilActive(side: Side, expected: number, deadline = performance.now() + ACTIVE_SECONDS * 1000, soft = false): Promise<number | null> {
  let building = -1;
  while (performance.now() < deadline) {
    // limit=1: only whether any is left, one page (a count would page through every building server).
    const r = await expect(200, 'GET /servers?status=BUILD&limit=1', request('GET', `${side.compute}/servers?status=BUILD&limit=1`, side.token));
    building = r.json.servers.length;
    if (building === 0) {
      const seen = performance.now();
      const active = await countStatus(side, 'ACTIVE');
      if (active >= expected) return seen;
      const r = await request('GET', `${side.compute}/servers/detail?status=ERROR&limit=1`, side.token);
      throw new Error(`${active} of ${expected} servers ACTIVE, none building; first ERROR fault: ${JSON.stringify(r.json?.servers?.[0]?.fault ?? null)}`);
    }
    await sleep(250);
  }
  if (soft) return null;
  throw new Error(`servers still BUILD after ${ACTIVE_SECONDS} s`);
}

interface CreateResult {
  count: number;
  acceptMs: number[];
  /** Seconds from the first POST to the last 202. */
  acceptSeconds: number;
  /** Seconds from the first POST until all were seen ACTIVE. */
  activeSeconds: number;
  cpu: PhaseCpu;
  hwmKiB: number;
}

async function creates(side: Side, count: number, prefix: string, alreadyActive: number): Promise<CreateResult> {
  const acceptMs: number[] = [];
  const { result, cpu } = await withCpu(side.pid, async () => {
    const t0 = performance.now();
    await pool(count, CONCURRENCY, async (i) => {
      const r = await expect(202, `POST /servers #${i}`, request('POST', `${side.compute}/servers`, side.token, { server: { name: `${prefix}-${i}`, imageRef: side.image, flavorRef: side.flavor, networks: 'none' } }));
      acceptMs.push(r.ms);
    });
    const accepted = performance.now();
    const active = (await untilActive(side, alreadyActive + count))!;
    return { acceptSeconds: (accepted - t0) / 1000, activeSeconds: (active - t0) / 1000 };
  });
  return { count, acceptMs: sorted(acceptMs), ...result, cpu, hwmKiB: statusKiB(side.pid, 'VmHWM') };
}

interface SeedResult {
  reached: number;
  seconds: number;
  requests: number;
  cpu: PhaseCpu;
  note: string;
  allActive: boolean;
}

/**
 * Grows the project to `target` servers with multi-create (min_count = max_count) and waits for them to be ACTIVE,
 * the whole bounded by SEED_SECONDS: POSTs stop at the bound, and servers still BUILD then are reported (the lists
 * are then measured with those servers in the list and their builds still running).
 */
async function seed(side: Side, have: number, target: number): Promise<SeedResult> {
  const t0 = performance.now();
  const stopAt = t0 + SEED_SECONDS * 1000;
  const batches = Math.ceil((target - have) / SEED_BATCH);
  let created = 0;
  let requests = 0;
  let acceptSeconds = 0;
  const { cpu, result: active } = await withCpu(side.pid, async () => {
    await pool(
      batches,
      SEED_CONCURRENCY,
      async (b) => {
        const n = Math.min(SEED_BATCH, target - have - b * SEED_BATCH);
        await expect(202, `POST /servers (seed batch ${b}, ${n})`, request('POST', `${side.compute}/servers`, side.token, { server: { name: `seed-${b}`, imageRef: side.image, flavorRef: side.flavor, networks: 'none', min_count: n, max_count: n } }));
        created += n;
        requests++;
        if (requests % 40 === 0) log(`  accepted ${have + created} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      },
      stopAt,
    );
    acceptSeconds = (performance.now() - t0) / 1000;
    return untilActive(side, have + created, stopAt, true);
  });
  const reached = have + created;
  const notes: string[] = [`${(created).toLocaleString('en')} creates accepted in ${acceptSeconds.toFixed(0)} s (${(created / acceptSeconds).toFixed(0)}/s)`];
  if (reached < target) notes.push(`the POSTs stopped at the ${SEED_SECONDS} s bound (BENCH_SEED_SECONDS) at ${reached.toLocaleString('en')} servers`);
  let seconds = ((active ?? performance.now()) - t0) / 1000;
  if (active === null) {
    const building = await countStatus(side, 'BUILD');
    const nowActive = await countStatus(side, 'ACTIVE');
    seconds = (performance.now() - t0) / 1000;
    notes.push(`**not all ACTIVE within the ${SEED_SECONDS} s bound**: ${nowActive.toLocaleString('en')} ACTIVE and ${building.toLocaleString('en')} still BUILD after ${seconds.toFixed(0)} s, so the list below was measured while those builds ran`);
  }
  return { reached, seconds, requests, cpu, note: notes.join('; '), allActive: active !== null };
}

interface ListResult {
  servers: number;
  returned: number;
  bytes: number;
  ms: number[];
  cpu: PhaseCpu;
  walk?: { pages: number; servers: number; ms: number };
  errors: string[];
}

/**
 * GET /servers/detail one at a time: 3 unmeasured, then up to `runs` measured, and (`walk`) every page with
 * limit=1000 and the marker; the measured part is bounded by LIST_SECONDS (at least one sample is taken). A failed
 * or timed-out request is counted, not fatal.
 */
async function detailLatency(side: Side, runs: number, walk: boolean): Promise<Omit<ListResult, 'servers'>> {
  const url = `${side.compute}/servers/detail`;
  const errors: string[] = [];
  const attempt = async (what: string, u: string): Promise<Reply | null> => {
    try {
      return await expect(200, what, request('GET', u, side.token));
    } catch (e) {
      errors.push((e as Error).message.slice(0, 200));
      log(`  ${(e as Error).message.slice(0, 200)}`);
      return null;
    }
  };
  for (let i = 0; i < 3; i++) await attempt('GET /servers/detail (warm-up)', url);
  const ms: number[] = [];
  let returned = 0;
  let bytes = 0;
  const stopAt = performance.now() + LIST_SECONDS * 1000;
  const { cpu, result: walked } = await withCpu(side.pid, async () => {
    for (let i = 0; i < runs && (i === 0 || performance.now() < stopAt); i++) {
      const r = await attempt('GET /servers/detail', url);
      if (!r) continue;
      ms.push(r.ms);
      returned = r.json.servers.length;
      bytes = r.text.length;
    }
    if (!walk) return undefined;
    const t0 = performance.now();
    let marker: string | null = null;
    let pages = 0;
    let servers = 0;
    for (; pages < 1000; ) {
      const r = await attempt('GET /servers/detail?limit=1000', `${url}?limit=1000${marker ? `&marker=${marker}` : ''}`);
      if (!r) return { pages, servers, ms: NaN };
      pages++;
      servers += r.json.servers.length;
      if (!r.json.servers_links) break;
      marker = r.json.servers[r.json.servers.length - 1].id;
    }
    return { pages, servers, ms: performance.now() - t0 };
  });
  return { returned, bytes, ms: sorted(ms), cpu, walk: walked, errors };
}

// ---- the report ----

const f0 = (x: number) => Math.round(x).toLocaleString('en');
const fms = (x: number) => (x < 10 ? x.toFixed(1) : f0(x));
const met = (ok: boolean) => (ok ? 'met' : '**missed**');

interface Figures {
  first: CreateResult;
  topUp: CreateResult | null;
  small: ListResult;
  seed: SeedResult;
  large: ListResult;
  hwm: { afterCreates: number; afterSmall: number; afterSeed: number; end: number; rssEnd: number };
  load: string;
  setup: string;
}

function section(x: Figures): string {
  const a = x.first.acceptMs;
  const boots = x.first.count / x.first.activeSeconds;
  const p = (xs: number[], q: number) => fms(percentile(xs, q));
  const rows = [
    '| measurement | result |',
    '|---|---:|',
    `| ${x.first.count} creates at c=${CONCURRENCY}: accept latency (POST → 202) p50 / p99 / max | ${p(a, 50)} / ${p(a, 99)} / ${fms(a[a.length - 1])} ms |`,
    `| … accepts/s (first POST → last 202) | ${f0(x.first.count / x.first.acceptSeconds)} (${x.first.acceptSeconds.toFixed(1)} s) |`,
    `| … time until all ${x.first.count} ACTIVE (from the first POST) | ${x.first.activeSeconds.toFixed(1)} s |`,
    `| … boots/s to ACTIVE | ${boots.toFixed(1)} |`,
    ...(x.topUp
      ? [`| next ${x.topUp.count} creates (to ${f0(x.small.servers)} servers): accept p50 / p99; boots/s to ACTIVE | ${p(x.topUp.acceptMs, 50)} / ${p(x.topUp.acceptMs, 99)} ms; ${(x.topUp.count / x.topUp.activeSeconds).toFixed(1)} |`]
      : []),
    `| GET /servers/detail, ${f0(x.small.servers)} servers (${f0(x.small.returned)} returned, ${(x.small.bytes / 1e6).toFixed(1)} MB): p50 / p99 of ${x.small.ms.length} | ${p(x.small.ms, 50)} / ${p(x.small.ms, 99)} ms |`,
    `| seeding to ${f0(x.seed.reached)} servers (multi-create, ${SEED_BATCH} per POST, c=${SEED_CONCURRENCY}) | ${x.seed.allActive ? `all ACTIVE after ${x.seed.seconds.toFixed(0)} s, ${((x.seed.reached - x.small.servers) / x.seed.seconds).toFixed(1)} servers/s` : `not all ACTIVE after ${x.seed.seconds.toFixed(0)} s (see below)`} |`,
    `| GET /servers/detail, ${f0(x.large.servers)} servers${x.seed.allActive ? '' : ', builds still running'} (first page: ${f0(x.large.returned)} returned): p50 / p99 of ${x.large.ms.length} | ${p(x.large.ms, 50)} / ${p(x.large.ms, 99)} ms |`,
    ...(x.large.walk ? [`| … every page with limit=1000 + marker (${x.large.walk.pages} pages, ${f0(x.large.walk.servers)} servers) | ${Number.isNaN(x.large.walk.ms) ? `failed after ${x.large.walk.pages} pages` : `${(x.large.walk.ms / 1000).toFixed(1)} s`} |`] : []),
    `| peak RSS of the Strata Node process (VmHWM): after the ${x.first.count} creates / at ${f0(x.small.servers)} / at ${f0(x.large.servers)} servers / end | ${f0(mib(x.hwm.afterCreates))} / ${f0(mib(x.hwm.afterSmall))} / ${f0(mib(x.hwm.afterSeed))} / ${f0(mib(x.hwm.end))} MiB |`,
  ];
  const acceptP99 = percentile(a, 99);
  const detailP50 = percentile(x.small.ms, 50);
  return `## Compute: server creates and lists with the fake driver — \`npm run bench:compute\`

${new Date().toISOString().slice(0, 10)}, commit ${commit()}; ${machine()}; ${x.load}.
One Node client process on the same machine, one keep-alive HTTP agent over loopback, every request with \`OpenStack-API-Version: ${VERSION}\` and the admin token (project admin); servers boot flavor ${FLAVOR.name} (${FLAVOR.vcpus} vCPU, ${FLAVOR.ram} MB, ${FLAVOR.disk} GB) from a public 1 MiB raw image with \`networks: "none"\`.

${rows.join('\n')}

- Strata: ${x.setup}.
- Creates: POST /servers from ${CONCURRENCY} loops, each sending the next create when its last is answered; accept latency is the POST to its 202 (Strata answers once the create is in the event log and the servers read model has it). ACTIVE is seen by polling GET /servers?status=BUILD&limit=1 (the summary list) every 250 ms until it is empty, then checking that all are ACTIVE, so the time to ACTIVE is late by up to one poll. ${cpuText(x.first.cpu)}.
- Detail list: GET /servers/detail with no parameters, one request at a time after 3 unmeasured; Nova's max_limit (1,000) bounds a page; the measured requests of one size are bounded by ${LIST_SECONDS} s.${[...x.small.errors, ...x.large.errors].length ? ` Failed requests (not in the figures): ${[...x.small.errors, ...x.large.errors].join('; ')}.` : ''} At ${f0(x.small.servers)}: ${cpuText(x.small.cpu)}; at ${f0(x.large.servers)}: ${cpuText(x.large.cpu)}.
- Seeding: POST /servers with \`min_count\` = \`max_count\` = ${SEED_BATCH} (Nova's multi-create), ${SEED_CONCURRENCY} at a time, then polled until all ACTIVE, the whole bounded by ${SEED_SECONDS} s; ${x.seed.note}. ${cpuText(x.seed.cpu)}.
- Memory: VmHWM of the Strata Node process (API, projector, conductor and the fake compute agents in one process) from /proc/<pid>/status, never reset; its RSS at the end ${f0(mib(x.hwm.rssEnd))} MiB. The embedded PostgreSQL is not counted.

Targets: ≥ ${TARGETS.bootsPerSec} boots/s to ACTIVE — ${met(boots >= TARGETS.bootsPerSec)} (${boots.toFixed(1)}); accept p99 < ${TARGETS.acceptP99Ms} ms — ${met(acceptP99 < TARGETS.acceptP99Ms)} (${fms(acceptP99)} ms); detail list of ${f0(x.small.servers)} servers p50 < ${TARGETS.detailP50Ms} ms — ${met(detailP50 < TARGETS.detailP50Ms)} (${fms(detailP50)} ms).`;
}

// ---- main ----

async function prepare(base: string, pid: number): Promise<Side> {
  const auth = { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: STRATA_PASSWORD } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } };
  const issued = await expect(201, 'POST /identity/v3/auth/tokens', request('POST', `${base}/identity/v3/auth/tokens`, null, auth));
  const token = issued.headers['x-subject-token'] as string;
  const projectId = issued.json.token.project.id as string;
  const compute = `${base}/compute/v2.1`;
  const deadline = performance.now() + 60_000;
  for (;;) {
    const r = await request('GET', `${compute}/os-hypervisors`, token);
    if (r.status === 200 && r.json.hypervisors.length >= Number(FAKE_HOSTS)) break;
    if (performance.now() > deadline) throw new Error(`the ${FAKE_HOSTS} fake hosts did not register within 60 s: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    await sleep(250);
  }
  await expect(200, 'POST /flavors', request('POST', `${compute}/flavors`, token, { flavor: FLAVOR }));
  const image = await expect(201, 'POST /image/v2/images', request('POST', `${base}/image/v2/images`, token, { name: 'bench-base', disk_format: 'raw', container_format: 'bare', visibility: 'public' }));
  await expect(204, 'PUT …/file', request('PUT', `${base}/image/v2/images/${image.json.id}/file`, token, Buffer.alloc(1024 * 1024), { 'Content-Type': 'application/octet-stream' }));
  const big = 1_000_000_000;
  await expect(200, 'PUT /os-quota-sets', request('PUT', `${compute}/os-quota-sets/${projectId}`, token, { quota_set: { instances: big, cores: big, ram: big } }));
  return { compute, token, projectId, flavor: FLAVOR.id, image: image.json.id, pid };
}

async function main() {
  if (LIST_SMALL < CREATES || LIST_LARGE < LIST_SMALL) throw new Error('need BENCH_CREATES ≤ BENCH_LIST_SMALL ≤ BENCH_LIST_LARGE');
  const loadBefore = os.loadavg()[0];
  const loads: number[] = [];
  const loadTimer = setInterval(() => loads.push(os.loadavg()[0]), 10_000);
  loadTimer.unref();
  const loadText = () => {
    const l = sorted(loads);
    return `1-min load average before Strata ${loadBefore.toFixed(1)}${l.length ? `, during the run ${l[0].toFixed(1)}–${l[l.length - 1].toFixed(1)} (median ${percentile(l, 50).toFixed(1)}, sampled every 10 s)` : ''}`;
  };
  log(`starting Strata on 127.0.0.1:${STRATA_PORT} (STRATA_FAKE_HOSTS=${FAKE_HOSTS}, STRATA_FAKE_HOST_RESOURCES=${FAKE_RESOURCES})…`);
  process.env.STRATA_FAKE_HOSTS = FAKE_HOSTS;
  process.env.STRATA_FAKE_HOST_RESOURCES = FAKE_RESOURCES;
  delete process.env.STRATA_FAKE_DELAY_MS;
  delete process.env.STRATA_FAKE_FAIL;
  const server = await startStrata({ port: STRATA_PORT, password: STRATA_PASSWORD, dir: DIR, ownDir: true, logFile: path.join(DIR, 'strata.log'), readyPath: '/identity/v3', log });
  let figures: Figures;
  try {
    const side = await prepare(server.base, server.pid);
    log(`${CREATES} creates at concurrency ${CONCURRENCY}…`);
    const first = await creates(side, CREATES, 'bench', 0);
    log(`  accept p50 ${fms(percentile(first.acceptMs, 50))} ms, p99 ${fms(percentile(first.acceptMs, 99))} ms; all ACTIVE after ${first.activeSeconds.toFixed(1)} s: ${(CREATES / first.activeSeconds).toFixed(1)} boots/s; ${cpuText(first.cpu)}`);
    let topUp: CreateResult | null = null;
    if (LIST_SMALL > CREATES) {
      log(`${LIST_SMALL - CREATES} more creates, to ${LIST_SMALL}…`);
      topUp = await creates(side, LIST_SMALL - CREATES, 'more', CREATES);
      log(`  accept p50 ${fms(percentile(topUp.acceptMs, 50))} ms, p99 ${fms(percentile(topUp.acceptMs, 99))} ms; ${(topUp.count / topUp.activeSeconds).toFixed(1)} boots/s`);
    }
    log(`GET /servers/detail at ${LIST_SMALL} servers…`);
    const small = { servers: LIST_SMALL, ...(await detailLatency(side, LIST_RUNS, false)) };
    log(`  p50 ${fms(percentile(small.ms, 50))} ms, p99 ${fms(percentile(small.ms, 99))} ms (${small.returned} returned); ${cpuText(small.cpu)}`);
    const afterSmall = statusKiB(side.pid, 'VmHWM');
    log(`seeding to ${LIST_LARGE} servers (batches of ${SEED_BATCH}, concurrency ${SEED_CONCURRENCY}, at most ${SEED_SECONDS} s)…`);
    const seeded = await seed(side, LIST_SMALL, LIST_LARGE);
    log(`  ${seeded.reached} servers after ${seeded.seconds.toFixed(0)} s; ${cpuText(seeded.cpu)}`);
    const afterSeed = statusKiB(side.pid, 'VmHWM');
    log(`GET /servers/detail at ${seeded.reached} servers…`);
    const large = { servers: seeded.reached, ...(await detailLatency(side, LIST_RUNS_LARGE, true)) };
    log(`  p50 ${fms(percentile(large.ms, 50))} ms, p99 ${fms(percentile(large.ms, 99))} ms of ${large.ms.length}; walk ${large.walk ? `${large.walk.pages} pages in ${(large.walk.ms / 1000).toFixed(1)} s` : '-'}; ${cpuText(large.cpu)}`);
    figures = {
      first,
      topUp,
      small,
      seed: seeded,
      large,
      hwm: { afterCreates: first.hwmKiB, afterSmall, afterSeed, end: statusKiB(side.pid, 'VmHWM'), rssEnd: statusKiB(side.pid, 'VmRSS') },
      load: loadText(),
      setup: `\`strata start\` all-in-one (API, projector, conductor and ${FAKE_HOSTS} fake compute agents in one Node ${process.version} process, embedded PostgreSQL, in-process bus), fresh data dir, STRATA_FAKE_HOSTS=${FAKE_HOSTS}, STRATA_FAKE_HOST_RESOURCES=${FAKE_RESOURCES}, no STRATA_FAKE_DELAY_MS; the admin project's instances/cores/ram quota raised to 10⁹`,
    };
  } catch (e) {
    const exit = server.child.exitCode ?? server.child.signalCode;
    throw new Error(`${(e as Error).message}\nStrata ${exit === null ? 'still running' : `exited (${exit})`}; the end of its log:\n${server.logTail(30)}`);
  } finally {
    agent.destroy();
    await server.stop();
  }
  const markdown = section(figures);
  if (process.env.BENCH_WRITE !== '0') writeSection('compute', markdown);
  console.log(markdown);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
