import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client, Pool } from 'pg';
import { EventStore, Position } from '../../../domain/kernel';
import { StrataConfig } from '../../../infra/config';
import { Bus } from '../../../infra/messaging/bus';
import { PgCheckpointStore } from '../../../infra/messaging/pg-checkpoint-store';
import { ThrottledCheckpoint } from '../../../infra/messaging/throttled-checkpoint';
import { foreground } from '../../shared/src/foreground';
import { ProjectionEngine } from '../../../infra/projections';
import { tryAdvisoryLock } from '../../../infra/projections/catalog';
import { BUS, DATABASE_URL, EVENT_STORE, PROJECTION_ENGINE, STRATA_CONFIG } from '../../shared/src/runtime.tokens';
import { ComputeConductor, CONDUCTOR_EVENT_TYPES } from './compute-conductor';
import { HostAggregates } from './host-aggregates';
import { HostLiveness } from './host-liveness';

const CHECKPOINT = 'conductor-compute';
/** The checkpoint trails the events handled by at most this long: a few writes a second, not one per event. */
const CHECKPOINT_INTERVAL_MS = 250;
/** A build step waits while more API requests than this are in flight in this process... */
const FOREGROUND_BUSY = 1;
/** ...but never longer than this. */
const FOREGROUND_WAIT_MS = 150;
/** One active compute conductor across all processes: the holder of this session advisory lock ('STR' 0x10). */
const CONDUCTOR_LOCK_CLASS = 0x5354_5210;

/**
 * Scheduler and sagas (DESIGN.md, Messaging and agents). The conductor follows the log itself,
 * from its own checkpoint, rather than the bus: the in-process bus of the embedded mode forgets on
 * restart, the log does not. Agents' reports come over the bus; in-flight work found at start
 * (from the servers read model, once it has caught up) is resumed.
 */
