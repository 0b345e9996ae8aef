import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { Pool } from 'pg';
import { registerEventCommands } from '../../apps/cli/src/commands/events';
import { encodeEventLine } from '../../infra/eventstore/transfer';
import { bootstrapId, bootstrapIdentity } from '../../apps/shared/src/identity-bootstrap';
import { assignmentStreamOf, runCommand } from '../../apps/shared/src/identity-commands';
import { FlavorSnapshot, POWER } from '../../domain/compute';
import { flavorDecider } from '../../domain/compute/flavor';
import { hostDecider } from '../../domain/compute/host';
import { keypairDecider } from '../../domain/compute/keypair';
import { ServerCommand, serverDecider } from '../../domain/compute/server';
import { flavorStream, hostStream, keypairStream, serverStream, uniqueFlavorNameStream } from '../../domain/compute/streams';
import {
  assignmentDecider,
  groupDecider,
  groupStream,
  nameReservationDecider,
  projectDecider,
  projectStream,
  uniqueProjectNameStream,
  uniqueUserNameStream,
  userDecider,
  userStream,
} from '../../domain/identity';
import { imageDecider, metadefNameKey, metadefResourceTypeDecider, metadefResourceTypeStream } from '../../domain/image';
import { imageStream } from '../../domain/image/streams';
import { Actor, CommandMetadata, EventStore, RecordedEvent } from '../../domain/kernel';
import { loadConfig } from '../../infra/config';
import { PostgresEventStore } from '../../infra/eventstore/postgres';
import { uuidFromName } from '../../infra/ids/ids';
import { ProjectionEngine } from '../../infra/projections';
import { ALL_PROJECTIONS } from '../../projections';
import { createTestDatabase, TestDatabase } from '../support/postgres';
import { waitUntil } from './harness';

/** One database: its event store, and a pool for the read models. */
interface Deployment {
  db: TestDatabase;
  store: PostgresEventStore;
  pool: Pool;
}

async function deployment(prefix: string): Promise<Deployment> {
  const db = await createTestDatabase(prefix);
  const store = await PostgresEventStore.connect(db.url, { pollIntervalMs: 100 });
  const pool = new Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => undefined);
  return { db, store, pool };
}

async function dispose(d: Deployment | undefined): Promise<void> {
  if (!d) return;
  await d.store.close();
  await d.pool.end();
  await d.db.drop();
}

/**
 * The whole log, once readers see every committed event: they read below the oldest transaction
 * still running on the server, which another suite's transaction may hold back for a moment.
 */
async function committedLog(d: Deployment): Promise<RecordedEvent[]> {
  const [{ n }] = (await d.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM eventstore.events')).rows;
  let log: RecordedEvent[] = [];
  await waitUntil(async () => (log = await everything(d.store)).length === n, `all ${n} events of ${d.db.name} to be readable`, 30_000);
  return log;
}

async function everything(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of store.readAll()) out.push(e);
  return out;
}

const ADMIN: Actor = { userId: 'admin', projectId: 'admin', domainId: 'default', roles: ['admin', 'member', 'reader'] };
const CONDUCTOR: Actor = { userId: null, projectId: null, domainId: null, roles: ['service'] };

/**
 * A small cloud written through the real deciders: Keystone's bootstrap, a day of identity
 * administration, Glance metadefs and an image, flavors, a host, a keypair, and servers built,
 * changed, stopped, failed and deleted with their host claims, as the API and the conductor write them.
 */
