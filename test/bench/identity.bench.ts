/*
 * npm run bench:identity — Strata's Keystone API beside the real Keystone, written to BENCHMARKS.md.
 *
 * Starts Strata itself (`strata start`, own data dir and port), runs test/bench/identity-load.ts
 * against it, stops it; then brings up the Keystone anchor (../shared/anchors/keystone-up.sh),
 * runs the same load against it and stops it again if this run started it. One side at a time,
 * so neither competes with the other for the CPUs.
 *
 * env: BENCH_SECONDS (20 per test) BENCH_WARMUP (2) BENCH_CONCURRENCY (1,4)
 *      STRATA_BENCH_PORT (18090) STRATA_BENCH_PASSWORD (secret)
 *      KEYSTONE_URL (default: the anchor, http://127.0.0.1:5000/v3, brought up here; any other URL is
 *        used as it is) KEYSTONE_USER (admin) KEYSTONE_PASSWORD (secret) KEYSTONE_PROJECT (admin)
 *        KEYSTONE_DOMAIN (Default) KEYSTONE_PID / KEYSTONE_PID_PATTERN (whose memory to sample)
 *        KEYSTONE_KEEPALIVE (off: the anchor's uwsgi answers `Connection: close`)
 *      BENCH_KEYSTONE=0 skips Keystone; ANCHORS_DIR (../shared/anchors)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_SCRYPT_PARAMS, hashPassword, verifyPassword } from '../../infra/identity/passwords';
import { commit, machine, percentile, writeSection } from './bench-report';
import { LoadOptions, LoadReport, OpName, OpResult, runIdentityLoad } from './identity-load';
import { readPid, startStrata, waitHttp } from './strata-server';

const ROOT = path.resolve(__dirname, '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,4').split(',').map(Number);
const STRATA_PORT = Number(process.env.STRATA_BENCH_PORT ?? 18090);
const STRATA_PASSWORD = process.env.STRATA_BENCH_PASSWORD ?? 'secret';
const ANCHOR_URL = 'http://127.0.0.1:5000/v3';
const KEYSTONE_URL = (process.env.KEYSTONE_URL ?? ANCHOR_URL).replace(/\/+$/, '');
const USE_ANCHOR = KEYSTONE_URL === ANCHOR_URL;
const ANCHORS_DIR = process.env.ANCHORS_DIR ?? path.resolve(ROOT, '../shared/anchors');
const ANCHOR_PIDFILE = '/run/keystone-anchor.pid';
const ANCHOR_DB = '/var/lib/keystone/keystone.db';
const OPS: OpName[] = ['token issue', 'token validate', 'project list'];

const log = (line: string) => console.error(line);

// ---- Strata ----

async function strataHashCost(): Promise<string> {
  const { ln, r, p } = DEFAULT_SCRYPT_PARAMS;
  const hash = await hashPassword('bench-password');
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    if (!(await verifyPassword('bench-password', hash))) throw new Error('scrypt verify failed');
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return `scrypt N=2^${ln} r=${r} p=${p} (infra/identity/passwords.ts), ${percentile(times, 50).toFixed(0)} ms per verify (median of 20, one at a time, in this process)`;
}

// ---- Keystone ----

interface KeystoneSide {
  options: Pick<LoadOptions, 'url' | 'user' | 'password' | 'project' | 'domain' | 'keepAlive' | 'pid' | 'pidPattern'>;
  stop(): void;
  setup: string;
}

function runScript(script: string): { ok: boolean; output: string } {
  const r = spawnSync('bash', [path.join(ANCHORS_DIR, script)], { encoding: 'utf8', timeout: 30 * 60_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

function startKeystone(): KeystoneSide {
  const creds = {
    url: KEYSTONE_URL,
    user: process.env.KEYSTONE_USER ?? 'admin',
    password: process.env.KEYSTONE_PASSWORD ?? 'secret',
    project: process.env.KEYSTONE_PROJECT ?? 'admin',
    domain: process.env.KEYSTONE_DOMAIN ?? 'Default',
    keepAlive: (process.env.KEYSTONE_KEEPALIVE ?? 'off') === 'on',
  };
  const envPid = process.env.KEYSTONE_PID ? Number(process.env.KEYSTONE_PID) : undefined;
  const pidPattern = process.env.KEYSTONE_PID_PATTERN;
  if (!USE_ANCHOR) {
    return { options: { ...creds, pid: envPid, pidPattern }, stop: () => undefined, setup: `Keystone at ${KEYSTONE_URL} (given by KEYSTONE_URL)` };
  }
  if (!fs.existsSync(path.join(ANCHORS_DIR, 'keystone-up.sh'))) throw new Error(`no keystone-up.sh in ${ANCHORS_DIR}`);
  const wasRunning = readPid(ANCHOR_PIDFILE) !== undefined;
  log(wasRunning ? 'Keystone anchor already running; reusing it' : 'bringing up the Keystone anchor (keystone-up.sh)…');
  const up = runScript('keystone-up.sh');
  const pid = readPid(ANCHOR_PIDFILE);
  if (!up.ok || pid === undefined) throw new Error(`keystone-up.sh failed: ${up.output.trim().split('\n').slice(-3).join(' / ')}`);
  const version = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'keystone'], { encoding: 'utf8' }).stdout || 'unknown version';
  return {
    options: { ...creds, pid: envPid ?? pid, pidPattern },
    stop: () => {
      if (wasRunning) return log('leaving the Keystone anchor running, as it was before this run');
      log(runScript('keystone-down.sh').output.trim());
    },
    setup: `Keystone ${version} (Debian 12, Zed), the anchor of ../shared/anchors/keystone-up.sh: ${process.env.KS_SERVER ?? 'uwsgi'}, ${process.env.KS_PROCESSES ?? 1} process × ${process.env.KS_THREADS ?? 1} thread, sqlite (WAL), fernet tokens, \`Connection: close\``,
  };
}

/** Keystone's password hash: the admin's stored hash from the anchor's database, verified by passlib as Keystone does. */
function keystoneHashCost(user: string, password: string): string {
  const conf = fs.existsSync('/etc/keystone/keystone.conf') ? fs.readFileSync('/etc/keystone/keystone.conf', 'utf8') : '';
  const algorithm = /^\s*password_hash_algorithm\s*=\s*(\S+)/m.exec(conf)?.[1];
  const rounds = /^\s*password_hash_rounds\s*=\s*(\d+)/m.exec(conf)?.[1];
  const configured = `[identity] password_hash_algorithm ${algorithm ?? 'unset (default bcrypt)'}, password_hash_rounds ${rounds ?? 'unset (bcrypt default 12)'}`;
  if (!USE_ANCHOR || !fs.existsSync(ANCHOR_DB)) return `${configured}; not measured (no local anchor database)`;
  const py = `
import sys, time, sqlite3, statistics, passlib.hash
db = sqlite3.connect("file:${ANCHOR_DB}?mode=ro", uri=True)
h = db.execute("select p.password_hash from password p join local_user l on p.local_user_id = l.id where l.name = ? order by p.created_at_int desc limit 1", (sys.argv[1],)).fetchone()[0]
hasher = passlib.hash.bcrypt if h.startswith("$2") else None
if hasher is None: print(h.split("$")[1] + " hash; not measured"); sys.exit(0)
ts = []
for _ in range(5):
    t = time.perf_counter(); ok = hasher.verify(sys.argv[2], h); ts.append((time.perf_counter() - t) * 1000)
    assert ok
print(f"bcrypt cost {hasher.from_string(h).rounds} (stored hash \${h.split('$')[1]}\${h.split('$')[2]}\$), {statistics.median(ts):.0f} ms per verify (median of 5, passlib {hasher.get_backend()} backend)")
`;
  const r = spawnSync('/usr/bin/python3', ['-c', py, user, password], { encoding: 'utf8', timeout: 120_000 });
  const measured = r.status === 0 ? r.stdout.trim() : `not measured (${(r.stderr || String(r.error)).trim().split('\n').pop()})`;
  return `${measured}; ${configured}`;
}

