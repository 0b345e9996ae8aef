import { PassThrough } from 'node:stream';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { Client, Pool } from 'pg';
import { registerProjectionCommands } from '../../apps/cli/src/commands/projections';
import { PostgresEventStore } from '../../infra/eventstore/postgres';
import { PgCheckpointStore } from '../../infra/messaging/pg-checkpoint-store';
import { PROJECTIONS_CHANNEL } from '../../infra/projections';
import { ALL_PROJECTIONS } from '../../projections';
import { percentile } from '../bench/bench-report';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitFor, waitReady } from '../e2e/support/strata-process';
import { call, issueToken, projectScope } from '../identity/support/identity-http';
import { createTestDatabase, TestDatabase } from '../support/postgres';
import { LogWriter, SEED_FLAVORS, seedImages, seedTenants, ServerFleet } from '../support/realistic-log';

/**
 * The real servers read model under the real API: a log of 200,000+ events (7,000+ servers built,
 * acted on, resized, rebuilt, some deleted, some failed) written through the real deciders, then
 * `strata projections rebuild compute_servers` while admins page through GET /servers/detail
 * continuously and a tenant keeps creating servers; then an incident drill on the rows themselves.
 */

const LOG_EVENTS = Number(process.env.SERVERS_REBUILD_EVENTS ?? 200_000);
const PASSWORD = 'rebuild-secret';
const VERSION = { 'OpenStack-API-Version': 'compute 2.93' };
const PAGE = 1_000;

const { root, dataDir } = tempDataDir();
let db: TestDatabase;
let strata: StrataProcess | undefined;
let base = '';
let admin = '';
let adminProject = '';
let fleet: ServerFleet;
let seededEvents = 0;
let seededHead = '';
/** Live seeded servers in the API's list order (created_at desc, id desc). */
let expectedOrder: string[] = [];
const tenantServers: string[] = [];

const compute = (path: string, token = admin) => call('GET', `${base}/compute/v2.1${path}`, { token, headers: VERSION });
const projectionStatus = async (name: string) => (await call('GET', `${base}/strata/v1/projections/${name}`, { token: admin })).json.projection;

beforeAll(async () => {
  db = await createTestDatabase('strata_srv_rebuild');
  const store = await PostgresEventStore.connect(db.url, { poolSize: 8 });
  try {
    const log = new LogWriter(store);
    const hosts = Array.from({ length: 8 }, (_, h) => `compute-${String(h + 1).padStart(2, '0')}`);
    fleet = new ServerFleet(log, { prefix: 'rebuild', tenants: seedTenants('rebuild', 40), flavors: SEED_FLAVORS, images: seedImages('rebuild', 6), hosts, actionRounds: 1, deleteEvery: 10, failEvery: 50 });
    while (log.appended < LOG_EVENTS) await fleet.seed(500);
    seededEvents = log.appended;
    seededHead = log.head!;
    // The seeded history is settled (every request completed), as if the conductor had followed it:
    // it starts after it instead of re-examining 200,000 events at boot.
    const checkpoints = new PgCheckpointStore(db.url);
    await checkpoints.save('conductor-compute', seededHead);
    await checkpoints.close();
  } finally {
    await store.close();
  }

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  strata = spawnStrata(['start'], { STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_ADMIN_PASSWORD: PASSWORD, DATABASE_URL: db.url });
  await waitReady(base, strata, 600_000);
  const issued = await issueToken(`${base}/identity/v3`, { name: 'admin', password: PASSWORD }, projectScope('admin'));
  admin = issued.value;
  adminProject = issued.answer.json.token.project.id;
  // Every runner built its first generation from the seeded log and passed it.
  await waitFor(
    'every read model to pass the seeded log',
    async () => {
      const answer = await call('GET', `${base}/strata/v1/projections`, { token: admin });
      return answer.status === 200 && answer.json.projections.every((p: any) => p.active !== null && p.active.checkpoint >= seededHead) ? true : undefined;
    },
    300_000,
    () => strata!.output().slice(-3000),
  );
  await waitFor('two compute hosts', async () => ((await compute('/os-hypervisors')).json?.hypervisors?.length >= 2 ? true : undefined), 60_000);
}, 900_000);