async function writeCloud(store: EventStore): Promise<void> {
  let clock = Date.parse('2026-05-01T08:00:00.000Z');
  const now = () => new Date((clock += 1000));
  let requests = 0;
  const meta = (step: string, actor: Actor = ADMIN): CommandMetadata => {
    const requestId = `req-${uuidFromName(`export-import\u0000${step}\u0000${requests++}`)}`;
    return { requestId, correlationId: requestId.slice(4), causationId: requestId, actor, now: now().toISOString() };
  };
  const config = loadConfig({ STRATA_PUBLIC_URL: 'http://cloud.example.com:8080' }, '/srv');
  const { adminProjectId } = await bootstrapIdentity(store, config, 'secret', now);

  const hash = (who: string) => `$scrypt$N=16384,r=8,p=1$c2FsdA$${Buffer.from(who).toString('base64')}`;
  const projectId = 'demo0000000000000000000000000000';
  await runCommand(store, nameReservationDecider, uniqueProjectNameStream('default', 'demo'), 'ReserveName', { owner: projectStream(projectId) }, meta('reserve/demo'));
  await runCommand(store, projectDecider, projectStream(projectId), 'CreateProject', { projectId, domainId: 'default', name: 'demo', description: 'Demo', parentId: 'default', tags: ['team-a'] }, meta('project/demo'));
  await runCommand(store, projectDecider, projectStream(projectId), 'AddProjectTag', { projectId, tag: 'Gold' }, meta('project/demo/tag'));
  const users = ['alice', 'bob'].map((name) => ({ name, userId: `${name}`.padEnd(32, '0') }));
  for (const { name, userId } of users) {
    await runCommand(store, nameReservationDecider, uniqueUserNameStream('default', name), 'ReserveName', { owner: userStream(userId) }, meta(`reserve/${name}`));
    await runCommand(store, userDecider, userStream(userId), 'CreateUser', { userId, domainId: 'default', name, defaultProjectId: projectId, email: `${name}@example.org`, passwordHash: hash(name) }, meta(`user/${name}`));
  }
  const [alice, bob] = users;
  await runCommand(store, userDecider, userStream(alice.userId), 'UpdateUser', { userId: alice.userId, email: 'alice@cloud.example.org', extra: { team: 'ops' } }, meta('user/alice/update'));
  const groupId = 'devs'.padEnd(32, '0');
  await runCommand(store, groupDecider, groupStream(groupId), 'CreateGroup', { groupId, domainId: 'default', name: 'developers' }, meta('group'));
  await runCommand(store, groupDecider, groupStream(groupId), 'AddUserToGroup', { groupId, userId: alice.userId }, meta('group/alice'));
  await runCommand(store, groupDecider, groupStream(groupId), 'AddUserToGroup', { groupId, userId: bob.userId }, meta('group/bob'));
  const grant = { actorType: 'user' as const, actorId: alice.userId, targetType: 'project' as const, targetId: projectId, roleId: bootstrapId('role/member'), inherited: false };
  await runCommand(store, assignmentDecider, assignmentStreamOf(grant), 'AssignRole', grant, meta('grant/alice'));
  await runCommand(store, groupDecider, groupStream(groupId), 'RemoveUserFromGroup', { groupId, userId: bob.userId }, meta('group/bob/remove'));
  await runCommand(store, userDecider, userStream(bob.userId), 'DeleteUser', { userId: bob.userId }, meta('user/bob/delete'));

  for (const name of ['OS::Glance::Image', 'OS::Nova::Server', 'OS::Nova::Flavor']) {
    const stream = metadefResourceTypeStream(uuidFromName(`metadef-resource-type\u0000${metadefNameKey(name)}`));
    await runCommand(store, metadefResourceTypeDecider, stream, 'CreateMetadefResourceType', { name, protected: true }, meta(`metadef/${name}`));
  }
  const imageId = uuidFromName('export-import/image');
  const tenant: Actor = { userId: alice.userId, projectId, domainId: 'default', roles: ['member', 'reader'] };
  await runCommand(store, imageDecider, imageStream(imageId), 'CreateImage', { imageId, name: 'cirros', owner: projectId, visibility: 'private', diskFormat: 'qcow2', containerFormat: 'bare', properties: { os_distro: 'cirros' } }, meta('image', tenant));
  await runCommand(store, imageDecider, imageStream(imageId), 'StartImageUpload', { imageId, uploader: 'api-1' }, meta('image/upload', tenant));
  await runCommand(
    store,
    imageDecider,
    imageStream(imageId),
    'ActivateImage',
    { imageId, size: 21_233_664, checksum: 'c'.repeat(32), osHashAlgo: 'sha512', osHashValue: 'd'.repeat(128), virtualSize: 117_440_512, blobKey: `images/${imageId}` },
    meta('image/activate', tenant),
  );
  await runCommand(store, imageDecider, imageStream(imageId), 'AddImageTag', { imageId, tag: 'golden' }, meta('image/tag', tenant));

  const flavors: FlavorSnapshot[] = [
    { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true, description: null, extraSpecs: {} },
    { id: '2', name: 'm1.small', vcpus: 2, memoryMb: 2048, rootGb: 20, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true, description: 'general purpose', extraSpecs: { 'hw:cpu_policy': 'shared' } },
  ];
  for (const { extraSpecs, id, ...created } of flavors) {
    const stream = flavorStream(uuidFromName(`flavor:${id}`));
    await runCommand(store, nameReservationDecider, uniqueFlavorNameStream(created.name), 'ReserveName', { owner: stream, resource: 'flavor', name: created.name }, meta(`flavor/${id}/name`));
    await runCommand(store, flavorDecider, stream, 'CreateFlavor', { flavorId: id, ...created }, meta(`flavor/${id}`));
    if (Object.keys(extraSpecs).length) await runCommand(store, flavorDecider, stream, 'SetFlavorExtraSpecs', { flavorId: id, extraSpecs }, meta(`flavor/${id}/specs`));
  }

  const host = 'compute-1';
  const hostStreamName = hostStream(uuidFromName(`host:${host}`));
  await runCommand(
    store,
    hostDecider,
    hostStreamName,
    'RegisterComputeHost',
    {
      host,
      serviceId: uuidFromName(`service/${host}`),
      hypervisorId: uuidFromName(`hypervisor/${host}`),
      availabilityZone: 'nova',
      resources: { hypervisorHostname: host, hypervisorType: 'QEMU', hypervisorVersion: 8002002, cpuArch: 'x86_64', cpuInfo: { model: 'EPYC' }, hostIp: '10.0.0.11', vcpus: 16, memoryMb: 65536, localGb: 500 },
      allocation: { cpuAllocationRatio: 16, ramAllocationRatio: 1.5, diskAllocationRatio: 1, reservedHostMemoryMb: 512, reservedHostDiskMb: 0, reservedHostCpus: 0 },
    },
    meta('host', CONDUCTOR),
  );
  await runCommand(
    store,
    keypairDecider,
    keypairStream(uuidFromName(`keypair:${alice.userId}/laptop`)),
    'CreateKeypair',
    { userId: alice.userId, name: 'laptop', type: 'ssh', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample alice', fingerprint: 'aa:bb:cc' },
    meta('keypair', tenant),
  );

  for (let i = 0; i < 4; i++) {
    const serverId = uuidFromName(`export-import/server/${i}`);
    const stream = serverStream(serverId);
    const flavor = flavors[i % 2];
    const api = (type: ServerCommand['type'], data: Record<string, unknown>) =>
      runCommand(store, serverDecider, stream, type, { serverId, ...(type === 'CreateServer' ? {} : { byAdmin: false }), ...data } as ServerCommand['data'], meta(`server/${i}/${type}`, tenant));
    const conductor = (type: ServerCommand['type'], data: Record<string, unknown>) =>
      runCommand(store, serverDecider, stream, type, { serverId, ...data } as ServerCommand['data'], meta(`conductor/${i}/${type}`, CONDUCTOR));
    await api('CreateServer', {
      name: `vm-${i}`,
      description: null,
      projectId,
      userId: alice.userId,
      flavor,
      image: { id: imageId, name: 'cirros', properties: { os_distro: 'cirros' }, diskFormat: 'qcow2', minDisk: 0, minRam: 0 },
      keyName: 'laptop',
      keyData: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample alice',
      metadata: { role: i % 2 ? 'db' : 'web' },
      availabilityZone: null,
      requestedHost: null,
      serverGroupId: null,
      hints: { sameHost: [], differentHost: [] },
      reservationId: `r-${serverId.slice(0, 8)}`,
      launchIndex: 0,
      hostname: `vm-${i}`,
      instanceName: `instance-${serverId.slice(0, 8)}`,
      accessIPv4: null,
      accessIPv6: null,
      userData: null,
      configDrive: '',
      tags: [],
    });
    if (i === 3) {
      await conductor('FailServerBuild', { fault: { code: 500, message: 'No valid host was found. There are not enough hosts available.', details: '' } });
      continue;
    }
    const claimId = uuidFromName(`claim/${serverId}`);
    await runCommand(store, hostDecider, hostStreamName, 'ClaimHostResources', { host, claimId, serverId, vcpus: flavor.vcpus, memoryMb: flavor.memoryMb, diskGb: flavor.rootGb }, meta(`claim/${i}`, CONDUCTOR));
    await conductor('RecordServerScheduled', { host, node: host, availabilityZone: 'nova', claimId, attempt: 1 });
    await conductor('RecordServerSpawned', { host, powerState: POWER.RUNNING });
    await api('ChangeServerMetadata', { set: { owner: 'alice' }, remove: [], replace: false });
    if (i === 1) {
      const { events } = await api('RequestServerAction', { action: 'stop' });
      await conductor('CompleteServerAction', { orderId: (events[0].data as { orderId: string }).orderId, action: 'stop', powerState: POWER.SHUTDOWN });
    }
    if (i === 2) {
      await api('DeleteServer', { force: false });
      await conductor('CompleteServerDeletion', {});
      await runCommand(store, hostDecider, hostStreamName, 'ReleaseHostClaim', { host, claimId }, meta(`release/${i}`, CONDUCTOR));
    }
  }
  expect(adminProjectId).toBeTruthy();
}

/** Rebuilds every registered read model from the log, one after the other. */
async function rebuildAll(d: Deployment): Promise<void> {
  const engine = await ProjectionEngine.open({ databaseUrl: d.db.url, store: d.store, projections: ALL_PROJECTIONS });
  try {
    for (const p of ALL_PROJECTIONS) await engine.rebuild(p.name);
  } finally {
    await engine.close();
  }
}

/** Every row of every read-model table, through the `rm` views, in key order. */
async function readModels(d: Deployment): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const p of ALL_PROJECTIONS) {
    for (const t of p.tables) out[`${p.name}/${t.name}`] = (await d.pool.query(`SELECT * FROM rm."${t.name}" ORDER BY "${t.primaryKey}"`)).rows;
  }
  return out;
}

