import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestDatabase, TEST_NATS_URL, TestDatabase } from '../support/postgres';
import {
  exitWithin,
  freePort,
  getJson,
  isAlive,
  killAll,
  postmasterPid,
  processesMentioning,
  runStrata,
  spawnStrata,
  StrataProcess,
  tempDataDir,
  waitFor,
  waitReady,
} from './support/strata-process';

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('strata start (all-in-one, embedded PostgreSQL, in-process bus)', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  let port: number;
  let baseUrl: string;
  let strata: StrataProcess | undefined;
  let firstDeploymentId: string;
  const env = () => ({ STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port) });

  beforeAll(async () => {
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('becomes ready with the PostgreSQL store and the in-process bus', async () => {
    strata = spawnStrata(['start'], env());
    const ready = await waitReady(baseUrl, strata);
    expect(ready.json).toMatchObject({
      status: 'ready',
      store: { adapter: 'postgres', ok: true },
      bus: { adapter: 'in-process', ok: true },
      projections: expect.any(Array),
    });
    expect(ready.json.store.headPosition).toEqual(expect.any(String));
    expect(ready.json.deploymentId).toMatch(/^[0-9a-f-]{36}$/);
    firstDeploymentId = ready.json.deploymentId;
    expect(strata.output()).toContain(`data dir      ${dataDir}`);
  });

  it('answers liveness and lists the service prefixes at /', async () => {
    expect((await getJson(`${baseUrl}/healthz`)).json).toEqual({ status: 'ok' });
    const root = await getJson(`${baseUrl}/`);
    expect(root.status).toBe(200);
    // Only what this build serves; block storage, networking and object storage come with their issues.
    expect(root.json.services.map((s: { path: string }) => s.path)).toEqual(['/identity/v3', '/compute/v2.1', '/image']);
  });

  it('lets operator commands attach to the running embedded PostgreSQL', async () => {
    const shown = runStrata(['deployment', 'show'], env());
    expect(shown).toMatchObject({ status: 0 });
    expect(JSON.parse(shown.stdout).deploymentId).toBe(firstDeploymentId);
    expect((await getJson(`${baseUrl}/readyz`)).status).toBe(200);
  });

  it('puts a fresh x-openstack-request-id on every response, 404s included', async () => {
    const answers = await Promise.all([getJson(`${baseUrl}/readyz`), getJson(`${baseUrl}/healthz`), getJson(`${baseUrl}/no-such-path`)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 404]);
    const ids = answers.map((a) => a.headers['x-openstack-request-id']);
    for (const id of ids) expect(id).toMatch(REQUEST_ID);
    expect(new Set(ids).size).toBe(3);
  });

  it('writes admin-openrc.sh for the openstack CLI, readable by its owner only', () => {
    const openrc = path.join(dataDir, 'admin-openrc.sh');
    const text = fs.readFileSync(openrc, 'utf8');
    expect(text).toContain(`export OS_AUTH_URL='${baseUrl}/identity/v3'`);
    expect(text).toContain('export OS_USERNAME=admin');
    expect(text).toContain('export OS_PROJECT_NAME=admin');
    expect(text).toContain('export OS_IDENTITY_API_VERSION=3');
    expect(text).toMatch(/export OS_PASSWORD='.+'/);
    expect(fs.statSync(openrc).mode & 0o077).toBe(0);
    expect(fs.statSync(path.join(dataDir, 'admin-password')).mode & 0o777).toBe(0o600);
  });

  it('exits 0 on SIGINT and leaves no postgres process behind', async () => {
    const pgPid = postmasterPid(clusterDir);
    expect(pgPid).not.toBeNull();
    expect(processesMentioning(clusterDir).length).toBeGreaterThan(0);
    strata!.child.kill('SIGINT');
    const exit = await exitWithin(strata!, 60_000);
    expect({ ...exit, output: exit.code === 0 ? '' : strata!.output() }).toEqual({ code: 0, signal: null, output: '' });
    expect(isAlive(pgPid!)).toBe(false);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(fs.existsSync(path.join(clusterDir, 'postmaster.pid'))).toBe(false);
  });

  it('keeps its data across a restart: the same deployment, initialised once', async () => {
    strata = spawnStrata(['start'], env());
    const ready = await waitReady(baseUrl, strata);
    expect(ready.json.deploymentId).toBe(firstDeploymentId);
    // The generated password is printed on the first boot only.
    expect(strata.output()).not.toContain('admin password');

    strata.child.kill('SIGTERM');
    expect(await exitWithin(strata, 60_000)).toEqual({ code: 0, signal: null });

    const shown = runStrata(['deployment', 'show'], env());
    expect(shown).toMatchObject({ status: 0 });
    const deployment = JSON.parse(shown.stdout);
    expect(deployment.deploymentId).toBe(firstDeploymentId);
    expect(deployment.initialized).toHaveLength(1);
    expect(deployment.initialized[0].metadata).toMatchObject({
      requestId: expect.stringMatching(REQUEST_ID),
      correlationId: expect.any(String),
      causationId: expect.any(String),
      actor: { roles: ['system'] },
      occurredAt: expect.any(String),
      schemaVersion: 1,
    });
    expect(processesMentioning(dataDir)).toEqual([]);
  });

  it('starts after a crash that left its postgres running (stale postmaster.pid)', async () => {
    strata = spawnStrata(['start'], env());
    await waitReady(baseUrl, strata);
    const orphan = postmasterPid(clusterDir)!;
    strata.child.kill('SIGKILL');
    await strata.exited;
    expect(isAlive(orphan)).toBe(true);

    strata = spawnStrata(['start'], env());
    const ready = await waitReady(baseUrl, strata);
    expect(ready.json.deploymentId).toBe(firstDeploymentId);
    expect(isAlive(orphan)).toBe(false);

    strata.child.kill('SIGINT');
    expect(await exitWithin(strata, 60_000)).toEqual({ code: 0, signal: null });
    expect(processesMentioning(dataDir)).toEqual([]);
  });

  it('refuses a second strata on the same data dir while the first runs', async () => {
    strata = spawnStrata(['start'], env());
    await waitReady(baseUrl, strata);
    const second = spawnStrata(['start'], { ...env(), STRATA_PORT: String(await freePort()) });
    const exit = await exitWithin(second, 60_000);
    expect(exit.code).not.toBe(0);
    expect(second.output()).toContain('is in use by Strata process');
    expect((await getJson(`${baseUrl}/readyz`)).status).toBe(200);

    strata.child.kill('SIGINT');
    expect(await exitWithin(strata, 60_000)).toEqual({ code: 0, signal: null });
  });
});

