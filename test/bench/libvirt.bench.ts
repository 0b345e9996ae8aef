/*
 * npm run bench:libvirt — real guests: BENCH_BOOTS (10) servers booted one after another through
 * `strata start` with COMPUTE_DRIVER=libvirt on this machine's libvirtd, set against a plain
 * `virsh define && virsh start` of the same domain (the XML libvirt holds for a Strata guest, with a
 * new name, uuid, overlay and console log), on the same host.
 *
 * Per boot: POST /servers → the domain's lifecycle event "Started" (from `virsh event --loop
 * --timestamp`, running throughout) and → the server ACTIVE in the API (GET polled every 50 ms).
 * The image (an empty 64 MiB qcow2) is cached by one unmeasured boot first; every boot then makes
 * its qcow2 overlay on the cached base. The plain path is timed from `virsh define` to the return
 * of `virsh start`; its overlay is made beforehand and not timed (qemu-img create, reported apart).
 * Memory: VmHWM of the Strata Node process (API, conductor, projector and the compute agent are one
 * process in the all-in-one).
 *
 * env: BENCH_BOOTS (10) STRATA_BENCH_PORT (18093) STRATA_BENCH_PASSWORD (secret) BENCH_LIBVIRT_URI
 *      (qemu:///system) BENCH_DIR (/var/lib/strata-bench-libvirt) BENCH_WRITE=0 prints without writing BENCHMARKS.md
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { commit, machine, percentile, statusKiB, writeSection } from './bench-report';
import { sleep, startStrata } from './strata-server';

const BOOTS = Number(process.env.BENCH_BOOTS ?? 10);
const PORT = Number(process.env.STRATA_BENCH_PORT ?? 18093);
const PASSWORD = process.env.STRATA_BENCH_PASSWORD ?? 'secret';
const URI = process.env.BENCH_LIBVIRT_URI ?? 'qemu:///system';
const DIR = process.env.BENCH_DIR ?? '/var/lib/strata-bench-libvirt';
const HOST = 'bench-hv';
const TARGET_RATIO = 1.5;

const log = (line: string) => console.error(line);
const virsh = (...args: string[]) => execFileSync('virsh', ['-c', URI, ...args], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const ms = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** Wall-clock times (epoch ms) of each domain's "Started" lifecycle events, by domain name. */
class LifecycleEvents {
  readonly started = new Map<string, number[]>();
  private readonly child: ChildProcess;
  private buffer = '';