@Injectable()
export class ConductorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('conductor');
  private readonly checkpoint: ThrottledCheckpoint;
  private readonly pool: Pool;
  private readonly abort = new AbortController();
  private following: Promise<void> | null = null;
  private leading: Promise<void> | null = null;
  private active: AbortController | null = null;
  readonly hosts: HostAggregates;
  readonly conductor: ComputeConductor;
  private readonly liveness: HostLiveness;
  private readonly shelvedOffloadTimeSec: number;
  private offloadTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BUS) bus: Bus,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    @Inject(STRATA_CONFIG) config: StrataConfig,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 2 });
    this.pool.on('error', () => undefined);
    // Every build step is decided on its streams and resumable (`resumeInFlight`): events handled again after a crash change nothing.
    this.checkpoint = new ThrottledCheckpoint(new PgCheckpointStore(this.pool), CHECKPOINT, CHECKPOINT_INTERVAL_MS, (e) => this.logger.warn(`conductor checkpoint not saved: ${String(e)}`));
    this.hosts = new HostAggregates(store);
    const log = { info: (m: string) => this.logger.log(m), warn: (m: string) => this.logger.warn(m), error: (m: string) => this.logger.error(m) };
    this.conductor = new ComputeConductor(store, bus, this.hosts, log, async (host) => {
      const { rows } = await this.pool.query<{ id: string; vm_state: string; task_state: string | null }>(
        'SELECT id, vm_state, task_state FROM rm.compute_servers WHERE host = $1 AND NOT deleted',
        [host],
      );
      return rows.map((r) => ({ id: r.id, vmState: r.vm_state, taskState: r.task_state }));
    }, () => foreground.giveWay(FOREGROUND_BUSY, FOREGROUND_WAIT_MS), config.shelvedOffloadTimeSec);
    this.shelvedOffloadTimeSec = config.shelvedOffloadTimeSec;
    this.liveness = new HostLiveness(bus, this.hosts, config.serviceDownTimeSec * 1000, (e) => this.logger.warn(`host liveness: ${e.message}`));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.leading = this.lead();
  }

  async onApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.leading?.catch(() => undefined);
    await this.pool.end();
    this.logger.log('conductor stopped');
  }

  /**
   * Several conductors may run (one per API host); the one holding the advisory lock is active,
   * the others stand by and take over when its session ends. The lock lives on its own connection.
   */
  private async lead(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const client = new Client({ connectionString: this.databaseUrl });
      client.on('error', () => undefined);
      try {
        await client.connect();
        if (await tryAdvisoryLock(client, CONDUCTOR_LOCK_CLASS, 'compute')) {
          await this.activate();
          await new Promise<void>((resolve) => {
            // A stop that came while this conductor was activating has already fired its abort event.
            if (this.abort.signal.aborted) return resolve();
            client.once('end', resolve);
            client.once('error', () => resolve());
            this.abort.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          await this.deactivate();
          if (!this.abort.signal.aborted) this.logger.warn('conductor lost its lock (database session ended); standing by');
        }
      } catch (e) {
        if (!this.abort.signal.aborted) this.logger.warn(`conductor: ${(e as Error).message}`);
        await this.deactivate().catch(() => undefined);
      } finally {
        await client.end().catch(() => undefined);
      }
      if (!this.abort.signal.aborted) await new Promise((r) => setTimeout(r, 2_000));
    }
  }

  private async activate(): Promise<void> {
    this.active = new AbortController();
    await this.hosts.discover();
    await this.conductor.startReports();
    this.liveness.start();
    const from = await this.checkpoint.load();
    this.following = this.follow(from, this.active.signal);
    void this.resumeInFlight();
    // A positive shelved_offload_time: shelved servers leave their hosts once it has passed (checked every minute at most).
    if (this.shelvedOffloadTimeSec > 0) {
      const every = Math.min(this.shelvedOffloadTimeSec, 60) * 1000;
      this.offloadTimer = setInterval(() => void this.offloadDue(), every);
      this.offloadTimer.unref();
    }
    this.logger.log(`conductor active: ${this.hosts.names.length} known compute hosts, following the log from ${from ?? 'the start'}`);
  }

  private async deactivate(): Promise<void> {
    if (!this.active) return;
    this.active.abort();
    this.active = null;
    if (this.offloadTimer) clearInterval(this.offloadTimer);
    this.offloadTimer = null;
    await this.following?.catch(() => undefined);
    await this.checkpoint.flush().catch((e) => this.logger.warn(`conductor checkpoint not saved: ${String(e)}`));
    await this.liveness.stop();
    await this.conductor.stop();
  }

  /** Handles each event once it is committed; a failing event is retried (never skipped), with back-off. */
  private async follow(from: Position | undefined, signal: AbortSignal): Promise<void> {
    let position = from;
    while (!signal.aborted) {
      try {
        for await (const event of this.store.subscribeToAll({ fromPosition: position, filter: { eventTypes: CONDUCTOR_EVENT_TYPES }, signal })) {
          await this.conductor.onEvent(event);
          position = event.position;
          await this.checkpoint.advance(position);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.logger.warn(`conductor: ${(e as Error).message}; retrying from ${position ?? 'the start'}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  /** Servers SHELVED on their host for longer than STRATA_SHELVED_OFFLOAD_TIME, offloaded. */
  private async offloadDue(): Promise<void> {
    try {
      const { rows } = await this.pool.query<{ id: string; updated_at: Date }>(
        `SELECT id, updated_at FROM rm.compute_servers
         WHERE NOT deleted AND vm_state = 'shelved' AND task_state IS NULL AND updated_at <= now() - make_interval(secs => $1)`,
        [this.shelvedOffloadTimeSec],
      );
      await this.conductor.offloadShelved(rows.map((r) => ({ id: r.id, shelvedAt: r.updated_at.toISOString() })));
    } catch (e) {
      this.logger.warn(`offload of shelved servers: ${(e as Error).message}; the next round tries again`);
    }
  }

  /** Builds, actions and deletions that were in flight when the last conductor stopped. */
  private async resumeInFlight(): Promise<void> {
    try {
      const head = await this.store.headPosition();
      if (head !== null) await this.engine.waiter().waitFor(head, ['compute_servers'], 60_000);
      const { rows } = await this.pool.query<{ id: string; vm_state: string; task_state: string | null }>(
        `SELECT id, vm_state, task_state FROM rm.compute_servers WHERE NOT deleted AND (vm_state = 'building' OR task_state IS NOT NULL)`,
      );
      if (rows.length > 0) this.logger.log(`resuming ${rows.length} operations in flight`);
      await this.conductor.resume(rows.map((r) => ({ id: r.id, vmState: r.vm_state, taskState: r.task_state })));
    } catch (e) {
      this.logger.warn(`could not resume in-flight operations: ${(e as Error).message}`);
    }
  }
}