// ---- the report ----

const fmtRate = (r?: OpResult) => (!r ? '—' : r.errors > 0 ? `— (${r.errors} errors)` : r.opsPerSec >= 100 ? Math.round(r.opsPerSec).toLocaleString('en') : r.opsPerSec.toFixed(1));
const fmtLat = (r?: OpResult) => (!r || r.errors > 0 ? '—' : `${r.p50Ms.toFixed(r.p50Ms < 10 ? 1 : 0)} / ${r.p99Ms.toFixed(r.p99Ms < 10 ? 1 : 0)}`);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const counts = (r?: OpResult) => !!r && r.errors === 0 && r.ok > 0;

function ratio(s?: OpResult, k?: OpResult): number | undefined {
  return counts(s) && counts(k) ? s!.opsPerSec / k!.opsPerSec : undefined;
}

function memoryLine(name: string, report: LoadReport | null): string {
  const m = report?.memory;
  if (!m) return `${name}: not measured`;
  const mib = (v: number) => Math.round(v).toLocaleString('en');
  return `${name} ${mib(m.peakPssMiB)} MiB PSS (${mib(m.peakRssMiB)} MiB summing each process's RSS, which counts shared pages once per process) over ${m.processes} processes seen; largest single process ${mib(m.largestHwmMiB)} MiB VmHWM (\`${m.largestCommand.split(' ').slice(0, 3).join(' ')}\`)`;
}

