/*
 * Identity load driver: token issue, token validate and project list against any Keystone v3 API
 * (Strata's /identity/v3 or a real Keystone), at a list of concurrencies, with the peak memory of
 * the server's processes. Used by `npm run bench:identity`; also runs alone:
 *
 *   node -r @swc-node/register test/bench/identity-load.ts --url http://127.0.0.1:5000/v3 \
 *     --user admin --password secret --project admin --domain Default \
 *     --duration 20 --concurrency 1,4 --keepalive off --pid "$(cat /run/keystone-anchor.pid)"
 *
 * A figure counts only when its error count is 0; errors are printed with samples.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { percentile } from './bench-report';

export interface LoadOptions {
  /** Keystone v3 base, e.g. http://127.0.0.1:5000/v3 (no trailing slash needed). */
  url: string;
  user: string;
  password: string;
  project: string;
  /** Domain name of the user and of the project. */
  domain: string;
  /** Seconds measured per test and concurrency. */
  duration: number;
  /** Seconds of unmeasured load before each measurement. */
  warmup: number;
  concurrency: number[];
  /** Which tests to run (default all three, in this order). */
  ops?: OpName[];
  /** Reuse connections; off for uwsgi with `Connection: close` (the Keystone anchor). */
  keepAlive: boolean;
  /** Memory of this pid and all its descendants is sampled. */
  pid?: number;
  /** …or of every process whose command line matches this regular expression. */
  pidPattern?: string;
  log?: (line: string) => void;
}

export type OpName = 'token issue' | 'token validate' | 'project list';

export interface OpResult {
  op: OpName;
  concurrency: number;
  ok: number;
  errors: number;
  errorSamples: string[];
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface MemoryPeak {
  /** Highest sum of VmRSS over the sampled processes at one instant. */
  peakRssMiB: number;
  /** Highest sum of Pss (shared pages split between sharers) at one instant. */
  peakPssMiB: number;
  /** Highest VmHWM of a single process, and its command. */
  largestHwmMiB: number;
  largestCommand: string;
  processes: number;
  samples: number;
}

export interface LoadReport {
  url: string;
  results: OpResult[];
  memory: MemoryPeak | null;
  /** How many projects GET /projects returned (the size of each list response). */
  projectsListed: number;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

class Client {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(url: string, keepAlive: boolean) {
    this.base = new URL(url.replace(/\/+$/, '') + '/');
    const Agent = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive, maxSockets: 64 });
  }

