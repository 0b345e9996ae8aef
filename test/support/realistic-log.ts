/*
 * A realistic event log written fast. Every event comes out of the real deciders: a command is
 * decided against the aggregate's state folded in memory, turned into appendable events by the
 * kernel's `newEvents` (ids derived from the request, the command's metadata on each), and queued;
 * `flush` appends each stream's queue with its exact expected version. This is handleCommand
 * without the read before every decision, which is what limits the API to ~50 servers/s.
 *
 * Used by the rebuild-under-load e2e test (servers only) and by `npm run bench:ops` (the mix).
 */
import { createHash } from 'node:crypto';
import { FlavorSnapshot, flavorDiskGb, POWER } from '../../domain/compute';
import { flavorDecider } from '../../domain/compute/flavor';
import { hostDecider } from '../../domain/compute/host';
import { ServerCommand, serverDecider, ServerImage } from '../../domain/compute/server';
import { flavorStream, hostStream, serverStream, uniqueFlavorNameStream } from '../../domain/compute/streams';
import {
  assignmentDecider,
  assignmentKey,
  assignmentStream,
  domainStream,
  identityDomainDecider,
  nameReservationDecider,
  projectDecider,
  projectStream,
  roleDecider,
  roleStream,
  tokenDecider,
  tokenStream,
  uniqueDomainNameStream,
  uniqueProjectNameStream,
  uniqueRoleNameStream,
  uniqueUserNameStream,
  userDecider,
  userStream,
} from '../../domain/identity';
import { imageDecider } from '../../domain/image';
import { imageStream } from '../../domain/image/streams';
import { Actor, Command, CommandMetadata, Decider, DomainEvent, EventStore, ExpectedVersion, newEvents, NewEvent, NO_STREAM, Position } from '../../domain/kernel';
import { deterministicEventId, uuidFromName } from '../../infra/ids/ids';

/** The conductor's actor on the commands it runs for agents' reports (apps/conductor). */
export const CONDUCTOR_ACTOR: Actor = { userId: null, projectId: null, domainId: null, roles: ['service'] };

const keystoneId = (name: string) => uuidFromName(name).replace(/-/g, '');
const hex = (algorithm: 'md5' | 'sha256' | 'sha512', text: string) => createHash(algorithm).update(text).digest('hex');

interface StreamEntry {
  state: unknown;
  /** Events decided so far on the stream, appended or queued. */
  count: number;
}

interface Queued {
  expected: ExpectedVersion;
  events: NewEvent[];
}

/** Decides commands against in-memory state and appends the events in bulk, stream by stream. */
export class LogWriter {
  private readonly streams = new Map<string, StreamEntry>();
  private queue = new Map<string, Queued>();
  private queued = 0;
  private clock: number;
  private requests = 0;
  /** Events appended so far, and the position of the newest. */
  appended = 0;
  head: Position | null = null;

  constructor(
    private readonly store: EventStore,
    /** Where the synthetic clock starts; each command advances it by `stepMs`. */
    start = '2026-06-01T08:00:00.000Z',
    private readonly stepMs = 5,
  ) {
    this.clock = Date.parse(start);
  }

  get pending(): number {
    return this.queued;
  }

  /** The synthetic clock, advanced by one step. */
  tick(): string {
    this.clock += this.stepMs;
    return new Date(this.clock).toISOString();
  }

  /** Metadata of one request: a deterministic request id, the actor, the next instant. */
  meta(requestKey: string, actor: Actor, correlationId?: string): CommandMetadata {
    const requestId = `req-${uuidFromName(`seed\u0000${requestKey}\u0000${this.requests++}`)}`;
    return { requestId, correlationId: correlationId ?? requestId.slice(4), causationId: requestId, actor, now: this.tick() };
  }

  /** One command through the real decider; its events are queued for the next flush. A refusal throws, as it would in the API. */
  run<C extends Command, E extends DomainEvent, S>(decider: Decider<C, E, S>, stream: string, type: C['type'], data: C['data'], metadata: CommandMetadata): E[] {
    const entry = this.streams.get(stream) ?? { state: decider.initialState, count: 0 };
    const command = { type, data, metadata } as C;
    const decided = decider.decide(command, entry.state as S);
    if (decided.length > 0) {
      let queued = this.queue.get(stream);
      if (!queued) {
        queued = { expected: entry.count === 0 ? NO_STREAM : BigInt(entry.count - 1), events: [] };
        this.queue.set(stream, queued);
      }
      queued.events.push(...newEvents(command, decided, stream, deterministicEventId));
      entry.state = decided.reduce(decider.evolve, entry.state as S);
      entry.count += decided.length;
      this.queued += decided.length;
    }
    this.streams.set(stream, entry);
    return decided;
  }

