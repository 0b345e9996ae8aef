/*
 * npm run bench:image — upload and download MB/s of a large image through Strata's Glance v2 API
 * beside a plain `cp` + `sync` of the same file on the same disk, with the server's peak memory.
 *
 * One random (incompressible) file is written once under the bench dir, on the filesystem that also
 * holds Strata's data dir. Then, BENCH_RUNS times, interleaved so a disk that speeds up or slows down
 * over the run weighs on all three alike: `cp --reflink=never` of the file + `sync` of the copy; an
 * upload (PUT /image/v2/images/{id}/file, the file streamed from disk with Content-Length, timed to the
 * response: Strata fsyncs before it answers); a download (GET …/file, discarded, timed to the last
 * byte). Medians are reported. One more, untimed download checks that the bytes' SHA-512 is the
 * image's os_hash_value. Nothing is dropped from the page cache (no root tricks): the file is warm.
 * Memory of the Strata process tree (Node + embedded PostgreSQL) is sampled during uploads and during
 * downloads; peaks (VmHWM) are reset through /proc/<pid>/clear_refs before each phase.
 *
 * env: BENCH_IMAGE_MIB (1024) BENCH_RUNS (3) STRATA_BENCH_PORT (18091) STRATA_BENCH_PASSWORD (secret)
 *      BENCH_DIR (/tmp/strata-bench-image-<port>: the file, the copies and Strata's data dir)
 *      BENCH_GLANCE=1 also measures the Glance anchor (http://127.0.0.1:9292, Keystone
 *        http://127.0.0.1:5000/v3, admin/secret, project admin; brought up by ../shared/anchors/glance-up.sh
 *        if it does not answer); GLANCE_URL KEYSTONE_URL KEYSTONE_USER KEYSTONE_PASSWORD KEYSTONE_PROJECT
 *        ANCHORS_DIR (../shared/anchors)
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { commit, descendants, machine, writeSection } from './bench-report';
import { MemoryPeak, MemorySampler } from './identity-load';
import { readPid, sleep, startStrata, waitHttp } from './strata-server';

const ROOT = path.resolve(__dirname, '../..');
const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.BENCH_IMAGE_MIB ?? 1024);
const SIZE = SIZE_MIB * MIB;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const STRATA_PORT = Number(process.env.STRATA_BENCH_PORT ?? 18091);
const STRATA_PASSWORD = process.env.STRATA_BENCH_PASSWORD ?? 'secret';
const DIR = process.env.BENCH_DIR ?? `/tmp/strata-bench-image-${STRATA_PORT}`;
const SOURCE = path.join(DIR, 'source.img');
const COPY = path.join(DIR, 'copy.img');
const DATA_DIR = path.join(DIR, 'data');
const GLANCE = process.env.BENCH_GLANCE === '1';
const GLANCE_URL = (process.env.GLANCE_URL ?? 'http://127.0.0.1:9292').replace(/\/+$/, '');
const KEYSTONE_URL = (process.env.KEYSTONE_URL ?? 'http://127.0.0.1:5000/v3').replace(/\/+$/, '');
const ANCHORS_DIR = process.env.ANCHORS_DIR ?? path.resolve(ROOT, '../shared/anchors');
const GLANCE_PIDFILE = '/run/glance-anchor.pid';
/** Client read size: the blob store's own chunk, so the client spends little CPU on the 2 cores it shares. */
const CLIENT_CHUNK = MIB;
const TARGET = 0.7;