afterAll(async () => {
  await killAll(strata, undefined);
  await db?.drop();
  fs.rmSync(root, { recursive: true, force: true });
});

interface PageAnswer {
  startedAt: number;
  endedAt: number;
  status: number;
  ids: string[];
}

interface Pass {
  startedAt: number;
  endedAt: number;
  pages: PageAnswer[];
  ids: string[];
  complete: boolean;
}

/** One admin pass over every project's servers: GET /servers/detail?all_tenants=1&limit=1000, then by marker. */
async function listPass(): Promise<Pass> {
  const pass: Pass = { startedAt: performance.now(), endedAt: 0, pages: [], ids: [], complete: false };
  let marker: string | undefined;
  for (;;) {
    const startedAt = performance.now();
    const answer = await compute(`/servers/detail?all_tenants=1&limit=${PAGE}${marker ? `&marker=${marker}` : ''}`);
    const ids: string[] = answer.status === 200 ? answer.json.servers.map((s: { id: string }) => s.id) : [];
    pass.pages.push({ startedAt, endedAt: performance.now(), status: answer.status, ids });
    if (answer.status !== 200) break;
    pass.ids.push(...ids);
    if (ids.length < PAGE) {
      pass.complete = true;
      break;
    }
    marker = ids[ids.length - 1];
  }
  pass.endedAt = performance.now();
  return pass;
}

/** Admins paging through the servers again and again, `readers` at a time, until `stop()`. */
function hammer(readers: number) {
  let running = true;
  const passes: Pass[] = [];
  const loops = Array.from({ length: readers }, async () => {
    while (running) passes.push(await listPass());
  });
  return {
    passes,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return passes;
    },
  };
}

const seededIn = (ids: string[], known: Set<string>) => ids.filter((id) => known.has(id));

/** `strata projections <args>` in-process against Strata's database, as cli.int-spec.ts runs it. */
async function strataCli(...args: string[]): Promise<{ stdout: string; exitCode: number }> {
  let stdout = '';
  let exitCode = 0;
  const program = new Command('strata').exitOverride();
  registerProjectionCommands(
    program,
    async () => {
      const store = await PostgresEventStore.connect(db.url);
      return { store, databaseUrl: db.url, projections: ALL_PROJECTIONS, close: () => store.close() };
    },
    { stdout: { write: (text: string) => (stdout += text) }, stderr: new PassThrough(), setExitCode: (code) => (exitCode = code) },
  );
  await program.parseAsync(['node', 'strata', 'projections', ...args]);
  return { stdout, exitCode };
}

