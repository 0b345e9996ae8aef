import { performance } from 'node:perf_hooks';
import { ServerCommand, serverDecider, ServerSpec, serverStream } from '../../domain/compute';
import { EventStore, NewEvent, newEvents } from '../../domain/kernel';
import { parseAsOf } from '../../infra/audit/as-of';
import { HistorySnapshots, readHistory } from '../../infra/audit/history';
import { resourceType } from '../../infra/audit/resource-types';
import { TimeTravel } from '../../infra/audit/time-travel';
import { deterministicEventId, newRequestId, newUuid } from '../../infra/ids/ids';
import { ALL_PROJECTIONS } from '../../projections';
import { percentile } from './bench-report';

const ACTOR = { userId: 'bench-user', projectId: 'bench-project', domainId: 'default', roles: ['member', 'reader'] };

function spec(serverId: string, name: string): ServerSpec {
  return {
    serverId,
    name,
    description: null,
    projectId: ACTOR.projectId,
    userId: ACTOR.userId,
    flavor: { id: 'bench', name: 'bench', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true, description: null, extraSpecs: {} },
    image: { id: 'img-bench', name: 'cirros', properties: {}, diskFormat: 'qcow2', minDisk: 0, minRam: 0 },
    keyName: null,
    keyData: null,
    metadata: {},
    availabilityZone: null,
    requestedHost: null,
    serverGroupId: null,
    hints: { sameHost: [], differentHost: [] },
    reservationId: 'r-bench',
    launchIndex: 0,
    hostname: name,
    instanceName: 'instance-bench',
    accessIPv4: null,
    accessIPv6: null,
    userData: null,
    configDrive: '',
    tags: [],
  };
}

/**
 * One server whose stream holds `events` events: created, then renamed and its metadata changed
 * in turn (every command through the real decider, each with its own request id and time).
 */
export async function seedLongServer(store: EventStore, events: number, start = Date.now() - events * 1000): Promise<{ serverId: string; times: string[] }> {
  const serverId = newUuid();
  const stream = serverStream(serverId);
  let state = serverDecider.initialState;
  let batch: NewEvent[] = [];
  let version = -1n;
  const times: string[] = [];
  for (let i = 0; i < events; i++) {
    const now = new Date(start + i * 1000).toISOString();
    const requestId = newRequestId();
    const metadata = { requestId, correlationId: requestId.slice(4), causationId: requestId, actor: ACTOR, now };
    const command: ServerCommand =
      i === 0
        ? { type: 'CreateServer', data: spec(serverId, 'long-0'), metadata }
        : i === 1
          ? { type: 'RecordServerScheduled', data: { serverId, host: 'bench-host', node: 'bench-host', availabilityZone: 'nova', claimId: newUuid(), attempt: 1 }, metadata }
          : i === 2
            ? { type: 'RecordServerSpawned', data: { serverId, host: 'bench-host', powerState: 1 }, metadata }
            : i % 2
          ? { type: 'UpdateServer', data: { serverId, byAdmin: false, name: `long-${i}` }, metadata }
          : { type: 'ChangeServerMetadata', data: { serverId, byAdmin: false, set: { step: String(i) }, remove: [], replace: false }, metadata };
    const decided = serverDecider.decide(command, state);
    for (const e of decided) state = serverDecider.evolve(state, e);
    batch.push(...newEvents(command, decided, stream, deterministicEventId));
    times.push(now);
    if (batch.length >= 500 || i === events - 1) {
      await store.append(stream, batch, version < 0n ? 'no_stream' : version);
      version += BigInt(batch.length);
      batch = [];
    }
  }
  return { serverId, times };
}

const ms = (since: number) => performance.now() - since;

/**
 * History of one server with `events` events: the API's default answer (the first page, 1,000
 * events), the last page (every event before it folded), and the whole history in one read (the CLI).
 */
export async function benchHistory(store: EventStore, events = 10_000, samples = 30) {
  const { serverId } = await seedLongServer(store, events);
  const server = resourceType('server')!;
  // As the API holds them: the first request of the last page folds the whole stream, later ones start at a snapshot.
  const snapshots = new HistorySnapshots();
  const whole: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < samples + 3; i++) {
    let t = performance.now();
    const h = await readHistory(store, server, serverId);
    const a = ms(t);
    if (h.events.length !== events) throw new Error(`history read ${h.events.length} of ${events} events`);
    t = performance.now();
    const p = await readHistory(store, server, serverId, { limit: 1000 });
    const b = ms(t);
    if (!p.more || p.events.length !== 1000) throw new Error('the first page is not a full page');
    t = performance.now();
    const l = await readHistory(store, server, serverId, { limit: 1000, afterVersion: events - 1001 }, snapshots);
    const c = ms(t);
    if (l.more || l.events.length !== 1000) throw new Error('the last page is not the last 1,000 events');
    if (i >= 3) {
      whole.push(a);
      first.push(b);
      last.push(c);
    }
  }
  for (const list of [whole, first, last]) list.sort((x, y) => x - y);
  return {
    events,
    samples,
    firstPageP50: percentile(first, 50),
    firstPageP99: percentile(first, 99),
    lastPageP50: percentile(last, 50),
    wholeP50: percentile(whole, 50),
    wholeP99: percentile(whole, 99),
  };
}

/**
 * A list of every server as of the middle of the log (as the `?as_of=` list does), cold (a fresh
 * TimeTravel: the fold is read and computed) and warm (the same instant again: the fold is cached),
 * and one server's show (its own stream).
 */
export async function benchAsOf(store: EventStore, databaseUrl: string, at: string, serverId: string, samples = 10) {
  const asOf = parseAsOf(at);
  const list = (travel: TimeTravel) => travel.at(asOf, ['compute_servers'], (rm) => rm.query('SELECT * FROM rm.compute_servers WHERE NOT deleted ORDER BY created_at DESC'));
  const cold: number[] = [];
  const warm: number[] = [];
  const show: number[] = [];
  let rows = 0;
  let folded = 0;
  for (let i = 0; i < samples + 1; i++) {
    const travel = new TimeTravel(store, databaseUrl, ALL_PROJECTIONS);
    try {
      let t = performance.now();
      rows = (await list(travel)).length;
      const a = ms(t);
      folded = travel.last.eventsFolded;
      t = performance.now();
      if ((await list(travel)).length !== rows) throw new Error('a cached fold answered differently');
      const b = ms(t);
      t = performance.now();
      await travel.at(asOf, ['compute_servers'], (rm) => rm.query('SELECT * FROM rm.compute_servers WHERE id = $1', [serverId]), { streams: [serverStream(serverId)] });
      const c = ms(t);
      if (i >= 1) {
        cold.push(a);
        warm.push(b);
        show.push(c);
      }
    } finally {
      await travel.close();
    }
  }
  for (const l of [cold, warm, show]) l.sort((x, y) => x - y);
  return { rows, eventsFolded: folded, listP50: percentile(cold, 50), listP99: percentile(cold, 99), warmP50: percentile(warm, 50), showP50: percentile(show, 50) };
}