  constructor() {
    this.child = spawn('virsh', ['-c', URI, 'event', '--all', '--loop', '--timestamp'], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        // 2026-12-06 12:40:01.123+0000: event 'lifecycle' for domain 'instance-1a2b3c4d': Started Booted
        const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+)([+-]\d{4}): event 'lifecycle' for domain '([^']+)': Started/.exec(line);
        if (!m) continue;
        const at = Date.parse(`${m[1]}T${m[2]}${m[3].slice(0, 3)}:${m[3].slice(3)}`);
        const list = this.started.get(m[4]) ?? [];
        list.push(at);
        this.started.set(m[4], list);
      }
    });
  }

  async first(domain: string, after: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.started.get(domain)?.find((t) => t >= after - 5);
      if (at !== undefined) return at;
      if (Date.now() > deadline) throw new Error(`no Started event for ${domain} within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  stop(): void {
    this.child.kill();
  }
}

async function request(method: string, url: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(token ? { 'X-Auth-Token': token } : {}), ...(body !== undefined && !(body instanceof Buffer) ? { 'Content-Type': 'application/json' } : {}), 'OpenStack-API-Version': 'compute 2.93', ...headers },
    body: body === undefined ? undefined : body instanceof Buffer ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, json, text };
}

async function main() {
  fs.mkdirSync(DIR, { recursive: true });
  process.env.COMPUTE_DRIVER = 'libvirt';
  process.env.STRATA_COMPUTE_HOST = HOST;
  process.env.STRATA_LIBVIRT_URI = URI;
  process.env.STRATA_LIBVIRT_VIRT_TYPE ??= 'qemu'; // TCG unless told otherwise: a /dev/kvm may not run guests (nested)
  const loadBefore = os.loadavg()[0];
  log(`starting Strata on 127.0.0.1:${PORT} with COMPUTE_DRIVER=libvirt (${URI})…`);
  const server = await startStrata({ port: PORT, password: PASSWORD, dir: DIR, ownDir: true, logFile: path.join(DIR, 'strata.log'), readyPath: '/identity/v3', log });
  const events = new LifecycleEvents();
  const plainDir = path.join(DIR, 'plain');
  fs.mkdirSync(plainDir, { recursive: true });
  const made: string[] = [];
  try {
    const base = server.base;
    const auth = await request('POST', `${base}/identity/v3/auth/tokens`, null, {
      auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: PASSWORD } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } },
    });
    const token = auth.headers.get('x-subject-token')!;
    const compute = `${base}/compute/v2.1`;
    for (let i = 0; ; i++) {
      const r = await request('GET', `${compute}/os-hypervisors`, token);
      if (r.status === 200 && r.json.hypervisors.length >= 1) break;
      if (i > 240) throw new Error('the libvirt compute host did not register within 60 s');
      await sleep(250);
    }
    const qcow = path.join(DIR, 'empty.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', qcow, '64M']);
    const image = await request('POST', `${base}/image/v2/images`, token, { name: 'bench-empty', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' });
    await request('PUT', `${base}/image/v2/images/${image.json.id}/file`, token, fs.readFileSync(qcow), { 'Content-Type': 'application/octet-stream' });
    await request('POST', `${compute}/flavors`, token, { flavor: { name: 'bench.lv', vcpus: 1, ram: 128, disk: 1, id: 'bench-lv' } });

    const boot = async (name: string) => {
      const t0 = Date.now();
      const created = await request('POST', `${compute}/servers`, token, { server: { name, imageRef: image.json.id, flavorRef: 'bench-lv', networks: 'none' } });
      if (created.status !== 202) throw new Error(`POST /servers answered ${created.status}: ${created.text}`);
      const id: string = created.json.server.id;
      made.push(id);
      let active = 0;
      for (;;) {
        const s = await request('GET', `${compute}/servers/${id}`, token);
        if (s.json?.server?.status === 'ACTIVE') {
          active = Date.now();
          break;
        }
        if (s.json?.server?.status === 'ERROR') throw new Error(`server ${name} went to ERROR: ${JSON.stringify(s.json.server.fault)}`);
        if (Date.now() - t0 > 300_000) throw new Error(`server ${name} not ACTIVE within 300 s`);
        await sleep(50);
      }
      const domain = `instance-${id.slice(0, 8)}`;
      const running = await events.first(domain, t0, 60_000);
      return { id, domain, toRunning: running - t0, toActive: active - t0 };
    };
    const remove = async (id: string) => {
      await request('DELETE', `${compute}/servers/${id}`, token);
      for (let i = 0; i < 1200; i++) {
        const s = await request('GET', `${compute}/servers/${id}`, token);
        if (s.status === 404) return;
        await sleep(100);
      }
      throw new Error(`server ${id} not gone within 120 s`);
    };

    log('warm-up boot (fetches the image into the cache)…');
    const warm = await boot('bench-warm');
    log(`  create → running ${ms(warm.toRunning)} ms, → ACTIVE ${ms(warm.toActive)} ms`);
    const xml = virsh('dumpxml', warm.id);
    await remove(warm.id);

    const strata: { toRunning: number; toActive: number }[] = [];
    const plain: number[] = [];
    const overlays: number[] = [];
    const baseImage = /<backingStore type='file'>\s*<format type='(\w+)'\/>\s*<source file='([^']+)'/.exec(xml);
    for (let i = 0; i < BOOTS; i++) {
      const b = await boot(`bench-${i + 1}`);
      strata.push(b);
      log(`  boot ${i + 1}: create → running ${ms(b.toRunning)} ms, → ACTIVE ${ms(b.toActive)} ms`);
      await remove(b.id);

      // The same domain, by hand: new name, uuid, overlay and console log.
      const name = `plain-${i + 1}-${process.pid}`;
      const disk = path.join(plainDir, `${name}.qcow2`);
      const consoleLog = path.join(plainDir, `${name}.log`);
      const t = performance.now();
      if (baseImage) execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', baseImage[1], '-b', baseImage[2], disk, '1G']);
      else execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '1G']);
      overlays.push(performance.now() - t);
      const domainXml = xml
        .replace(/<name>[^<]*<\/name>/, `<name>${name}</name>`)
        .replace(/<uuid>[^<]*<\/uuid>/, '')
        .replace(/(<disk type='file' device='disk'>[\s\S]*?<source file=')[^']*(')/, `$1${disk}$2`)
        .replace(/<backingStore[\s\S]*?<\/backingStore>/, '')
        .replace(/(<(?:serial|console|log)[^>]*? (?:path|file)=')[^']*(')/g, `$1${consoleLog}$2`)
        .replace(/(<source path=')[^']*(')/g, `$1${consoleLog}$2`);
      const file = path.join(plainDir, `${name}.xml`);
      fs.writeFileSync(file, domainXml);
      const t1 = performance.now();
      virsh('define', file);
      virsh('start', name);
      plain.push(performance.now() - t1);
      log(`  plain ${i + 1}: virsh define && virsh start ${ms(plain[i])} ms`);
      virsh('destroy', name);
      virsh('undefine', name);
    }
    const hwm = statusKiB(server.pid, 'VmHWM');
    const rss = statusKiB(server.pid, 'VmRSS');
    const ratio = median(strata.map((s) => s.toRunning)) / median(plain);
    const activeRatio = median(strata.map((s) => s.toActive)) / median(plain);
    const rows = [
      `| create → domain running (Strata) | ${ms(median(strata.map((s) => s.toRunning)))} | ${strata.map((s) => ms(s.toRunning)).join(', ')} |`,
      `| create → ACTIVE in the API (Strata) | ${ms(median(strata.map((s) => s.toActive)))} | ${strata.map((s) => ms(s.toActive)).join(', ')} |`,
      `| \`virsh define && virsh start\` (plain) | ${ms(median(plain))} | ${plain.map(ms).join(', ')} |`,
      `| qemu-img overlay for the plain path (not in its time) | ${ms(median(overlays))} | ${overlays.map(ms).join(', ')} |`,
      `| first boot, image fetched into the cache: create → running / → ACTIVE | ${ms(warm.toRunning)} / ${ms(warm.toActive)} | |`,
    ];
    const markdown = [
      '## Compute with real guests: boots through libvirt beside plain virsh — `npm run bench:libvirt`',
      '',
      `${new Date().toISOString().slice(0, 10)}, commit ${commit()}; ${machine()}; 1-min load average before Strata ${loadBefore.toFixed(1)}; libvirt ${virsh('version').match(/Running hypervisor: (.*)/)?.[1] ?? '?'}, /dev/kvm ${fs.existsSync('/dev/kvm') ? 'present' : 'absent (TCG guests)'}.`,
      `${BOOTS} boots one after another of flavor bench.lv (1 vCPU, 128 MB, 1 GB) from an empty 64 MiB qcow2 image (SeaBIOS finds nothing to boot), \`networks: "none"\`; times in ms, median and each run.`,
      '',
      '| measurement | median | runs |',
      '|---|---:|---|',
      ...rows,
      '',
      `- Strata: \`strata start\` all-in-one with COMPUTE_DRIVER=libvirt (${URI}), STRATA_COMPUTE_HOST=${HOST}; "domain running" is the lifecycle event Started of \`virsh event --loop --timestamp\`, "ACTIVE" the first GET /servers/{id} (polled every 50 ms) that says so.`,
      `- Plain: the domain XML libvirt holds for a Strata guest (\`virsh dumpxml\`), with a new name, no uuid, its own overlay on the same cached base and its own console log, timed from \`virsh define\` to the return of \`virsh start\`.`,
      `- Memory: the Strata Node process (API, projector, conductor and the compute agent in one) VmHWM ${Math.round(hwm / 1024)} MiB, RSS at the end ${Math.round(rss / 1024)} MiB; the embedded PostgreSQL and the QEMU processes are not counted.`,
      '',
      `Target: create → running under ${TARGET_RATIO}× plain — ${ratio < TARGET_RATIO ? 'met' : '**missed**'} (${ratio.toFixed(2)}×); create → ACTIVE in the API, which adds the agent's report, the conductor's event and the read model, is ${activeRatio.toFixed(2)}× plain.`,
    ].join('\n');
    if (process.env.BENCH_WRITE !== '0') writeSection('libvirt', markdown);
    console.log(markdown);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nthe end of Strata's log:\n${server.logTail(30)}`);
  } finally {
    events.stop();
    await server.stop();
    for (const id of made) {
      try {
        virsh('destroy', id);
      } catch {
        /* not running */
      }
      try {
        virsh('undefine', id, '--managed-save');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(plainDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
