import { EventStore } from '../../../domain/kernel';
import { loadConfig } from '../../../infra/config';
import { Projection } from '../../../projections/kernel/projection';
import { installLogger } from '../../shared/src/logging';
import { ALL_PROJECTIONS } from '../../../projections';
import { createEventStore, resolveDatabase } from '../../shared/src/runtime';

export interface StoreConnection {
  store: EventStore;
  databaseUrl: string;
  projections: Projection[];
  close(): Promise<void>;
}

/**
 * The log and the read-model database for operator commands: DATABASE_URL (and EVENTSTORE_URL)
 * when set, else the embedded PostgreSQL of the data dir, attached to when `strata start`
 * already runs it, started (and stopped again on close) when not.
 */
export async function connect(): Promise<StoreConnection> {
  const config = loadConfig();
  installLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { databaseUrl, embeddedPostgres } = await resolveDatabase(config, { attachToRunning: true });
  try {
    const store = await createEventStore(config, databaseUrl);
    return {
      store,
      databaseUrl,
      projections: ALL_PROJECTIONS,
      async close() {
        await store.close();
        await embeddedPostgres?.stop();
      },
    };
  } catch (e) {
    await embeddedPostgres?.stop();
    throw e;
  }
}