  state<S>(stream: string): S | undefined {
    return this.streams.get(stream)?.state as S | undefined;
  }

  /** Drops the state of a stream no command will touch again (tokens), so a million of them fit in memory. */
  forget(stream: string): void {
    this.streams.delete(stream);
  }

  /** Appends every queued stream, `concurrency` appends at a time; returns the newest position. */
  async flush(concurrency = 8): Promise<Position | null> {
    const batches = [...this.queue.entries()];
    this.queue = new Map();
    this.queued = 0;
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const [stream, { expected, events }] = batches[next++];
        const { position } = await this.store.append(stream, events, expected);
        this.appended += events.length;
        if (this.head === null || position > this.head) this.head = position;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return this.head;
  }
}

export interface Tenant {
  projectId: string;
  userId: string;
}

export interface ServerFleetOptions {
  /** Prefix of every name and id this fleet derives, so two fleets never collide. */
  prefix: string;
  tenants: Tenant[];
  flavors: FlavorSnapshot[];
  images: ServerImage[];
  hosts: string[];
  /** Record host claims and releases on `host-` streams, as the conductor does (needs registered hosts). */
  claims?: boolean;
  /** Rounds of power actions, metadata, tags, renames, lock, resize and rebuild after the build: ~25 events each (27 with claims). */
  actionRounds?: number;
  /** One server in `deleteEvery` is deleted at the end of its life (0: none). */
  deleteEvery?: number;
  /** One build in `failEvery` ends in ERROR (no valid host) and the server sees no action (0: none). */
  failEvery?: number;
}

export interface SeededServer {
  id: string;
  name: string;
  projectId: string;
  deleted: boolean;
  failed: boolean;
}

/** One step of a server's life: an API call, or a report the conductor records. Steps of many servers interleave in the log. */
type Step = () => void;

/**
 * Servers as the API and the conductor write them: create; scheduled and spawned; then rounds of
 * stop/start, reboot, metadata, tags, rename, pause/unpause, suspend/resume, lock/unlock,
 * resize (claimed, resized, confirmed) and rebuild, each request followed by its completion;
 * some builds fail, some servers are deleted at the end.
 */
export class ServerFleet {
  readonly servers: SeededServer[] = [];

  constructor(
    private readonly log: LogWriter,
    private readonly options: ServerFleetOptions,
  ) {}

  serverId(i: number): string {
    return uuidFromName(`${this.options.prefix}/server/${i}`);
  }

  /**
   * Writes the lives of `count` more servers, `width` of them side by side (their steps interleave
   * in the log), flushing every ~`flushEvents` queued events; `between` runs after every step.
   */
  async seed(count: number, opts: { width?: number; flushEvents?: number; onProgress?: (events: number) => void; between?: () => void } = {}): Promise<void> {
    const { width = 2_000, flushEvents = 20_000, onProgress, between } = opts;
    const end = this.servers.length + count;
    for (let first = this.servers.length; first < end; first += width) {
      const scripts: Step[][] = [];
      for (let i = first; i < Math.min(end, first + width); i++) scripts.push(this.script(i));
      const rounds = Math.max(...scripts.map((s) => s.length));
      for (let r = 0; r < rounds; r++) {
        for (const script of scripts) {
          if (!script[r]) continue;
          script[r]();
          between?.();
          if (this.log.pending >= flushEvents) {
            await this.log.flush();
            onProgress?.(this.log.appended);
          }
        }
      }
    }
    await this.log.flush();
    onProgress?.(this.log.appended);
  }

