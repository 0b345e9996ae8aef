import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const STRATA_BIN = path.join(REPO_ROOT, 'bin/strata');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StrataProcess {
  child: ChildProcess;
  exited: Promise<Exit>;
  output(): string;
}

/** The environment of the test runner without any Strata setting, plus `env`: embedded mode unless told otherwise. */
export function strataEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(STRATA_|DATABASE_URL$|NATS_URL$|EVENTSTORE_URL$|COMPUTE_DRIVER$|VOLUME_DRIVER$)/.test(k)) continue;
    base[k] = v;
  }
  return { ...base, NO_COLOR: '1', ...env };
}

export function spawnStrata(args: string[], env: Record<string, string>): StrataProcess {
  const child = spawn(process.execPath, [STRATA_BIN, ...args], { cwd: os.tmpdir(), env: strataEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => out };
}

/** Runs a strata command to completion. */
export function runStrata(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [STRATA_BIN, ...args], { cwd: os.tmpdir(), env: strataEnv(env), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number | null; stdout: string; stderr: string };
    return { status: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Polls `probe` until it returns a value other than undefined; fails with `what` and the last error after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, context?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}${context ? `\n--- output ---\n${context()}` : ''}`);
}

/** Resolves with the exit, or rejects after `timeoutMs`. */
export function exitWithin(p: StrataProcess, timeoutMs: number): Promise<Exit> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.exited,
    new Promise<Exit>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`strata did not exit within ${timeoutMs} ms\n--- output ---\n${p.output()}`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A temporary data dir the `postgres` user can reach (embedded PostgreSQL runs as it when we are root). */
export function tempDataDir(): { root: string; dataDir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-e2e-'));
  fs.chmodSync(root, 0o755);
  return { root, dataDir: path.join(root, 'data') };
}

/** Processes whose command line names `dir` (ps), e.g. a postgres serving a cluster inside it. */
export function processesMentioning(dir: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(dir) && !line.includes(' ps -eo'));
}

export function postmasterPid(clusterDir: string): number | null {
  try {
    return Number(fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Last-resort cleanup so a failed test leaves no server behind. */
export async function killAll(p: StrataProcess | undefined, clusterDir: string | undefined): Promise<void> {
  if (p && p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
  const pid = clusterDir ? postmasterPid(clusterDir) : null;
  if (pid && isAlive(pid)) {
    process.kill(pid, 'SIGQUIT');
    await waitFor('postgres to exit', () => (isAlive(pid) ? undefined : true), 15_000).catch(() => undefined);
  }
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One GET without keep-alive, so no socket outlives the test. */
export function getJson(url: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json: unknown = text;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** /readyz once it answers 200; fails at once if strata exits first. */
export async function waitReady(baseUrl: string, p: StrataProcess, timeoutMs = 120_000): Promise<HttpAnswer> {
  let settled = false;
  const ready = waitFor(
    `${baseUrl}/readyz to answer 200`,
    async () => {
      const answer = await getJson(`${baseUrl}/readyz`);
      return answer.status === 200 ? answer : undefined;
    },
    timeoutMs,
    p.output,
  ).finally(() => (settled = true));
  const early = p.exited.then((exit) => {
    if (!settled) throw new Error(`strata exited before it was ready (${exit.code ?? exit.signal})\n--- output ---\n${p.output()}`);
    return undefined as never;
  });
  return Promise.race([ready, early]);
}