describe('strata run api (PostgreSQL and NATS JetStream)', () => {
  const { root, dataDir } = tempDataDir();
  let database: TestDatabase;
  let strata: StrataProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('strata_e2e');
  });

  afterAll(async () => {
    await killAll(strata, undefined);
    await database?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses to run without DATABASE_URL and NATS_URL, naming what to set', () => {
    const result = runStrata(['run', 'api'], { STRATA_DATA_DIR: dataDir });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/NATS_URL: .*set it/);
  });

  it('is ready with the PostgreSQL store and the JetStream bus, and stops with 0', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    strata = spawnStrata(['run', 'api'], { STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), DATABASE_URL: database.url, NATS_URL: TEST_NATS_URL });
    const ready = await waitReady(baseUrl, strata);
    expect(ready.json).toMatchObject({
      status: 'ready',
      store: { adapter: 'postgres', ok: true },
      bus: { adapter: expect.stringContaining('jetstream'), ok: true },
    });
    expect(ready.headers['x-openstack-request-id']).toMatch(REQUEST_ID);
    // No embedded PostgreSQL with a DATABASE_URL.
    expect(fs.existsSync(path.join(dataDir, 'pg'))).toBe(false);

    strata.child.kill('SIGINT');
    expect(await exitWithin(strata, 60_000)).toEqual({ code: 0, signal: null });
    await waitFor('the port to close', async () => ((await getJson(`${baseUrl}/healthz`).catch(() => null)) === null ? true : undefined), 10_000);
  });
});