  private script(i: number): Step[] {
    const o = this.options;
    const tenant = o.tenants[i % o.tenants.length];
    const owner: Actor = { userId: tenant.userId, projectId: tenant.projectId, domainId: 'default', roles: ['member', 'reader'] };
    const serverId = this.serverId(i);
    const stream = serverStream(serverId);
    const name = `${o.prefix}-vm-${i}`;
    const bootFlavor = o.flavors[i % o.flavors.length];
    const image = o.images[i % o.images.length];
    const host = o.hosts[i % o.hosts.length];
    const failed = o.failEvery !== undefined && o.failEvery > 0 && i % o.failEvery === o.failEvery - 1;
    const deleted = !failed && o.deleteEvery !== undefined && o.deleteEvery > 0 && i % o.deleteEvery === 0;
    const record: SeededServer = { id: serverId, name, projectId: tenant.projectId, deleted, failed };
    this.servers.push(record);

    let correlation = '';
    const api = (type: ServerCommand['type'], data: Record<string, unknown>) => {
      const meta = this.log.meta(`${serverId}/${type}`, owner);
      correlation = meta.correlationId;
      const caller = type === 'CreateServer' ? {} : { byAdmin: false };
      return this.log.run(serverDecider, stream, type, { serverId, ...caller, ...data } as ServerCommand['data'], meta);
    };
    const conductor = (type: ServerCommand['type'], data: Record<string, unknown>) =>
      this.log.run(serverDecider, stream, type, { serverId, ...data } as ServerCommand['data'], this.log.meta(`conductor/${serverId}/${type}`, CONDUCTOR_ACTOR, correlation));
    const claim = (claimId: string, f: FlavorSnapshot) => {
      if (!o.claims) return;
      this.log.run(hostDecider, hostStream(uuidFromName(`host:${host}`)), 'ClaimHostResources', { host, claimId, serverId, vcpus: f.vcpus, memoryMb: f.memoryMb, diskGb: flavorDiskGb(f) }, this.log.meta(`claim/${claimId}`, CONDUCTOR_ACTOR, correlation));
    };
    const release = (claimId: string) => {
      if (!o.claims) return;
      this.log.run(hostDecider, hostStream(uuidFromName(`host:${host}`)), 'ReleaseHostClaim', { host, claimId }, this.log.meta(`release/${claimId}`, CONDUCTOR_ACTOR, correlation));
    };
    /** A request and the agent's report of it, as the conductor records it. */
    const action = (act: 'stop' | 'start' | 'reboot' | 'pause' | 'unpause' | 'suspend' | 'resume', powerState: number) => () => {
      const [requested] = api('RequestServerAction', { action: act, ...(act === 'reboot' ? { rebootType: i % 4 === 0 ? 'HARD' : 'SOFT' } : {}) });
      conductor('CompleteServerAction', { orderId: (requested.data as { orderId: string }).orderId, action: act, powerState });
    };

    const buildClaim = uuidFromName(`claim/${serverId}/1/0`);
    const steps: Step[] = [
      () => {
        const reservationId = `r-${uuidFromName(`reservation/${serverId}`).slice(0, 8)}`;
        api('CreateServer', {
          name,
          description: i % 3 === 0 ? `${o.prefix} web tier ${i % 7}` : null,
          projectId: tenant.projectId,
          userId: tenant.userId,
          flavor: bootFlavor,
          image,
          keyName: i % 2 === 0 ? `key-${tenant.userId.slice(0, 6)}` : null,
          keyData: i % 2 === 0 ? `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${uuidFromName(`key/${tenant.userId}`).replace(/-/g, '')} ${tenant.userId}` : null,
          metadata: { role: ['web', 'db', 'cache', 'batch'][i % 4], team: `team-${i % 11}` },
          availabilityZone: i % 5 === 0 ? 'nova' : null,
          requestedHost: null,
          serverGroupId: null,
          hints: { sameHost: [], differentHost: [] },
          reservationId,
          launchIndex: 0,
          hostname: name,
          instanceName: `instance-${serverId.slice(0, 8)}`,
          accessIPv4: null,
          accessIPv6: null,
          userData: i % 6 === 0 ? Buffer.from(`#cloud-config\nhostname: ${name}\n`).toString('base64') : null,
          configDrive: '',
          tags: i % 3 === 0 ? ['prod'] : [],
          autoDiskConfig: false,
        });
      },
      failed
        ? () => conductor('FailServerBuild', { fault: { code: 500, message: 'No valid host was found. There are not enough hosts available.', details: '' } })
        : () => {
            claim(buildClaim, bootFlavor);
            conductor('RecordServerScheduled', { host, node: host, availabilityZone: 'nova', claimId: buildClaim, attempt: 1 });
            conductor('RecordServerSpawned', { host, powerState: POWER.RUNNING });
          },
    ];
    if (failed) return steps;

    let claimId = buildClaim;
    let flavor = bootFlavor;
    for (let round = 0; round < (o.actionRounds ?? 1); round++) {
      const next = o.flavors[(i + round + 1) % o.flavors.length];
      steps.push(
        action('stop', POWER.SHUTDOWN),
        action('start', POWER.RUNNING),
        () => api('ChangeServerMetadata', { set: { owner: `user-${(i + round) % 13}`, round: String(round) }, remove: [], replace: false }),
        action('reboot', POWER.RUNNING),
        () => api('ChangeServerTags', { add: [`rev-${round}`], remove: [], replace: false }),
        action('pause', POWER.PAUSED),
        action('unpause', POWER.RUNNING),
        () => api('UpdateServer', { name: `${name}-r${round}` }),
        action('suspend', POWER.SUSPENDED),
        action('resume', POWER.RUNNING),
        () => api('LockServer', { reason: round % 2 === 0 ? 'maintenance window' : null }),
        () => api('UnlockServer', {}),
      );
      if (next.id !== flavor.id) {
        const resizeClaim = uuidFromName(`resize-claim/${serverId}/${round}`);
        const previousClaim = claimId;
        const target = next;
        steps.push(
          () => {
            const [requested] = api('ResizeServer', { flavor: target });
            const orderId = (requested.data as { orderId: string }).orderId;
            claim(resizeClaim, target);
            conductor('RecordResizeClaimed', { orderId, host, node: host, claimId: resizeClaim });
            conductor('CompleteServerAction', { orderId, action: 'resize', powerState: POWER.RUNNING });
          },
          () => {
            api('ConfirmServerResize', {});
            release(previousClaim);
          },
        );
        claimId = resizeClaim;
        flavor = target;
      }
      steps.push(() => {
        const [requested] = api('RebuildServer', { image: o.images[(i + round + 1) % o.images.length] });
        conductor('CompleteServerAction', { orderId: (requested.data as { orderId: string }).orderId, action: 'rebuild', powerState: POWER.RUNNING });
      });
    }
    if (deleted) {
      const finalClaim = () => claimId;
      steps.push(() => {
        api('DeleteServer', { force: false });
        conductor('CompleteServerDeletion', {});
        release(finalClaim());
      });
    }
    return steps;
  }
}

