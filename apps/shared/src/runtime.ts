import { Logger } from '@nestjs/common';
import { EventStore } from '../../../domain/kernel';
import { ConfigError, StrataConfig } from '../../../infra/config';
import { PostgresEventStore } from '../../../infra/eventstore/postgres';
import { Bus } from '../../../infra/messaging/bus';
import { InProcessBus } from '../../../infra/messaging/in-process/in-process-bus';
import { JetStreamBus } from '../../../infra/messaging/nats/jetstream-bus';
import { EmbeddedPostgres, startEmbeddedPostgres } from '../../../infra/persistence/embedded-postgres';
import { ALL_PROJECTIONS } from '../../../projections';
import { Projection } from '../../../projections/kernel/projection';
import { ProjectionEngine } from '../../../infra/projections';
import { TokenIndex } from '../../../infra/identity/token-index';
import { infraLog } from './logging';

export type AppName = 'api' | 'projector' | 'conductor' | 'compute-agent' | 'volume-agent';
export const APP_NAMES: readonly AppName[] = ['api', 'projector', 'conductor', 'compute-agent', 'volume-agent'];

/** Agents hold no event-store credentials (DESIGN.md, Messaging and agents): they only need the bus. */
const APPS_WITH_STORE: readonly AppName[] = ['api', 'projector', 'conductor'];

/** What one process shares between its apps: one store, one bus, one read-model database. */
export interface Runtime {
  readonly config: StrataConfig;
  /** Null in a process that runs agents only. */
  readonly store: EventStore | null;
  readonly bus: Bus;
  /** Read-model database (DATABASE_URL or the embedded one); null in an agents-only process. */
  readonly databaseUrl: string | null;
  readonly embeddedPostgres: EmbeddedPostgres | null;
  readonly projections: Projection[];
  /** Runners are started by the projector; the API uses it for status and read-your-writes waits. */
  readonly projectionEngine: ProjectionEngine | null;
  /** Identity events folded in memory for token validation; present in a process that runs the API. */
  readonly tokenIndex: TokenIndex | null;
  /** Bus, projection engine, store, then the embedded PostgreSQL. Idempotent. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Apps this process runs. */
  apps: readonly AppName[];
  /** `strata start`: embedded PostgreSQL and the in-process bus when nothing else is configured. */
  allInOne: boolean;
}

/** `strata run <app>` joins other hosts: every one of them must see the same log and bus. */
export function assertMultiHostConfig(config: StrataConfig, app: AppName): void {
  if (!config.natsUrl) {
    throw new ConfigError('NATS_URL', `strata run ${app} talks to the other apps over NATS; set it to your NATS server with JetStream, e.g. nats://127.0.0.1:4222 (or use strata start for all-in-one)`);
  }
  if (APPS_WITH_STORE.includes(app) && !config.databaseUrl) {
    throw new ConfigError('DATABASE_URL', `strata run ${app} needs the PostgreSQL every host shares; set it, e.g. postgres://strata:secret@db.example.com:5432/strata (or use strata start for all-in-one)`);
  }
}

export async function createEventStore(config: StrataConfig, databaseUrl: string): Promise<EventStore> {
  if (config.eventStoreUrl) {
    const { connectEventStoreDb } = await import('./eventstoredb');
    return connectEventStoreDb(config.eventStoreUrl);
  }
  return PostgresEventStore.connect(databaseUrl);
}

export async function createBus(config: StrataConfig): Promise<Bus> {
  const log = new Logger('bus');
  const logger = { warn: (m: string) => log.warn(m) };
  if (config.natsUrl) {
    return JetStreamBus.connect({ servers: config.natsUrl.split(',').map((s) => s.trim()), connectionName: 'strata', logger });
  }
  return new InProcessBus({ logger });
}

/** Resolves the read-model database: DATABASE_URL, else the embedded PostgreSQL of the data dir. */
export async function resolveDatabase(
  config: StrataConfig,
  opts: { attachToRunning: boolean },
): Promise<{ databaseUrl: string; embeddedPostgres: EmbeddedPostgres | null }> {
  if (config.databaseUrl) return { databaseUrl: config.databaseUrl, embeddedPostgres: null };
  const embeddedPostgres = await startEmbeddedPostgres({ dataDir: config.dataDir, attachToRunning: opts.attachToRunning, log: infraLog('postgres') });
  return { databaseUrl: embeddedPostgres.databaseUrl, embeddedPostgres };
}

function engineLog() {
  const logger = new Logger('projections');
  return { info: (m: string) => logger.log(m), warn: (m: string) => logger.warn(m), error: (m: string) => logger.error(m) };
}

export async function createRuntime(config: StrataConfig, options: RuntimeOptions): Promise<Runtime> {
  if (!options.allInOne) for (const app of options.apps) assertMultiHostConfig(config, app);
  const needsStore = options.apps.some((a) => APPS_WITH_STORE.includes(a));
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((e: Error) => new Logger('runtime').warn(`while closing: ${e.message}`));
    }
  };
  try {
    let databaseUrl: string | null = null;
    let embeddedPostgres: EmbeddedPostgres | null = null;
    let store: EventStore | null = null;
    let projectionEngine: ProjectionEngine | null = null;
    let tokenIndex: TokenIndex | null = null;
    if (needsStore) {
      ({ databaseUrl, embeddedPostgres } = await resolveDatabase(config, { attachToRunning: false }));
      if (embeddedPostgres) closers.push(() => embeddedPostgres!.stop());
      const s = await createEventStore(config, databaseUrl);
      store = s;
      closers.push(() => s.close());
      const engine = await ProjectionEngine.open({ databaseUrl: databaseUrl!, store: s, projections: ALL_PROJECTIONS, log: engineLog() });
      projectionEngine = engine;
      closers.push(() => engine.close());
      if (options.apps.includes('api')) {
        // The API's store pools are full before it takes requests (infra/persistence/pool-warmth.ts); other apps' grow as they need.
        if (s instanceof PostgresEventStore) await s.warm();
        const tokenLog = new Logger('token-index');
        const index = new TokenIndex(s, { onError: (e) => tokenLog.warn(`store read failed, retrying: ${(e as Error).message}`) });
        tokenIndex = index;
        closers.push(() => index.close());
      }
    }
    const bus = await createBus(config);
    closers.push(() => bus.close());
    let closing: Promise<void> | undefined;
    return {
      config,
      store,
      bus,
      databaseUrl,
      embeddedPostgres,
      projections: ALL_PROJECTIONS,
      projectionEngine,
      tokenIndex,
      close: () => (closing ??= closeAll()),
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