function section(strata: LoadReport, keystone: LoadReport | null, keystoneNote: string, hashes: { strata: string; keystone: string }, setups: { strata: string; keystone: string }, loads: string): string {
  const find = (rep: LoadReport | null, op: OpName, c: number) => rep?.results.find((r) => r.op === op && r.concurrency === c);
  const rows: string[] = [];
  for (const op of OPS) {
    for (const c of CONCURRENCY) {
      const s = find(strata, op, c);
      const k = find(keystone, op, c);
      const x = ratio(s, k);
      rows.push(`| ${op} | ${c} | ${fmtRate(s)} | ${keystone ? fmtRate(k) : '—'} | ${x === undefined ? '—' : `${x >= 10 ? Math.round(x) : x.toFixed(1)}×`} | ${fmtLat(s)} | ${keystone ? fmtLat(k) : '—'} |`);
    }
  }
  const target = (op: OpName, times: number) => {
    const per = CONCURRENCY.map((c) => ratio(find(strata, op, c), find(keystone, op, c)));
    if (!keystone || per.some((x) => x === undefined)) return `${op} ≥ ${times}× Keystone — not judged (no error-free Keystone figure)`;
    const met = per.every((x) => x! >= times);
    return `${op} ≥ ${times}× Keystone — ${met ? 'met' : '**missed**'} (${per.map((x, i) => `c=${CONCURRENCY[i]}: ${x!.toFixed(1)}×`).join(', ')})`;
  };
  const errors = [strata, keystone]
    .filter((r): r is LoadReport => !!r)
    .flatMap((rep) => rep.results.filter((r) => r.errors > 0).map((r) => `${rep === strata ? 'Strata' : 'Keystone'} ${r.op} c=${r.concurrency}: ${r.errorSamples.join(' | ')}`));
  const memRatio = strata.memory && keystone?.memory ? `; Strata / Keystone PSS ${(strata.memory.peakPssMiB / keystone.memory.peakPssMiB).toFixed(1)}×` : '';
  return `## Identity: Strata beside Keystone — \`npm run bench:identity\`

${new Date().toISOString().slice(0, 10)}, commit ${commit()}; ${machine()}; ${loads}.
Each figure: ${SECONDS} s after a ${WARMUP} s warm-up, c concurrent clients in one Node process on the same machine; the two servers run one after the other, never together. ${keystoneNote}

| test | c | Strata ops/s | Keystone ops/s | Strata / Keystone | Strata p50 / p99 ms | Keystone p50 / p99 ms |
|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Token issue = POST /v3/auth/tokens (password, project-scoped, catalog in the body); token validate = GET /v3/auth/tokens with the admin token and X-Subject-Token cycling over up to 200 issued tokens; project list = GET /v3/projects as admin (${plural(strata.projectsListed, 'project')} on Strata${keystone ? `, ${keystone.projectsListed} on Keystone` : ''}). A figure counts only with 0 errors${errors.length ? `; errors: ${errors.join('; ')}` : ' (none this run)'}.

- Strata: ${setups.strata}.
- Keystone: ${setups.keystone}.
- Peak memory during the run, summed over the server's process tree (Strata: Node and its embedded PostgreSQL with its backends; Keystone: the uwsgi master, worker and HTTP router): ${memoryLine('Strata', strata)}; ${memoryLine('Keystone', keystone)}${memRatio}.
- Password hash, Strata: ${hashes.strata}.
- Password hash, Keystone: ${hashes.keystone}.

Targets: ${target('token validate', 20)}; ${target('token issue', 5)}.`;
}