/** Replaces every string that is a position of one log by the position of the same event in the other. */
function translatePositions<T>(value: T, positions: Map<string, string>): T {
  if (typeof value === 'string') return (positions.get(value) ?? value) as T;
  if (Array.isArray(value)) return value.map((v) => translatePositions(v, positions)) as T;
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, translatePositions(v, positions)])) as T;
}

/** Runs `strata events ...` in-process against `store`, with stdin `input`. */
async function strata(store: EventStore, args: string[], input = ''): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const out = new PassThrough();
  out.on('data', (chunk) => (stdout += chunk));
  const err = new PassThrough();
  err.on('data', (chunk) => (stderr += chunk));
  const program = new Command('strata').exitOverride().configureOutput({ writeErr: (text) => (stderr += text) });
  registerEventCommands(program, async () => ({ store, close: async () => undefined }), {
    stdin: Readable.from([input]),
    stdout: out,
    stderr: err,
    setExitCode: (code) => (exitCode = code),
  });
  await program.parseAsync(['node', 'strata', 'events', ...args]);
  await new Promise<void>((resolve) => setImmediate(resolve));
  return { stdout, stderr, exitCode };
}

let source: Deployment;
let target: Deployment | undefined;
let scratch: Deployment | undefined;
let dir: string;
let file: string;

