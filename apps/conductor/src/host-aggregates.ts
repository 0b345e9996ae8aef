import { aggregateZones, aggregatesDecider, AGGREGATES_STREAM, AggregatesState, ComputeHost, HostCommand, hostDecider, HostState, hostStream } from '../../../domain/compute';
import { HostState as SchedulerHost } from '../../../domain/scheduling';
import { CommandMetadata, EventStore, newEvents, NO_STREAM, WrongExpectedVersionError } from '../../../domain/kernel';
import { deterministicEventId, uuidFromName } from '../../../infra/ids/ids';

interface Cached {
  state: HostState;
  version: bigint | null;
}

/** How old a host's view may be when the scheduler filters and weighs it. */
const SCHEDULER_VIEW_MS = 200;

export const hostStreamOf = (host: string) => hostStream(uuidFromName(`host:${host}`));

/**
 * The compute hosts, folded in memory and kept current by reading only what was appended since
 * (a host stream grows with every claim). Commands append with the folded version as expected
 * version, so a claim decided on a stale view is refused by the store and decided again: two
 * concurrent builds can never overcommit a host (DESIGN.md, Compute).
 */
export class HostAggregates {
  private readonly cache = new Map<string, Cached>();
  private readonly refreshing = new Map<string, Promise<Cached>>();
  /** When each host's fold last caught up with its stream. */
  private readonly refreshedAt = new Map<string, number>();
  /** The command running on each host, so that the next waits for it. */
  private readonly queues = new Map<string, Promise<unknown>>();

  /** Nova's host aggregates (one stream), folded for the zones they give hosts. */
  private zones: { state: AggregatesState; version: bigint | null; at: number; byHost: Map<string, string> } = { state: aggregatesDecider.initialState, version: null, at: 0, byHost: new Map() };
  private zonesRefresh: Promise<void> | null = null;

  constructor(private readonly store: EventStore) {}

  /** Catches the aggregates up with their stream (one read at a time). */
  private refreshZones(): Promise<void> {
    this.zonesRefresh ??= (async () => {
      const z = this.zones;
      let state = z.state;
      let version = z.version;
      for await (const e of this.store.readStream(AGGREGATES_STREAM, version === null ? {} : { fromVersion: version + 1n })) {
        state = aggregatesDecider.evolve(state, e as never);
        version = e.version;
      }
      this.zones = { state, version, at: Date.now(), byHost: version === z.version ? z.byHost : aggregateZones(state) };
    })().finally(() => (this.zonesRefresh = null));
    return this.zonesRefresh;
  }

  get names(): string[] {
    return [...this.cache.keys()];
  }

  know(host: string): void {
    if (!this.cache.has(host)) this.cache.set(host, { state: hostDecider.initialState, version: null });
  }

  /** Every host that ever registered, from the log: done once at start. */
  async discover(): Promise<void> {
    for await (const e of this.store.readAll({ filter: { eventTypes: ['ComputeHostRegistered'] } })) this.know((e.data as { host: string }).host);
  }

  /** Catches the host up with its stream; concurrent callers share one read, so no event is folded twice. */
  refresh(host: string): Promise<Cached> {
    this.know(host);
    const running = this.refreshing.get(host);
    if (running) return running.then(() => this.refresh(host));
    const entry = this.cache.get(host)!;
    const done = (async () => {
      const from = entry.version === null ? undefined : entry.version + 1n;
      for await (const e of this.store.readStream(hostStreamOf(host), from === undefined ? {} : { fromVersion: from })) {
        // `run` may have folded its own append while this read was under way.
        if (entry.version !== null && e.version <= entry.version) continue;
        entry.state = hostDecider.evolve(entry.state, e as never);
        entry.version = e.version;
      }
      this.refreshedAt.set(host, Date.now());
      return entry;
    })().finally(() => this.refreshing.delete(host));
    this.refreshing.set(host, done);
    return done;
  }

  async host(host: string): Promise<ComputeHost | null> {
    const { state } = await this.refresh(host);
    return state.status === 'registered' ? state.host : null;
  }