export const SEED_FLAVORS: FlavorSnapshot[] = [
  { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true, description: null, extraSpecs: {} },
  { id: '2', name: 'm1.small', vcpus: 1, memoryMb: 2048, rootGb: 20, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true, description: null, extraSpecs: {} },
  { id: '3', name: 'm1.medium', vcpus: 2, memoryMb: 4096, rootGb: 40, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true, description: null, extraSpecs: { 'hw:cpu_policy': 'shared' } },
  { id: '4', name: 'm1.large', vcpus: 4, memoryMb: 8192, rootGb: 80, ephemeralGb: 0, swapMb: 1024, rxtxFactor: 1, isPublic: true, description: 'general purpose', extraSpecs: { 'hw:cpu_policy': 'shared' } },
];

export function seedImages(prefix: string, count: number): ServerImage[] {
  return Array.from({ length: count }, (_, i) => ({
    id: uuidFromName(`${prefix}/image/${i}`),
    name: ['ubuntu-24.04', 'debian-12', 'cirros-0.6.2', 'rocky-9'][i % 4] + (i >= 4 ? `-${i}` : ''),
    properties: { os_distro: ['ubuntu', 'debian', 'cirros', 'rocky'][i % 4], hw_disk_bus: 'virtio' },
    diskFormat: 'qcow2',
    minDisk: 1,
    minRam: 0,
  }));
}

export function seedTenants(prefix: string, count: number): Tenant[] {
  return Array.from({ length: count }, (_, i) => ({ projectId: keystoneId(`${prefix}/project/${i}`), userId: keystoneId(`${prefix}/user/${i}`) }));
}