async function main() {
  log('password hash cost (Strata, in process)…');
  const strataHash = await strataHashCost();
  log(`  ${strataHash}`);

  const base = { duration: SECONDS, warmup: WARMUP, concurrency: CONCURRENCY, log };
  const loads: string[] = [];
  const load = () => os.loadavg()[0].toFixed(1);

  log(`starting Strata on 127.0.0.1:${STRATA_PORT}…`);
  const strataServer = await startStrata({ port: STRATA_PORT, password: STRATA_PASSWORD, dir: `/tmp/strata-bench-identity-${STRATA_PORT}`, ownDir: true, readyPath: '/identity/v3', log });
  let strata: LoadReport;
  try {
    loads.push(`1-min load average before Strata ${load()}`);
    strata = await runIdentityLoad({ ...base, url: `${strataServer.base}/identity/v3`, user: 'admin', password: STRATA_PASSWORD, project: 'admin', domain: 'Default', keepAlive: true, pid: strataServer.pid });
  } finally {
    await strataServer.stop();
  }
  const strataSetup = `\`strata start\` all-in-one (API, projector and conductor in one Node ${process.version} process, embedded PostgreSQL, in-process bus), fresh data dir, HTTP keep-alive`;

  let keystone: LoadReport | null = null;
  let keystoneNote = '';
  let keystoneSetup = 'not measured';
  let keystoneHash = 'not measured';
  if (process.env.BENCH_KEYSTONE === '0') {
    keystoneNote = 'Keystone: not measured — skipped (BENCH_KEYSTONE=0).';
  } else {
    let side: KeystoneSide | undefined;
    try {
      side = startKeystone();
      keystoneSetup = side.setup;
      await waitHttp(`${KEYSTONE_URL}/`, 60);
      loads.push(`before Keystone ${load()}`);
      keystone = await runIdentityLoad({ ...base, ...side.options });
      keystoneHash = keystoneHashCost(side.options.user, side.options.password);
    } catch (e) {
      keystoneNote = `Keystone: not measured — ${(e as Error).message.split('\n')[0]}.`;
      log(keystoneNote);
    } finally {
      side?.stop();
    }
  }

  const markdown = section(strata, keystone, keystoneNote, { strata: strataHash, keystone: keystoneHash }, { strata: strataSetup, keystone: keystoneSetup }, loads.join(', '));
  writeSection('identity', markdown);
  console.log(markdown);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
