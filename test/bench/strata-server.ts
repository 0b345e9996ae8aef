/*
 * The benches' own Strata: `bin/strata start` all-in-one (API, projector and conductor in one Node
 * process, embedded PostgreSQL, in-process bus) on 127.0.0.1:<port> with a fresh data dir, waited for
 * over HTTP and stopped again; plus the small process and HTTP helpers the benches share.
 * BENCH_CPU_PROF=<dir>: Strata runs with `node --cpu-prof` and writes its CPU profile there when it stops.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = path.resolve(__dirname, '../..');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid in a pid file, when that process is alive. */
export function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Every file called `name` below `dir`, at any depth. */
export function findFiles(dir: string, name: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => path.basename(f) === name).map((f) => path.join(dir, f));
}

export interface WaitOptions {
  /** Fails at once when this child exits before the URL answers. */
  child?: ChildProcess;
  /** Which status counts as an answer; default: 2xx. */
  accept?: (status: number) => boolean;
}

/** Polls `url` every 250 ms until it answers with an accepted status, for at most `seconds`. */
export async function waitHttp(url: string, seconds: number, { child, accept = (s) => s >= 200 && s < 300 }: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before answering on ${url}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (accept(r.status)) return;
    } catch {
      /* not yet */
    }
    await sleep(250);
  }
  throw new Error(`no answer on ${url} within ${seconds} s`);
}

export interface StrataOptions {
  port: number;
  /** STRATA_ADMIN_PASSWORD: the password of the bootstrap admin (project admin, domain Default). */
  password: string;
  /** Holds the data dir and the log; made traversable (0711) for the embedded PostgreSQL, which runs unprivileged when we are root. */
  dir: string;
  /** The dir is the server's alone: emptied before the start and removed after the stop. Otherwise only the data dir is made fresh and the dir is left to its owner. */
  ownDir?: boolean;
  /** STRATA_DATA_DIR; default `<dir>/data`; made fresh (removed and created) before the start. */
  dataDir?: string;
  /** Strata's stdout and stderr; default `<dir>/log`. */
  logFile?: string;
  /** Path polled until Strata answers, e.g. `/identity/v3`. */
  readyPath: string;
  /** Which status of readyPath counts as ready; default: 2xx. */
  readyStatus?: (status: number) => boolean;
  /** How long Strata may take to answer on readyPath, in seconds; default 180. */
  startSeconds?: number;
  log?: (line: string) => void;
}

export interface StrataServer {
  child: ChildProcess;
  /** Pid of the Node process: the root of the server's process tree. */
  pid: number;
  dir: string;
  dataDir: string;
  logFile: string;
  /** http://127.0.0.1:<port> */
  base: string;
  /** The last `lines` lines of Strata's log. */
  logTail(lines: number): string;
  /** SIGTERM, SIGKILL after 30 s; then a leftover embedded PostgreSQL by its postmaster.pid; then the dir when it is the server's own. */
  stop(): Promise<void>;
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Starts `bin/strata start` all-in-one and waits until it answers on readyPath; on failure stops it and throws with the end of its log. */
export async function startStrata(options: StrataOptions): Promise<StrataServer> {
  const { port, password, dir, ownDir = false, readyPath, readyStatus, startSeconds = 180, log = (line: string) => console.error(line) } = options;
  const dataDir = options.dataDir ?? path.join(dir, 'data');
  const logFile = options.logFile ?? path.join(dir, 'log');
  if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  fs.chmodSync(dir, 0o711);
  const logFd = fs.openSync(logFile, 'w');
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, STRATA_PORT: String(port), STRATA_HOST: '127.0.0.1', STRATA_DATA_DIR: dataDir, STRATA_ADMIN_PASSWORD: password, STRATA_PUBLIC_URL: base };
  for (const v of ['DATABASE_URL', 'NATS_URL', 'EVENTSTORE_URL']) delete env[v]; // the all-in-one defaults
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, path.join(ROOT, 'bin/strata'), 'start'], { cwd: ROOT, env, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);

  const logTail = (lines: number) => {
    try {
      return fs.readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch (e) {
      return `(no log: ${(e as Error).message})`;
    }
  };
  const stop = async () => {
    if (running(child)) {
      const t0 = performance.now();
      child.kill('SIGTERM');
      for (let i = 0; i < 120 && running(child); i++) await sleep(250);
      if (running(child)) {
        log('Strata did not stop within 30 s of SIGTERM; SIGKILL');
        child.kill('SIGKILL');
      } else log(`Strata stopped ${((performance.now() - t0) / 1000).toFixed(1)} s after SIGTERM`);
    }
    // The embedded PostgreSQL is detached; if Strata died without stopping it, stop it by its own pid file.
    for (const pidfile of findFiles(dataDir, 'postmaster.pid')) {
      const pid = Number(fs.readFileSync(pidfile, 'utf8').split('\n')[0]);
      if (pid > 0 && alive(pid)) {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 40 && alive(pid); i++) await sleep(250);
      }
    }
    if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitHttp(`${base}${readyPath}`, startSeconds, { child, accept: readyStatus });
  } catch (e) {
    const tail = logTail(20);
    await stop();
    throw new Error(`Strata did not start: ${(e as Error).message}\n${tail}`);
  }
  return { child, pid: child.pid!, dir, dataDir, logFile, base, logTail, stop };
}