beforeAll(async () => {
  source = await deployment('strata_export_a');
  dir = await mkdtemp(join(tmpdir(), 'strata-export-'));
  file = join(dir, 'log.ndjson');
  await writeCloud(source.store);
  await committedLog(source);
}, 120_000);
afterAll(async () => {
  await dispose(source);
  await dispose(target);
  await dispose(scratch);
  await rm(dir, { recursive: true, force: true });
});

describe('strata events export | import', () => {
  it('replays a cloud into an empty database: the same events, and every read model rebuilds to the same rows', async () => {
    await rebuildAll(source);
    const exported = await strata(source.store, ['export', '--output', file]);
    const log = await everything(source.store);
    expect(exported.exitCode).toBe(0);
    expect(exported.stderr).toMatch(new RegExp(`^strata events export: ${log.length} events in [\\d.]+ s \\(\\d+ events/s\\); last position ${log[log.length - 1].position} `, 'm'));
    expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(log.length + 1);

    target = await deployment('strata_import_b');
    const imported = await strata(target.store, ['import', file]);
    expect(imported).toMatchObject({ exitCode: 0, stdout: '' });
    expect(imported.stderr).toMatch(/^strata events import: \d+ events in \d+ streams in [\d.]+ s \(\d+ events\/s\)\. Start Strata on this store and its projector builds every read model from the log \(or now: strata projections rebuild --all\)\n$/m);

    // Event by event: ids, streams, versions, types, data, metadata and recordedAt (kept by PostgreSQL); positions are the new store's, in the same order.
    const copy = await committedLog(target);
    const withoutPosition = (events: RecordedEvent[]) => events.map(({ position: _, ...rest }) => rest);
    expect(copy).toHaveLength(log.length);
    expect(withoutPosition(copy)).toEqual(withoutPosition(log));
    expect(copy.map((e) => e.type)).toContain('ServerSpawned');
    expect(copy.map((e) => e.type)).toContain('MetadefResourceTypeCreated');

    await rebuildAll(target);
    const positions = new Map(log.map((e, i) => [e.position, copy[i].position]));
    const before = translatePositions(await readModels(source), positions);
    const after = await readModels(target);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const table of Object.keys(before)) expect({ table, rows: after[table] }).toEqual({ table, rows: before[table] });
    // The comparison saw a cloud, not empty tables.
    const filled = Object.entries(after).filter(([, rows]) => rows.length > 0).map(([table]) => table);
    expect(filled).toEqual(
      expect.arrayContaining(['compute_servers/compute_servers', 'compute_hosts/compute_hosts', 'identity_users/identity_users', 'compute_flavors/compute_flavors', 'image_images/image_images', 'image_metadefs/image_metadef_resource_types']),
    );
  });

  it('refuses to import into a store that holds events, and writes nothing', async () => {
    const head = await source.store.headPosition();
    const refused = await strata(source.store, ['import', file]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^strata events import: The event store already holds events \(head at \S+\); an import only goes into an empty store\. Point DATABASE_URL at a new database .*nothing was written\.\n$/);
    expect(await source.store.headPosition()).toBe(head);
  });

  it('checks a whole file before writing: a malformed line is named and the store stays empty', async () => {
    scratch = await deployment('strata_import_c');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[39] = lines[39].slice(0, 50);
    const bad = join(dir, 'bad.ndjson');
    await writeFile(bad, lines.join('\n'));
    const result = await strata(scratch.store, ['import', bad]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^strata events import: line 40: not JSON \(.*\)\n$/);
    expect(await scratch.store.headPosition()).toBeNull();
  });

  it('rolls back the batch an append fails in: an event id repeated in a stream leaves the store empty', async () => {
    const lines = (await readFile(file, 'utf8')).split('\n');
    const parsed = lines.filter(Boolean).map((l) => JSON.parse(l));
    const second = parsed.findIndex((e) => e.version === '1');
    const first = parsed.findIndex((e) => e.stream === parsed[second].stream && e.version === '0');
    lines[second] = JSON.stringify({ ...parsed[second], id: parsed[first].id });
    const duplicated = join(dir, 'duplicated.ndjson');
    await writeFile(duplicated, lines.join('\n'));
    const result = await strata(scratch!.store, ['import', duplicated]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^strata events import: lines 1-\d+: the store refused an append: role-\w+ already holds the event ids appended at version 1\. Nothing was written\.\n$/m);
    expect(await scratch!.store.headPosition()).toBeNull();
  });

  it('stops a stdin import at a malformed line, saying which events it already wrote', async () => {
    // 1,500 events of 300 servers, interleaved: the first transaction (1,000 events) commits before line 1,200.
    const lines = Array.from({ length: 1_500 }, (_, i) => {
      const server = i % 300;
      const version = Math.floor(i / 300);
      return encodeEventLine({
        id: uuidFromName(`stdin/${i}`),
        stream: serverStream(uuidFromName(`stdin/server/${server}`)),
        version: BigInt(version),
        position: String(i + 1).padStart(20, '0'),
        type: version === 0 ? 'ServerCreationRequested' : 'ServerUpdated',
        data: { serverId: uuidFromName(`stdin/server/${server}`), name: `vm-${server}-${version}` },
        metadata: { correlationId: 'c', causationId: 'c', requestId: `req-${i}`, actor: CONDUCTOR, occurredAt: '2026-05-01T08:00:00.000Z', schemaVersion: 1 },
        recordedAt: new Date('2026-05-01T08:00:00.123Z'),
      });
    });
    lines[1_199] = lines[1_199].replace(/"version":"\d+"/, '"version":"x"');
    const result = await strata(scratch!.store, ['import'], lines.join('\n'));
    expect(result.exitCode).toBe(1);
    // After a progress line a second, if any.
    for (const progress of result.stderr.split('\n').slice(0, -2)) expect(progress).toMatch(/^strata events import: \d+ events, \d+ events\/s$/);
    expect(result.stderr.split('\n').slice(-2).join('\n')).toBe(
      'strata events import: line 1200: "version" "x" is not a 0-based stream version. ' +
        'The store now holds the first 1000 events (up to line 1000): drop that database (or data dir) and import the corrected file into a fresh one.\n',
    );
    const written = await committedLog(scratch!);
    expect(written.map((e) => e.id)).toEqual(Array.from({ length: 1_000 }, (_, i) => uuidFromName(`stdin/${i}`)));
    expect(written[999].recordedAt).toEqual(new Date('2026-05-01T08:00:00.123Z'));
  });

  it('exports what --stream-prefix and --since select, to stdout', async () => {
    const log = await everything(source.store);
    const ids = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).id);

    const prefixed = await strata(source.store, ['export', '--stream-prefix', 'server-', 'flavor-']);
    expect(ids(prefixed.stdout)).toEqual(log.filter((e) => e.stream.startsWith('server-') || e.stream.startsWith('flavor-')).map((e) => e.id));

    const middle = log[Math.floor(log.length / 2)];
    const afterPosition = await strata(source.store, ['export', '--since', middle.position]);
    expect(ids(afterPosition.stdout)).toEqual(log.slice(Math.floor(log.length / 2) + 1).map((e) => e.id));

    const servers = log.filter((e) => e.stream.startsWith('server-'));
    const since = servers[Math.floor(servers.length / 2)].metadata.occurredAt;
    const afterTime = await strata(source.store, ['export', '--since', since, '--stream-prefix', 'server-']);
    const expected = servers.filter((e) => Date.parse(e.metadata.occurredAt) >= Date.parse(since));
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(afterTime.stdout)).toEqual(expected.map((e) => e.id));
    expect(afterTime.stderr).toMatch(new RegExp(`^strata events export: ${expected.length} events of ${servers.length} read in`, 'm'));
  });

  it('explains a --since that is neither a time nor a position of this store, and an output it cannot write', async () => {
    await expect(strata(source.store, ['export', '--since', 'last tuesday'])).rejects.toThrow(CommanderError);
    const notOurs = await strata(source.store, ['export', '--since', '00000000000000000003']);
    expect(notOurs).toMatchObject({ exitCode: 1, stdout: '' });
    expect(notOurs.stderr).toMatch(/^strata events export: --since 00000000000000000003: Not a PostgreSQL event store position: 00000000000000000003\. Give a position this store wrote/);
    const nowhere = await strata(source.store, ['export', '--output', join(dir, 'missing', 'log.ndjson')]);
    expect(nowhere.exitCode).toBe(1);
    expect(nowhere.stderr).toMatch(/^strata events export: cannot write .*missing\/log\.ndjson\.partial: ENOENT/);
  });
});