describe('compute_servers, rebuilt and repaired under the real API', () => {
  it('seeded a log of 200,000+ realistic events, and the API lists every live server', async () => {
    expect(seededEvents).toBeGreaterThanOrEqual(LOG_EVENTS);
    const live = fleet.servers.filter((s) => !s.deleted);
    expect(live.length).toBeGreaterThan(6_000);
    const first = await listPass();
    expect(first.pages.map((p) => p.status).every((s) => s === 200)).toBe(true);
    expect(first.complete).toBe(true);
    expect(new Set(first.ids)).toEqual(new Set(live.map((s) => s.id)));
    expect(first.ids).toHaveLength(live.length);
    expectedOrder = first.ids;
    // What the log says of a few: built and acted on (ACTIVE, renamed once), failed (ERROR, a fault).
    const active = fleet.servers.find((s) => !s.deleted && !s.failed)!;
    const shown = (await compute(`/servers/${active.id}`)).json.server;
    expect(shown).toMatchObject({ id: active.id, name: `${active.name}-r0`, status: 'ACTIVE', tenant_id: active.projectId, 'OS-EXT-SRV-ATTR:host': expect.stringMatching(/^compute-0\d$/), tags: expect.arrayContaining(['rev-0']) });
    const failed = fleet.servers.find((s) => s.failed)!;
    expect((await compute(`/servers/${failed.id}`)).json.server).toMatchObject({ status: 'ERROR', fault: { code: 500, message: expect.stringContaining('No valid host') } });
    const deleted = fleet.servers.find((s) => s.deleted)!;
    expect((await compute(`/servers/${deleted.id}`)).status).toBe(404);
  });

  it('answers every GET /servers/detail with every server while `strata projections rebuild compute_servers` runs and a tenant creates servers', async () => {
    expect(expectedOrder.length).toBeGreaterThan(0);
    const expected = new Set(expectedOrder);
    const before = await projectionStatus('compute_servers');
    expect(before).toMatchObject({ active: { status: 'active', lastError: null }, building: null });

    // A tenant's flavor and image, for creates through the API during the rebuild.
    const flavor = await call('POST', `${base}/compute/v2.1/flavors`, { token: admin, body: { flavor: { name: 'rebuild.tiny', vcpus: 1, ram: 64, disk: 1 } } });
    expect(flavor.status).toBe(200);
    const image = await call('POST', `${base}/image/v2/images`, { token: admin, body: { name: 'rebuild-image', disk_format: 'raw', container_format: 'bare', visibility: 'public' } });
    expect(image.status).toBe(201);
    const upload = await call('PUT', `${base}/image/v2/images/${image.json.id}/file`, { token: admin, body: Buffer.alloc(64 * 1024).toString('binary'), headers: { 'Content-Type': 'application/octet-stream' } });
    expect(upload.status).toBe(204);

    // The moment the active generation changes: the switch's NOTIFY, as the API's waiters hear it.
    let switchedAt = Number.NaN;
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    listener.on('notification', (n) => {
      const notice = JSON.parse(n.payload ?? '{}') as { name?: string; generation?: number; active?: boolean };
      if (notice.name === 'compute_servers' && notice.active && notice.generation !== before.active.generation && Number.isNaN(switchedAt)) switchedAt = performance.now();
    });
    await listener.query(`LISTEN ${PROJECTIONS_CHANNEL}`);

    const quota = await call('PUT', `${base}/compute/v2.1/os-quota-sets/${adminProject}`, { token: admin, body: { quota_set: { instances: -1, cores: -1, ram: -1 } } });
    expect(quota.status).toBe(200);

    const readers = hammer(2);
    let writing = true;
    const creates: { status: number; readBack: number; id: string }[] = [];
    const writer = (async () => {
      while (writing) {
        const created = await call('POST', `${base}/compute/v2.1/servers`, {
          token: admin,
          headers: VERSION,
          body: { server: { name: `during-rebuild-${creates.length}`, flavorRef: flavor.json.flavor.id, imageRef: image.json.id, networks: 'none' } },
        });
        const id = created.json?.server?.id as string;
        // Read-your-writes across the switch: the create answered once compute_servers had its row.
        const readBack = created.status === 202 ? (await compute(`/servers/${id}`)).status : 0;
        creates.push({ status: created.status, readBack, id });
      }
    })();

    const rebuildStartedAt = performance.now();
    const rebuild = spawnStrata(['projections', 'rebuild', 'compute_servers'], { STRATA_DATA_DIR: dataDir, DATABASE_URL: db.url });
    const exit = await rebuild.exited;
    const rebuildEndedAt = performance.now();
    // A pass after the switch, then everything stops.
    await waitFor('a complete pass after the rebuild', () => (readers.passes.some((p) => p.startedAt > rebuildEndedAt && p.complete) ? true : undefined), 60_000);
    writing = false;
    await writer;
    const passes = await readers.stop();
    await listener.end();

    const pages = passes.flatMap((p) => p.pages);
    const within = (p: { startedAt: number; endedAt: number }) => p.startedAt >= rebuildStartedAt && p.endedAt <= rebuildEndedAt;
    const latencies = (list: PageAnswer[]) => list.map((p) => p.endedAt - p.startedAt).sort((a, b) => a - b);
    const rebuilding = latencies(pages.filter(within));
    const straddling = pages.filter((p) => p.startedAt < switchedAt && p.endedAt > switchedAt).length;
    const done = /^compute_servers: generation (\d+) \(version 2\) active, generation (\d+) retired; (\d+) events in ([\d.]+) s \((\d+) events\/s\)$/m.exec(rebuild.output());
    console.log(
      `compute_servers rebuild under load: ${done ? `${Number(done[3]).toLocaleString('en')} events in ${done[4]} s = ${Number(done[5]).toLocaleString('en')} events/s` : rebuild.output()} ` +
        `(log of ${seededEvents.toLocaleString('en')} seeded events, ${expectedOrder.length} live servers); ` +
        `${pages.length} pages of up to ${PAGE} in ${passes.length} passes (${rebuilding.length} pages answered within the rebuild, ${straddling} in flight at the switch); ` +
        `page latency within the rebuild p50 ${percentile(rebuilding, 50).toFixed(0)} ms, p99 ${percentile(rebuilding, 99).toFixed(0)} ms, max ${rebuilding.at(-1)?.toFixed(0)} ms; ` +
        `${creates.length} servers created meanwhile`,
    );

    expect({ exit, output: exit.code === 0 ? '' : rebuild.output() }).toEqual({ exit: { code: 0, signal: null }, output: '' });
    expect(done).not.toBeNull();
    const [, generation, retired, events] = done!;
    expect(Number(retired)).toBe(before.active.generation);
    expect(Number(generation)).toBe(before.active.generation + 1);
    expect(Number(events)).toBeGreaterThanOrEqual(seededEvents * 0.9);

    const failures = pages.filter((p) => p.status !== 200).map((p) => p.status);
    expect(failures).toEqual([]);
    // Every pass saw every seeded server exactly once, in list order, whatever generation served each page.
    for (const pass of passes) {
      expect(pass.complete).toBe(true);
      expect(seededIn(pass.ids, expected)).toEqual(expectedOrder);
      expect(new Set(pass.ids).size).toBe(pass.ids.length);
    }
    // The readers really overlapped the rebuild: pages answered from the old generation while it was
    // replayed, pages in flight or queued at the switch, pages from the new one.
    expect(rebuilding.length).toBeGreaterThanOrEqual(4);
    expect(Number.isNaN(switchedAt)).toBe(false);
    expect(pages.some((p) => p.startedAt > rebuildStartedAt && p.endedAt < switchedAt)).toBe(true);
    expect(pages.some((p) => p.startedAt > switchedAt)).toBe(true);

    // Every create was accepted and readable at once; all of them are built and listed.
    expect(creates.length).toBeGreaterThan(0);
    expect(creates.filter((c) => c.status !== 202 || c.readBack !== 200)).toEqual([]);
    tenantServers.push(...creates.map((c) => c.id));
    await waitFor(
      'the servers created during the rebuild to be ACTIVE',
      async () => {
        const answer = await compute('/servers/detail?all_tenants=1&name=^during-rebuild-');
        const active = new Set(answer.json.servers.filter((s: { status: string }) => s.status === 'ACTIVE').map((s: { id: string }) => s.id));
        return tenantServers.every((id) => active.has(id)) ? true : undefined;
      },
      120_000,
    );
    const after = await projectionStatus('compute_servers');
    expect(after).toMatchObject({ active: { generation: Number(generation), status: 'active', lastError: null }, building: null, needsRebuild: false });
  }, 900_000);

  it('survives an incident drill: verify lists the rows deleted and corrupted by hand, the API keeps answering, a rebuild restores them', async () => {
    expect(expectedOrder.length).toBeGreaterThan(0);
    const { active } = await projectionStatus('compute_servers');
    const table = `${active.schema}.compute_servers`;
    const gone = [expectedOrder[3], expectedOrder[Math.floor(expectedOrder.length / 2)], expectedOrder[expectedOrder.length - 2]];
    const [renamed, reset] = [expectedOrder[10], expectedOrder[20]];
    const renamedBefore = (await compute(`/servers/${renamed}`)).json.server;
    const resetBefore = (await compute(`/servers/${reset}`)).json.server;
    expect(resetBefore.status).toBe('ACTIVE');

    const pg = new Pool({ connectionString: db.url, max: 1 });
    try {
      await pg.query(`DELETE FROM ${table} WHERE id = ANY ($1)`, [gone]);
      await pg.query(`UPDATE ${table} SET name = 'tampered' WHERE id = $1`, [renamed]);
      await pg.query(`UPDATE ${table} SET vm_state = 'error', status = 'ERROR', metadata = '{"owner": "mallory"}' WHERE id = $1`, [reset]);
    } finally {
      await pg.end();
    }

    const readers = hammer(1);
    try {
      // The drill is visible through the API: the rows are the API's truth until repaired.
      expect((await compute(`/servers/${gone[0]}`)).status).toBe(404);
      expect((await compute(`/servers/${renamed}`)).json.server.name).toBe('tampered');

      const drift = await strataCli('verify', 'compute_servers');
      expect(drift.exitCode).toBe(1);
      const lines = drift.stdout.trimEnd().split('\n');
      const summary = lines.pop()!;
      expect(summary).toMatch(new RegExp(`^compute_servers: generation ${active.generation} at \\S+, \\d+ rows compared: 7 difference\\(s\\)$`));
      const isMetadata = (line: string) => line.startsWith(`compute_servers: compute_servers/${reset}.metadata: `);
      expect(lines.filter(isMetadata)).toEqual([expect.stringMatching(/: expected \{.*"team":"team-\d+".*\}, found \{"owner":"mallory"\}$/)]);
      expect(lines.filter((line) => !isMetadata(line)).sort()).toEqual(
        [
          ...gone.map((id) => `compute_servers: compute_servers/${id}: missing (the log says it exists)`),
          `compute_servers: compute_servers/${renamed}.name: expected ${JSON.stringify(renamedBefore.name)}, found "tampered"`,
          `compute_servers: compute_servers/${reset}.vm_state: expected "active", found "error"`,
          `compute_servers: compute_servers/${reset}.status: expected "ACTIVE", found "ERROR"`,
        ].sort(),
      );

      const repaired = await strataCli('rebuild', 'compute_servers');
      expect(repaired.exitCode).toBe(0);
      expect(repaired.stdout).toMatch(new RegExp(`^compute_servers: generation ${active.generation + 1} \\(version 2\\) active, generation ${active.generation} retired; `));
      const clean = await strataCli('verify', 'compute_servers');
      expect(clean.exitCode).toBe(0);
      expect(clean.stdout).toMatch(new RegExp(`^compute_servers: generation ${active.generation + 1} at \\S+, \\d+ rows compared: no drift\\n$`));
    } finally {
      await readers.stop();
    }

    const pages = readers.passes.flatMap((p) => p.pages);
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.filter((p) => p.status !== 200).map((p) => p.status)).toEqual([]);
    const expected = new Set(expectedOrder);
    for (const pass of readers.passes) {
      // Before the repair a pass lacks the deleted rows; after it, nothing; never anything else.
      const seen = seededIn(pass.ids, expected);
      expect(seen).toEqual(expectedOrder.filter((id) => !gone.includes(id) || seen.includes(id)));
    }

    const restored = await listPass();
    expect(seededIn(restored.ids, expected)).toEqual(expectedOrder);
    for (const id of gone) expect((await compute(`/servers/${id}`)).status).toBe(200);
    expect((await compute(`/servers/${renamed}`)).json.server.name).toBe(renamedBefore.name);
    const resetAfter = (await compute(`/servers/${reset}`)).json.server;
    expect({ status: resetAfter.status, metadata: resetAfter.metadata }).toEqual({ status: 'ACTIVE', metadata: resetBefore.metadata });
  }, 900_000);
});