  /**
   * Views of every registered host, as the scheduler takes them: read again when older than
   * SCHEDULER_VIEW_MS (Nova's scheduler also works from a cached host state). A claim is always
   * appended with the version of the fold it was decided on (`run`), so a stale view can only
   * cost a refused claim and a retry. A host the request names (`named`: an admin's forced or
   * requested host) is always read afresh: a claim does not look at whether the service is
   * enabled, so the view it was placed from must not predate a disable the admin just made.
   */
  async schedulerHosts(options: { zoneAsked?: boolean; named?: string | null } = {}): Promise<SchedulerHost[]> {
    const out: SchedulerHost[] = [];
    const now = Date.now();
    // A request for a zone reads the aggregates first: the zone may have been made just before it, so
    // a read already under way (it may have started before that) is waited for and followed by another.
    if (options.zoneAsked) {
      await this.zonesRefresh;
      await this.refreshZones();
    } else if (this.zones.at <= now - SCHEDULER_VIEW_MS) await this.refreshZones();
    const zones = this.zones.byHost;
    for (const name of this.names) {
      const fresh = name !== options.named && (this.refreshedAt.get(name) ?? 0) > now - SCHEDULER_VIEW_MS;
      const entry = fresh ? this.cache.get(name)! : await this.refresh(name);
      if (entry.state.status !== 'registered') continue;
      const view = toSchedulerHost(entry.state.host);
      // nova/availability_zones.py: a host's zone is its aggregate's where it has one.
      const zone = zones.get(name);
      out.push(zone === undefined ? view : { ...view, availabilityZone: zone });
    }
    return out;
  }

  /**
   * Decides against the cached state, without reading the stream first, and appends with its
   * version; on a conflict (another writer: the API disabling the service, say), catches up and
   * decides again. Commands on one host run one after another, so the conductor's own builds never
   * conflict with each other, and each append is folded at once instead of being read back.
   */
  run(command: HostCommand, requestKey: string, metadata: CommandMetadata): Promise<void> {
    const host = command.data.host;
    const previous = this.queues.get(host) ?? Promise.resolve();
    const mine = previous.then(() => this.runNow(command, requestKey, metadata));
    const settled = mine.catch(() => undefined);
    this.queues.set(host, settled);
    void settled.then(() => {
      if (this.queues.get(host) === settled) this.queues.delete(host);
    });
    return mine;
  }

  private async runNow(command: HostCommand, requestKey: string, metadata: CommandMetadata): Promise<void> {
    const host = command.data.host;
    for (let attempt = 0; ; attempt++) {
      // The first attempt decides on the fold as held, unread (the append's expected version
      // refuses a stale one); a refusal or a no-op on it is believed once the stream has nothing newer.
      const held = attempt === 0 ? this.cache.get(host) : undefined;
      const optimistic = held !== undefined && held.version !== null;
      const entry = optimistic ? held : await this.refresh(host);
      const seen = entry.version;
      let events: ReturnType<typeof hostDecider.decide>;
      try {
        events = hostDecider.decide(command, entry.state);
      } catch (e) {
        if (optimistic && (await this.refresh(host)).version !== seen) continue;
        throw e;
      }
      if (events.length === 0) {
        if (optimistic && (await this.refresh(host)).version !== seen) continue;
        return;
      }
      const stream = hostStreamOf(host);
      const expected = entry.version;
      try {
        const result = await this.store.append(stream, newEvents({ ...command, metadata }, events, stream, deterministicEventId, 1, requestKey), expected === null ? NO_STREAM : expected);
        if (entry.version === expected) {
          entry.state = events.reduce((state, e) => hostDecider.evolve(state, e), entry.state);
          entry.version = result.nextVersion;
        }
        return;
      } catch (e) {
        if (e instanceof WrongExpectedVersionError && attempt < 100) continue;
        throw e;
      }
    }
  }

}

/**
 * The servers on a host, per claims record: the record is replaced by every claim and release and
 * shared by every other change, so a host's list is built once per claim, not for every view the
 * scheduler takes (thousands of claims per host made that a tenth of the conductor's CPU).
 */
const instancesByClaims = new WeakMap<ComputeHost['claims'], string[]>();
function instancesOf(claims: ComputeHost['claims']): string[] {
  let instances = instancesByClaims.get(claims);
  if (instances === undefined) {
    instances = Object.values(claims).map((c) => c.serverId);
    instancesByClaims.set(claims, instances);
  }
  return instances;
}

export function toSchedulerHost(h: ComputeHost): SchedulerHost {
  return {
    host: h.host,
    availabilityZone: h.availabilityZone,
    enabled: h.enabled,
    up: h.reporting && !h.forcedDown,
    vcpus: h.resources.vcpus,
    memoryMb: h.resources.memoryMb,
    localGb: h.resources.localGb,
    vcpusUsed: h.vcpusUsed,
    memoryMbUsed: h.memoryMbUsed,
    localGbUsed: h.localGbUsed,
    ...h.allocation,
    instances: instancesOf(h.claims),
    hypervisorType: h.resources.hypervisorType,
    hypervisorVersion: h.resources.hypervisorVersion,
    cpuArch: h.resources.cpuArch,
  };
}