const log = (line: string) => console.error(line);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error || `exit ${r.status}`}`);
}

// ---- the file and the baseline ----

/** Random bytes, 1 MiB at a time, fsynced; returns the SHA-512 hex. */
function writeSource(): string {
  const hash = createHash('sha512');
  const chunk = Buffer.allocUnsafe(MIB);
  const fd = fs.openSync(SOURCE, 'w', 0o644);
  try {
    for (let written = 0; written < SIZE; written += MIB) {
      randomFillSync(chunk);
      hash.update(chunk);
      fs.writeSync(fd, chunk);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function filesystemOf(file: string): string {
  const r = spawnSync('findmnt', ['-no', 'SOURCE,FSTYPE', '-T', file], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/\s+/, ' ') : 'unknown filesystem';
}

/** Everything dirty reaches the disk before a measurement, so no run pays for another's writeback. */
function quiesce(): void {
  fs.rmSync(COPY, { force: true });
  run('sync', []);
}

function copyOnce(): number {
  quiesce();
  const t0 = performance.now();
  run('cp', ['--reflink=never', SOURCE, COPY]);
  run('sync', [COPY]);
  return (performance.now() - t0) / 1000;
}

// ---- HTTP ----

interface GlanceSide {
  name: string;
  /** Base of the Glance v2 API, e.g. http://127.0.0.1:18091/image/v2 */
  images: string;
  token: string;
  /** Root of the server's process tree. */
  pid: number;
}

async function issueToken(keystone: string, user: string, password: string, project: string): Promise<string> {
  const body = { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } }, scope: { project: { name: project, domain: { name: 'Default' } } } } };
  const r = await fetch(`${keystone}/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const token = r.headers.get('x-subject-token');
  if (r.status !== 201 || !token) throw new Error(`POST ${keystone}/auth/tokens: HTTP ${r.status} ${(await r.text()).slice(0, 200)}`);
  return token;
}