  request(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Reply> {
    const target = new URL(path.replace(/^\//, ''), this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    if (payload) {
      h['Content-Type'] = 'application/json';
      h['Content-Length'] = String(payload.length);
    }
    const lib = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(target, { method, headers: h, agent: this.agent, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timed out after 60 s')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function passwordAuth(o: LoadOptions) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: o.user, domain: { name: o.domain }, password: o.password } } },
      scope: { project: { name: o.project, domain: { name: o.domain } } },
    },
  };
}

function describe(r: Reply): string {
  return `HTTP ${r.status} ${r.body.slice(0, 160).replace(/\s+/g, ' ')}`;
}

/** Runs `op` from `concurrency` loops for `seconds`; latencies and errors of successful/failed calls. */
async function drive(concurrency: number, seconds: number, op: (worker: number, i: number) => Promise<string | null>) {
  const latencies: number[] = [];
  const errorSamples = new Map<string, number>();
  let errors = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        let error: string | null;
        try {
          error = await op(worker, i);
        } catch (e) {
          error = (e as Error).message || String(e);
        }
        if (error === null) latencies.push(performance.now() - t0);
        else {
          errors++;
          errorSamples.set(error, (errorSamples.get(error) ?? 0) + 1);
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    errors,
    errorSamples: [...errorSamples].slice(0, 5).map(([m, n]) => `${n}× ${m}`),
    seconds: elapsed,
    opsPerSec: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

// ---- memory of the server's processes, from /proc ----

function readProc(pid: number, file: string): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

function kib(text: string | null, field: string): number {
  const m = text && new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The pid and its descendants, from the parent pid in /proc/<pid>/stat. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const stat = readProc(pid, 'stat');
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function matchingPids(pattern: RegExp): number[] {
  return allPids().filter((pid) => pid !== process.pid && pattern.test((readProc(pid, 'cmdline') ?? '').replace(/\0/g, ' ').trim()));
}

export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = new Set<number>();
  private readonly peak: MemoryPeak = { peakRssMiB: 0, peakPssMiB: 0, largestHwmMiB: 0, largestCommand: '', processes: 0, samples: 0 };

  constructor(private readonly target: { pid?: number; pidPattern?: string }) {}

  start(intervalMs = 200): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    return this;
  }

  stop(): MemoryPeak | null {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return this.peak.samples > 0 ? { ...this.peak, processes: this.seen.size } : null;
  }

  private pids(): number[] {
    if (this.target.pid) return processTree(this.target.pid);
    if (this.target.pidPattern) return matchingPids(new RegExp(this.target.pidPattern));
    return [];
  }

  private sample(): void {
    let rss = 0;
    let pss = 0;
    let alive = 0;
    for (const pid of this.pids()) {
      const status = readProc(pid, 'status');
      if (!status) continue;
      alive++;
      this.seen.add(pid);
      rss += kib(status, 'VmRSS');
      pss += kib(readProc(pid, 'smaps_rollup'), 'Pss');
      const hwm = kib(status, 'VmHWM') / 1024;
      if (hwm > this.peak.largestHwmMiB) {
        this.peak.largestHwmMiB = hwm;
        this.peak.largestCommand = (readProc(pid, 'cmdline') ?? '').replace(/\0/g, ' ').trim().slice(0, 80);
      }
    }
    if (alive === 0) return;
    this.peak.samples++;
    this.peak.peakRssMiB = Math.max(this.peak.peakRssMiB, rss / 1024);
    this.peak.peakPssMiB = Math.max(this.peak.peakPssMiB, pss / 1024);
  }
}

// ---- the three tests ----

export async function runIdentityLoad(o: LoadOptions): Promise<LoadReport> {
  const log = o.log ?? ((line: string) => console.error(line));
  const client = new Client(o.url, o.keepAlive);
  const sampler = o.pid || o.pidPattern ? new MemorySampler({ pid: o.pid, pidPattern: o.pidPattern }).start() : null;
  const results: OpResult[] = [];
  try {
    const auth = passwordAuth(o);
    const issue = async (): Promise<{ token?: string; error: string | null }> => {
      const r = await client.request('POST', 'auth/tokens', {}, auth);
      const token = r.headers['x-subject-token'];
      if (r.status !== 201 || typeof token !== 'string') return { error: describe(r) };
      return { token, error: null };
    };

    const admin = await issue();
    if (!admin.token) throw new Error(`cannot get a token from ${o.url}: ${admin.error}`);
    const adminToken = admin.token;
    const projects = await client.request('GET', 'projects', { 'X-Auth-Token': adminToken });
    if (projects.status !== 200) throw new Error(`GET ${o.url}/projects: ${describe(projects)}`);
    const projectsListed = (JSON.parse(projects.body) as { projects: unknown[] }).projects.length;

    // Validation cycles through tokens issued during the issue test, as a real service sees many.
    const pool: string[] = [adminToken];
    const record = (op: OpName, concurrency: number, r: Awaited<ReturnType<typeof drive>>) => {
      results.push({ op, concurrency, ...r });
      const err = r.errors ? `  ERRORS ${r.errors}: ${r.errorSamples.join(' | ')}` : '';
      log(`  ${op.padEnd(14)} c=${concurrency}: ${r.opsPerSec.toFixed(1)}/s (${r.ok} in ${r.seconds.toFixed(1)} s), p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms${err}`);
    };
    const tests: Array<[OpName, (w: number, i: number) => Promise<string | null>]> = [
      [
        'token issue',
        async () => {
          const r = await issue();
          if (r.token && pool.length < 200) pool.push(r.token);
          return r.error;
        },
      ],
      [
        'token validate',
        async (w, i) => {
          const subject = pool[(w * 7919 + i) % pool.length];
          const r = await client.request('GET', 'auth/tokens', { 'X-Auth-Token': adminToken, 'X-Subject-Token': subject });
          return r.status === 200 ? null : describe(r);
        },
      ],
      [
        'project list',
        async () => {
          const r = await client.request('GET', 'projects', { 'X-Auth-Token': adminToken });
          return r.status === 200 ? null : describe(r);
        },
      ],
    ];
    log(`${o.url}: ${o.duration} s per test (+${o.warmup} s warm-up), concurrency ${o.concurrency.join(',')}, keep-alive ${o.keepAlive ? 'on' : 'off'}`);
    for (const [op, fn] of tests.filter(([name]) => !o.ops || o.ops.includes(name))) {
      for (const c of o.concurrency) {
        if (o.warmup > 0) await drive(c, o.warmup, fn);
        record(op, c, await drive(c, o.duration, fn));
      }
    }
    const memory = sampler?.stop() ?? null;
    if (memory) {
      log(`  peak memory: RSS ${memory.peakRssMiB.toFixed(0)} MiB, PSS ${memory.peakPssMiB.toFixed(0)} MiB over ${memory.processes} process(es); largest VmHWM ${memory.largestHwmMiB.toFixed(0)} MiB (${memory.largestCommand})`);
    }
    return { url: o.url, results, memory, projectsListed };
  } finally {
    sampler?.stop();
    client.close();
  }
}

// ---- command line ----

function parseCli(argv: string[]): LoadOptions & { json?: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      user: { type: 'string', default: 'admin' },
      password: { type: 'string' },
      project: { type: 'string', default: 'admin' },
      domain: { type: 'string', default: 'Default' },
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '1,4' },
      keepalive: { type: 'string', default: 'on' },
      pid: { type: 'string' },
      'pid-pattern': { type: 'string' },
      ops: { type: 'string', default: 'issue,validate,list' },
      json: { type: 'string' },
    },
  });
  if (!values.url || values.password === undefined) {
    throw new Error('usage: identity-load.ts --url <v3 base> --password <pw> [--user admin] [--project admin] [--domain Default] [--duration 20] [--warmup 1] [--concurrency 1,4] [--keepalive on|off] [--ops issue,validate,list] [--pid N | --pid-pattern REGEX] [--json FILE]');
  }
  const concurrency = values.concurrency!.split(',').map((s) => Number(s.trim()));
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--concurrency: a comma-separated list of positive integers');
  if (!['on', 'off'].includes(values.keepalive!)) throw new Error('--keepalive: on or off');
  const names: Record<string, OpName> = { issue: 'token issue', validate: 'token validate', list: 'project list' };
  const ops = values.ops!.split(',').map((s) => names[s.trim()]);
  if (ops.some((op) => !op)) throw new Error('--ops: a comma-separated subset of issue,validate,list');
  return {
    url: values.url,
    ops,
    user: values.user!,
    password: values.password,
    project: values.project!,
    domain: values.domain!,
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    concurrency,
    keepAlive: values.keepalive === 'on',
    pid: values.pid ? Number(values.pid) : undefined,
    pidPattern: values['pid-pattern'],
    json: values.json,
  };
}

if (require.main === module) {
  (async () => {
    const options = parseCli(process.argv.slice(2));
    const report = await runIdentityLoad(options);
    const text = JSON.stringify(report, null, 2);
    if (options.json) fs.writeFileSync(options.json, text + '\n');
    else process.stdout.write(text + '\n');
    if (report.results.some((r) => r.errors > 0)) process.exitCode = 2;
  })().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