export interface CloudMix {
  /** Events to write, about: the servers take what the rest leaves. */
  totalEvents: number;
  /** Share of TokenIssued/TokenRevoked events (a real cloud issues a token per CLI call). */
  tokenShare: number;
  projects: number;
  usersPerProject: number;
  flavors: number;
  images: number;
  hosts: number;
}

export const DEFAULT_MIX: CloudMix = { totalEvents: 1_000_000, tokenShare: 0.25, projects: 400, usersPerProject: 5, flavors: 24, images: 4_000, hosts: 32 };

export interface SeededCloud {
  events: number;
  head: Position | null;
  servers: number;
  counts: Record<string, number>;
}

/**
 * A cloud's log: the Default domain and roles; projects and users (name reservations, creation,
 * member grants); flavors with extra specs; images (create, upload, activate, tags, rename);
 * compute hosts; servers with their claims; and tokens issued (and some revoked) all along.
 */
export async function seedCloud(store: EventStore, mix: CloudMix = DEFAULT_MIX, onProgress?: (events: number) => void): Promise<SeededCloud> {
  const log = new LogWriter(store, '2026-01-05T07:00:00.000Z', 3);
  const counts: Record<string, number> = {};
  const count = (what: string, n: number) => (counts[what] = (counts[what] ?? 0) + n);
  const admin: Actor = { userId: keystoneId('cloud/user/admin'), projectId: keystoneId('cloud/project/admin'), domainId: 'default', roles: ['admin', 'member', 'reader'] };
  const step = (key: string) => log.meta(key, admin);
  const before = () => log.pending;
  const tally = (what: string, from: number) => count(what, log.pending - from);

  // Identity: the Default domain, Keystone's roles, projects and their users.
  let mark = before();
  log.run(nameReservationDecider, uniqueDomainNameStream('Default'), 'ReserveName', { owner: domainStream('default'), resource: 'domain', name: 'Default' }, step('domain'));
  log.run(identityDomainDecider, domainStream('default'), 'CreateDomain', { domainId: 'default', name: 'Default', description: 'The default domain' }, step('domain'));
  const roles: Record<string, string> = {};
  for (const role of ['admin', 'member', 'reader']) {
    roles[role] = keystoneId(`cloud/role/${role}`);
    log.run(nameReservationDecider, uniqueRoleNameStream(null, role), 'ReserveName', { owner: roleStream(roles[role]), resource: 'role', name: role }, step(`role/${role}`));
    log.run(roleDecider, roleStream(roles[role]), 'CreateRole', { roleId: roles[role], name: role, domainId: null }, step(`role/${role}`));
  }
  const tenants: Tenant[] = [];
  const users: { userId: string; projectId: string }[] = [];
  for (let p = 0; p < mix.projects; p++) {
    const projectId = keystoneId(`cloud/project/${p}`);
    const name = `project-${p}`;
    log.run(nameReservationDecider, uniqueProjectNameStream('default', name), 'ReserveName', { owner: projectStream(projectId), resource: 'project', name }, step(`project/${p}`));
    log.run(projectDecider, projectStream(projectId), 'CreateProject', { projectId, domainId: 'default', name, description: `Project ${p}`, enabled: true, parentId: 'default', tags: p % 4 === 0 ? ['billing-a'] : [] }, step(`project/${p}`));
    for (let u = 0; u < mix.usersPerProject; u++) {
      const userId = keystoneId(`cloud/user/${p}/${u}`);
      const userName = `user-${p}-${u}`;
      log.run(nameReservationDecider, uniqueUserNameStream('default', userName), 'ReserveName', { owner: userStream(userId), resource: 'user', name: userName }, step(`user/${p}/${u}`));
      log.run(
        userDecider,
        userStream(userId),
        'CreateUser',
        { userId, domainId: 'default', name: userName, enabled: true, defaultProjectId: projectId, email: `${userName}@example.org`, passwordHash: `$scrypt$ln=16,r=8,p=1$${hex('sha256', userName).slice(0, 22)}$${hex('sha256', `pw/${userName}`)}` },
        step(`user/${p}/${u}`),
      );
      const grant = { actorType: 'user' as const, actorId: userId, targetType: 'project' as const, targetId: projectId, roleId: u === 0 ? roles.admin : roles.member, inherited: false };
      log.run(assignmentDecider, assignmentStream(uuidFromName(assignmentKey(grant))), 'AssignRole', { ...grant, context: { roleDomainId: null, projectDomainId: 'default' } }, step(`grant/${p}/${u}`));
      users.push({ userId, projectId });
      if (u === 1) tenants.push({ projectId, userId });
    }
  }
  tally('identity', mark);

  // Flavors (with a name reservation each, as the API writes them) and their extra specs.
  mark = before();
  const flavors: FlavorSnapshot[] = [];
  for (let f = 0; f < mix.flavors; f++) {
    const vcpus = 1 << f % 4;
    const flavor: FlavorSnapshot = {
      id: String(100 + f),
      name: `g${Math.floor(f / 4)}.${['small', 'medium', 'large', 'xlarge'][f % 4]}`,
      vcpus,
      memoryMb: 2048 * vcpus,
      rootGb: 20 * vcpus,
      ephemeralGb: f % 3 === 0 ? 10 : 0,
      swapMb: 0,
      rxtxFactor: 1,
      isPublic: f % 6 !== 5,
      description: f % 2 === 0 ? `generation ${Math.floor(f / 4)}` : null,
      extraSpecs: { 'hw:cpu_policy': 'shared', 'quota:disk_read_iops_sec': String(1000 * vcpus) },
    };
    const owner = flavorStream(uuidFromName(`flavor:${flavor.id}`));
    log.run(nameReservationDecider, uniqueFlavorNameStream(flavor.name), 'ReserveName', { owner, resource: 'flavor', name: flavor.name }, step(`flavor/${f}`));
    const { extraSpecs, id, ...created } = flavor;
    log.run(flavorDecider, owner, 'CreateFlavor', { flavorId: id, ...created }, step(`flavor/${f}`));
    log.run(flavorDecider, owner, 'SetFlavorExtraSpecs', { flavorId: id, extraSpecs }, step(`flavor/${f}/specs`));
    if (!flavor.isPublic) log.run(flavorDecider, owner, 'AddFlavorAccess', { flavorId: id, projectId: tenants[f % tenants.length].projectId }, step(`flavor/${f}/access`));
    flavors.push(flavor);
  }
  tally('flavors', mark);

  // Compute hosts as their agents register them.
  mark = before();
  const hosts = Array.from({ length: mix.hosts }, (_, h) => `compute-${String(h + 1).padStart(3, '0')}`);
  for (const host of hosts) {
    log.run(
      hostDecider,
      hostStream(uuidFromName(`host:${host}`)),
      'RegisterComputeHost',
      {
        host,
        serviceId: uuidFromName(`service/${host}`),
        hypervisorId: uuidFromName(`hypervisor/${host}`),
        availabilityZone: 'nova',
        resources: { hypervisorHostname: host, hypervisorType: 'QEMU', hypervisorVersion: 8002002, cpuArch: 'x86_64', cpuInfo: { model: 'EPYC' }, hostIp: `10.0.${Math.floor(hosts.indexOf(host) / 250)}.${(hosts.indexOf(host) % 250) + 1}`, vcpus: 4096, memoryMb: 8_388_608, localGb: 1_000_000 },
        allocation: { cpuAllocationRatio: 16, ramAllocationRatio: 1.5, diskAllocationRatio: 1, reservedHostMemoryMb: 512, reservedHostDiskMb: 0, reservedHostCpus: 0 },
      },
      log.meta(`register/${host}`, CONDUCTOR_ACTOR),
    );
  }
  tally('hosts', mark);
  await log.flush();

  // Images: created, uploaded, activated, tagged, renamed.
  mark = log.appended;
  const images: ServerImage[] = [];
  for (let n = 0; n < mix.images; n++) {
    const tenant = tenants[n % tenants.length];
    const actor: Actor = { userId: tenant.userId, projectId: tenant.projectId, domainId: 'default', roles: ['member', 'reader'] };
    const imageId = uuidFromName(`cloud/image/${n}`);
    const stream = imageStream(imageId);
    const name = `${['ubuntu-24.04', 'debian-12', 'cirros-0.6.2', 'rocky-9'][n % 4]}-build-${n}`;
    const properties = { os_distro: ['ubuntu', 'debian', 'cirros', 'rocky'][n % 4], hw_disk_bus: 'virtio', hw_qemu_guest_agent: 'yes' };
    log.run(imageDecider, stream, 'CreateImage', { imageId, name, owner: tenant.projectId, visibility: n % 10 === 0 ? 'public' : 'private', diskFormat: 'qcow2', containerFormat: 'bare', minDisk: 1, minRam: 0, tags: [], properties }, log.meta(`image/${n}`, actor));
    log.run(imageDecider, stream, 'StartImageUpload', { imageId, uploader: 'api-1' }, log.meta(`image/${n}/upload`, actor));
    const size = 100_000_000 + n * 4096;
    log.run(imageDecider, stream, 'ActivateImage', { imageId, size, checksum: hex('md5', name), osHashAlgo: 'sha512', osHashValue: hex('sha512', name), virtualSize: size * 4, blobKey: `images/${imageId}` }, log.meta(`image/${n}/upload`, actor));
    log.run(imageDecider, stream, 'AddImageTag', { imageId, tag: 'golden' }, log.meta(`image/${n}/tag`, actor));
    log.run(imageDecider, stream, 'AddImageTag', { imageId, tag: `release-${n % 12}` }, log.meta(`image/${n}/tag2`, actor));
    log.run(imageDecider, stream, 'UpdateImage', { imageId, operations: [{ op: 'replace', path: 'name', value: `${name}-final` }] }, log.meta(`image/${n}/rename`, actor));
    images.push({ id: imageId, name: `${name}-final`, properties, diskFormat: 'qcow2', minDisk: 1, minRam: 0 });
    if (log.pending >= 20_000) await log.flush();
  }
  await log.flush();
  count('images', log.appended - mark);
  onProgress?.(log.appended);

  // Servers with their claims, and tokens issued all along: a token for about every other API call,
  // in the proportion the mix asks for, so that they interleave with the servers in the log.
  const tokenTarget = Math.round(mix.totalEvents * mix.tokenShare);
  const fleet = new ServerFleet(log, { prefix: 'cloud', tenants, flavors, images, hosts, claims: true, actionRounds: 2, deleteEvery: 8, failEvery: 40 });
  const firstServerEvent = log.appended;
  let tokenEvents = 0;
  let tokensIssued = 0;
  const issueToken = () => {
    const n = tokensIssued++;
    const user = users[(n * 7919) % users.length];
    const tokenId = uuidFromName(`cloud/token/${n}`);
    const stream = tokenStream(tokenId);
    const meta = log.meta(`token/${n}`, { userId: null, projectId: null, domainId: null, roles: [] });
    const issued = log.run(
      tokenDecider,
      stream,
      'IssueToken',
      {
        tokenId,
        tokenHash: hex('sha256', `token/${n}`),
        userId: user.userId,
        methods: ['password'],
        scope: { type: 'project', projectId: user.projectId, domainId: 'default' },
        roleIds: [roles.member, roles.reader],
        expiresAt: new Date(Date.parse(meta.now) + 3_600_000).toISOString(),
        auditIds: [Buffer.from(tokenId.replace(/-/g, ''), 'hex').toString('base64url').slice(0, 22)],
      },
      meta,
    ).length;
    const revoked = n % 25 === 0 ? log.run(tokenDecider, stream, 'RevokeToken', { tokenId, reason: 'revoked' }, log.meta(`token/${n}/revoke`, { userId: user.userId, projectId: user.projectId, domainId: 'default', roles: ['member', 'reader'] })).length : 0;
    log.forget(stream);
    tokenEvents += issued + revoked;
  };
  const written = () => log.appended + log.pending;
  const tokenShareOfRest = tokenTarget / Math.max(1, mix.totalEvents - firstServerEvent);
  const between = () => {
    while (tokenEvents < tokenShareOfRest * (written() - firstServerEvent)) issueToken();
  };
  while (written() < mix.totalEvents) {
    // ~58 events a server (two action rounds) and its share of tokens: a last chunk overshoots little.
    const remaining = mix.totalEvents - written();
    await fleet.seed(Math.max(20, Math.min(1_000, Math.ceil(remaining / (58 / (1 - tokenShareOfRest))))), { onProgress, between });
  }
  count('servers and host claims', written() - firstServerEvent - tokenEvents);
  count('tokens', tokenEvents);
  return { events: log.appended, head: log.head, servers: fleet.servers.length, counts };
}