async function json<T>(side: GlanceSide, method: string, suffix: string, body?: unknown): Promise<T> {
  const r = await fetch(`${side.images}${suffix}`, {
    method,
    headers: { 'X-Auth-Token': side.token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${side.images}${suffix}: HTTP ${r.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface ImageView {
  id: string;
  status: string;
  size: number | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
}

const createImage = (side: GlanceSide, name: string) => json<ImageView>(side, 'POST', '/images', { name, disk_format: 'raw', container_format: 'bare' });

/** Streams the file into PUT …/file; seconds from the first byte sent to the response (204). */
function uploadOnce(side: GlanceSide, imageId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(SIZE), 'X-Auth-Token': side.token };
    const t0 = performance.now();
    const req = http.request(`${side.images}/images/${imageId}/file`, { method: 'PUT', headers }, (res) => {
      const seconds = (performance.now() - t0) / 1000;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (res.statusCode === 204 ? resolve(seconds) : reject(new Error(`PUT …/images/${imageId}/file: HTTP ${res.statusCode} ${text.slice(0, 200)}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    const source = fs.createReadStream(SOURCE, { highWaterMark: CLIENT_CHUNK });
    source.on('error', (e) => req.destroy(e));
    source.pipe(req);
  });
}

/** GET …/file, bytes discarded (hashed when asked); seconds from the request to the last byte. */
function downloadOnce(side: GlanceSide, imageId: string, hash = false): Promise<{ seconds: number; bytes: number; sha512?: string }> {
  return new Promise((resolve, reject) => {
    const digest = hash ? createHash('sha512') : undefined;
    const t0 = performance.now();
    const req = http.request(`${side.images}/images/${imageId}/file`, { method: 'GET', headers: { 'X-Auth-Token': side.token } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`GET …/images/${imageId}/file: HTTP ${res.statusCode}`));
      }
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        digest?.update(c);
      });
      res.on('end', () => resolve({ seconds: (performance.now() - t0) / 1000, bytes, sha512: digest?.digest('hex') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

// ---- memory ----

/** Resets VmHWM of the tree (clear_refs 5), so the next peak is this phase's; false when refused. */
function resetPeaks(pid: number): boolean {
  let ok = true;
  for (const p of descendants(pid)) {
    try {
      fs.writeFileSync(`/proc/${p}/clear_refs`, '5');
    } catch {
      ok = false;
    }
  }
  return ok;
}

function vmHwmMiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

interface PhaseMemory {
  tree: MemoryPeak | null;
  /** VmHWM of the root process (Strata: the Node process; Glance: the parent glance-api) over the phase. */
  rootHwmMiB: number;
  reset: boolean;
  /** CPU seconds over the phase (user + system): the server's process tree, this client, and the whole machine. */
  cpu: { server: number; client: number; machine: number; wall: number };
}

const TICK = 1 / 100; // USER_HZ on Linux

/** utime + stime of each process of the tree, in seconds (all its threads: libuv's pool included). */
function treeCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of descendants(pid)) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(p, (Number(fields[11]) + Number(fields[12])) * TICK);
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Busy CPU seconds of the whole machine since boot (all cores; idle and iowait excluded). */
function machineBusy(): number {
  const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  return (user + nice + system + irq + softirq + steal) * TICK;
}

async function duringPhase<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; memory: PhaseMemory }> {
  const reset = resetPeaks(pid);
  const sampler = new MemorySampler({ pid }).start(200);
  const before = { server: treeCpu(pid), client: process.cpuUsage(), machine: machineBusy(), at: performance.now() };
  try {
    const result = await work();
    const server = [...treeCpu(pid)].reduce((sum, [p, t]) => sum + t - (before.server.get(p) ?? 0), 0);
    const client = process.cpuUsage(before.client);
    const cpu = { server, client: (client.user + client.system) / 1e6, machine: machineBusy() - before.machine, wall: (performance.now() - before.at) / 1000 };
    return { result, memory: { tree: sampler.stop(), rootHwmMiB: vmHwmMiB(pid), reset, cpu } };
  } finally {
    sampler.stop();
  }
}

const cpuLog = ({ cpu }: PhaseMemory) => `CPU s: server ${cpu.server.toFixed(2)}, client ${cpu.client.toFixed(2)}, machine ${cpu.machine.toFixed(2)} of ${(cpu.wall * os.cpus().length).toFixed(2)}`;

async function idleMemory(pid: number): Promise<MemoryPeak | null> {
  const sampler = new MemorySampler({ pid }).start(200);
  await sleep(1000);
  return sampler.stop();
}

// ---- one side: uploads, downloads, check ----

interface SideResult {
  name: string;
  upload: number[];
  download: number[];
  idle: MemoryPeak | null;
  uploadMemory: PhaseMemory[];
  downloadMemory: PhaseMemory[];
  check: string;
}

/** `created` collects the ids of the images made, for a clean-up even when a run fails. */
async function measure(side: GlanceSide, sha512: string, copies: number[] | null, created: string[] = []): Promise<SideResult> {
  const result: SideResult = { name: side.name, upload: [], download: [], idle: await idleMemory(side.pid), uploadMemory: [], downloadMemory: [], check: '' };
  let last: ImageView | undefined;
  for (let i = 0; i < RUNS; i++) {
    if (copies) {
      const s = copyOnce();
      copies.push(s);
      log(`  run ${i + 1}: cp + sync ${s.toFixed(2)} s, ${mbps(SIZE, s).toFixed(0)} MB/s`);
    }
    const image = await createImage(side, `bench-image-${i + 1}`);
    created.push(image.id);
    quiesce();
    const up = await duringPhase(side.pid, () => uploadOnce(side, image.id));
    result.upload.push(up.result);
    result.uploadMemory.push(up.memory);
    log(`  run ${i + 1}: ${side.name} upload ${up.result.toFixed(2)} s, ${mbps(SIZE, up.result).toFixed(0)} MB/s; tree PSS peak ${up.memory.tree?.peakPssMiB.toFixed(0)} MiB, root VmHWM ${up.memory.rootHwmMiB.toFixed(0)} MiB; ${cpuLog(up.memory)}`);
    last = await json<ImageView>(side, 'GET', `/images/${image.id}`);
    if (last.status !== 'active' || Number(last.size) !== SIZE) throw new Error(`${side.name}: image ${image.id} is ${last.status}, size ${last.size} after the upload`);
    quiesce();
    const down = await duringPhase(side.pid, () => downloadOnce(side, image.id));
    if (down.result.bytes !== SIZE) throw new Error(`${side.name}: downloaded ${down.result.bytes} bytes of ${SIZE}`);
    result.download.push(down.result.seconds);
    result.downloadMemory.push(down.memory);
    log(`  run ${i + 1}: ${side.name} download ${down.result.seconds.toFixed(2)} s, ${mbps(SIZE, down.result.seconds).toFixed(0)} MB/s; tree PSS peak ${down.memory.tree?.peakPssMiB.toFixed(0)} MiB, root VmHWM ${down.memory.rootHwmMiB.toFixed(0)} MiB; ${cpuLog(down.memory)}`);
  }
  const verify = await downloadOnce(side, last!.id, true);
  const ok = last!.os_hash_algo === 'sha512' && last!.os_hash_value === sha512 && verify.sha512 === sha512;
  if (!ok) throw new Error(`${side.name}: SHA-512 mismatch: file ${sha512.slice(0, 16)}…, os_hash_value ${String(last!.os_hash_value).slice(0, 16)}…, downloaded ${verify.sha512?.slice(0, 16)}…`);
  result.check = `SHA-512 of the downloaded bytes = os_hash_value = the file's (${sha512.slice(0, 12)}…)`;
  log(`  ${side.name}: ${result.check}`);
  return result;
}

// ---- Glance anchor (optional) ----

async function glanceSide(): Promise<{ side: GlanceSide; setup: string; stop(): void }> {
  let started = false;
  try {
    await waitHttp(`${GLANCE_URL}/`, 2, { accept: (status) => status < 500 });
  } catch {
    log('Glance does not answer; bringing up the anchor (glance-up.sh)…');
    const up = spawnSync('bash', [path.join(ANCHORS_DIR, 'glance-up.sh')], { encoding: 'utf8', timeout: 20 * 60_000 });
    if (up.status !== 0) throw new Error(`glance-up.sh failed: ${`${up.stdout}${up.stderr}`.trim().split('\n').slice(-3).join(' / ')}`);
    started = true;
  }
  const pid = readPid(GLANCE_PIDFILE);
  if (pid === undefined) throw new Error(`no live pid in ${GLANCE_PIDFILE}`);
  const token = await issueToken(KEYSTONE_URL, process.env.KEYSTONE_USER ?? 'admin', process.env.KEYSTONE_PASSWORD ?? 'secret', process.env.KEYSTONE_PROJECT ?? 'admin');
  const version = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'glance-api'], { encoding: 'utf8' }).stdout || 'unknown version';
  const conf = fs.existsSync('/etc/glance/glance-api.conf') ? fs.readFileSync('/etc/glance/glance-api.conf', 'utf8') : '';
  const workers = /^\s*workers\s*=\s*(\d+)/m.exec(conf)?.[1] ?? '?';
  const store = /^\s*filesystem_store_datadir\s*=\s*(\S+)/m.exec(conf)?.[1] ?? '/var/lib/glance/images/';
  const setup = `Glance ${version} (Debian 12, Zed), the anchor of ../shared/anchors/glance-up.sh: eventlet \`glance-api\`, ${workers} workers, file store ${store} (${filesystemOf(store)}), MariaDB, Keystone auth`;
  return {
    side: { name: 'Glance', images: `${GLANCE_URL}/v2`, token, pid },
    setup,
    stop: () => {
      if (!started) return log('leaving the Glance anchor running, as it was before this run');
      const down = spawnSync('bash', [path.join(ANCHORS_DIR, 'glance-down.sh')], { encoding: 'utf8' });
      log(`${down.stdout}${down.stderr}`.trim());
    },
  };
}

// ---- the report ----

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1));
const mib = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '—' : Math.round(x).toLocaleString('en'));
const peakOf = (phases: PhaseMemory[], f: (m: PhaseMemory) => number | undefined) => Math.max(...phases.map((m) => f(m) ?? NaN));

function rows(r: SideResult, cpMbps: number): string[] {
  const line = (what: string, seconds: number[], memory: PhaseMemory[]) => {
    const rate = mbps(SIZE, median(seconds));
    const pss = peakOf(memory, (m) => m.tree?.peakPssMiB);
    const rss = peakOf(memory, (m) => m.tree?.peakRssMiB);
    const hwm = peakOf(memory, (m) => m.rootHwmMiB);
    return `| ${r.name} ${what} | ${fmt(rate)} | ${seconds.map((s) => fmt(mbps(SIZE, s))).join(', ')} | ${(rate / cpMbps).toFixed(2)} | ${mib(pss)} (${mib(rss)}) | ${mib(hwm)} |`;
  };
  return [line('upload', r.upload, r.uploadMemory), line('download', r.download, r.downloadMemory)];
}

function memoryNote(r: SideResult): string {
  const idle = r.idle?.peakPssMiB;
  const up = peakOf(r.uploadMemory, (m) => m.tree?.peakPssMiB);
  const down = peakOf(r.downloadMemory, (m) => m.tree?.peakPssMiB);
  const delta = (x: number) => (idle === undefined ? '' : ` (${x - idle >= 0 ? '+' : ''}${mib(x - idle)} MiB)`);
  const processes = Math.max(...[...r.uploadMemory, ...r.downloadMemory].map((m) => m.tree?.processes ?? 0));
  const reset = [...r.uploadMemory, ...r.downloadMemory].every((m) => m.reset) ? 'reset before each phase' : '**not reset** (clear_refs refused), so since process start';
  return `${r.name}: PSS of the process tree idle ${mib(idle)} MiB → peak ${mib(up)} MiB during uploads${delta(up)}, ${mib(down)} MiB during downloads${delta(down)}, over ${processes} processes; VmHWM ${reset}`;
}

function cpuNote(r: SideResult): string {
  const one = (what: string, phases: PhaseMemory[]) => {
    const m = (f: (c: PhaseMemory['cpu']) => number) => median(phases.map((p) => f(p.cpu)));
    const server = m((c) => c.server);
    const client = m((c) => c.client);
    const machine = m((c) => c.machine);
    const available = m((c) => c.wall) * os.cpus().length;
    return `${what} server ${server.toFixed(1)} s, client ${client.toFixed(1)} s, everything else ${Math.max(0, machine - server - client).toFixed(1)} s; machine ${((100 * machine) / available).toFixed(0)} % busy`;
  };
  return `${r.name}: ${one('upload', r.uploadMemory)}; ${one('download', r.downloadMemory)}`;
}

function target(name: string, rate: number, cp: number): string {
  const x = rate / cp;
  return `${name} ≥ ${TARGET} × cp — ${x >= TARGET ? 'met' : '**missed**'} (${x.toFixed(2)})`;
}

function section(copies: number[], strata: SideResult, glance: SideResult | null, glanceNote: string, setup: { fs: string; strata: string; glance: string; load: string }): string {
  const cpMbps = mbps(SIZE, median(copies));
  const size = SIZE_MIB % 1024 === 0 ? `${SIZE_MIB / 1024} GiB` : `${SIZE_MIB} MiB`;
  const sUp = mbps(SIZE, median(strata.upload));
  const sDown = mbps(SIZE, median(strata.download));
  const table = [
    '| measurement | MB/s (median) | each run, MB/s | / cp | peak PSS of the server tree, MiB (ΣRSS) | root process VmHWM, MiB |',
    '|---|---:|---:|---:|---:|---:|',
    `| \`cp\` + \`sync\` | ${fmt(cpMbps)} | ${copies.map((s) => fmt(mbps(SIZE, s))).join(', ')} | 1.00 | — | — |`,
    ...rows(strata, cpMbps),
    ...(glance ? rows(glance, cpMbps) : []),
  ];
  return `## Image: upload and download of a ${size} image beside \`cp\` — \`npm run bench:image\`

${new Date().toISOString().slice(0, 10)}, commit ${commit()}; ${machine()}; ${setup.load}.
One random (incompressible) ${size} file (${SIZE.toLocaleString('en')} bytes) on ${setup.fs}, the filesystem of Strata's data dir too; MB/s = 10⁶ bytes/s, median of ${RUNS} runs, cp / upload / download interleaved run by run. The page cache is warm: nothing is dropped, the file stays cached (${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM) and so does each image just uploaded; a \`sync\` before every measurement flushes what earlier ones left dirty.

${table.join('\n')}

- \`cp\` + \`sync\`: \`cp --reflink=never\` of the file to a new file in the same directory, then \`sync\` of the copy (its fsync), timed together.
- Upload: PUT /image/v2/images/{id}/file, \`Content-Type: application/octet-stream\` with Content-Length, the file streamed from disk by Node's http client (\`fs.createReadStream\` piped to the request, ${CLIENT_CHUNK / MIB} MiB reads, no buffering), timed from the request to the 204 (Strata answers after the fsync, the rename into place and the image turning active); a new image each run.
- Download: GET …/file, every byte read and discarded, timed from the request to the last byte. ${strata.check}${glance ? `; Glance: ${glance.check}` : ''}.
- Client and server share the machine's ${os.cpus().length} cores; one transfer at a time, HTTP/1.1 over loopback.
- Strata: ${setup.strata}.
- Glance: ${glance ? setup.glance : glanceNote}.
- Memory, sampled every 200 ms during each transfer (PSS splits shared pages between the processes sharing them; ΣRSS counts them once per process): ${memoryNote(strata)}${glance ? `; ${memoryNote(glance)}` : ''}. The image is ${size}: a peak that stays this far below it means the bytes are streamed, not held.
- CPU per transfer (median, user + system, from /proc; the server is its whole process tree, "everything else" is the rest of the machine: kernel writeback threads, other processes): ${cpuNote(strata)}${glance ? `; ${cpuNote(glance)}` : ''}.

Targets: ${target('upload', sUp, cpMbps)}; ${target('download', sDown, cpMbps)}.`;
}

async function main() {
  if (!Number.isInteger(SIZE_MIB) || SIZE_MIB < 1) throw new Error('BENCH_IMAGE_MIB: a positive integer');
  if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('BENCH_RUNS: a positive integer');
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  try {
    log(`writing ${SIZE_MIB} MiB of random bytes to ${SOURCE}…`);
    const t0 = performance.now();
    const sha512 = writeSource();
    log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s, sha512 ${sha512.slice(0, 16)}…`);

    log(`starting Strata on 127.0.0.1:${STRATA_PORT} (data dir ${DATA_DIR})…`);
    const server = await startStrata({ port: STRATA_PORT, password: STRATA_PASSWORD, dir: DIR, dataDir: DATA_DIR, logFile: path.join(DIR, 'strata.log'), readyPath: '/image/v2/', readyStatus: (status) => status < 500, log });
    if (fs.statSync(DATA_DIR).dev !== fs.statSync(SOURCE).dev) throw new Error(`${SOURCE} and ${DATA_DIR} are on different filesystems`);
    const fsName = filesystemOf(SOURCE);
    const load = `1-min load average before Strata ${os.loadavg()[0].toFixed(1)}`;
    const copies: number[] = [];
    let strata: SideResult;
    try {
      const token = await issueToken(`${server.base}/identity/v3`, 'admin', STRATA_PASSWORD, 'admin');
      strata = await measure({ name: 'Strata', images: `${server.base}/image/v2`, token, pid: server.pid }, sha512, copies);
    } catch (e) {
      const exit = server.child.exitCode ?? server.child.signalCode;
      throw new Error(`${(e as Error).message}\nStrata ${exit === null ? 'still running' : `exited (${exit})`}; the end of its log:\n${server.logTail(30)}`);
    } finally {
      await server.stop();
    }
    const strataSetup = `\`strata start\` all-in-one (Node ${process.version}, embedded PostgreSQL, in-process bus), fresh data dir, image bytes in the filesystem blob store (infra/blob/filesystem-blob-store.ts) under the data dir`;

    let glance: SideResult | null = null;
    let glanceNote = 'not measured (BENCH_GLANCE=1 measures the anchor)';
    let glanceSetup = '';
    let loads = load;
    if (GLANCE) {
      let g: Awaited<ReturnType<typeof glanceSide>> | undefined;
      const created: string[] = [];
      try {
        g = await glanceSide();
        glanceSetup = g.setup;
        loads += `, before Glance ${os.loadavg()[0].toFixed(1)}`;
        glance = await measure(g.side, sha512, null, created);
      } catch (e) {
        glanceNote = `not measured — ${(e as Error).message.split('\n')[0]}`;
        log(`Glance: ${glanceNote}`);
      } finally {
        for (const id of created) await json(g!.side, 'DELETE', `/images/${id}`).catch((e) => log(`  could not delete Glance image ${id}: ${(e as Error).message}`));
        g?.stop();
      }
    }

    const markdown = section(copies, strata, glance, glanceNote, { fs: fsName, strata: strataSetup, glance: glanceSetup, load: loads });
    writeSection('image', markdown);
    console.log(markdown);
  } finally {
    fs.rmSync(DIR, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
