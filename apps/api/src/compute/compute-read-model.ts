import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { Position } from '../../../../domain/kernel';
import { warmPool } from '../../../../infra/persistence/pool-warmth';
import { preparedName } from '../../../../infra/persistence/prepared';
import { ProjectionEngine, ReadModelCache } from '../../../../infra/projections';
import { DATABASE_URL, PROJECTION_ENGINE } from '../../../shared/src/runtime.tokens';

const WAIT_MS = 5_000;

/** Every compute read model: a command's answer waits until these have passed its position (read-your-writes). */
export const COMPUTE_READ_MODELS = ['compute_servers', 'compute_instance_actions', 'compute_flavors', 'compute_keypairs', 'compute_hosts', 'compute_server_groups', 'compute_quotas'];

/** One pool over the `rm.compute_*` views for the whole compute API, and the read-your-writes wait. */
@Injectable()
export class ComputeReadModel implements OnModuleInit, OnModuleDestroy {
  readonly pool: Pool;

  constructor(
    @Inject(DATABASE_URL) databaseUrl: string,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 6, min: 6 });
    this.pool.on('error', () => undefined);
  }

  /**
   * Before the API takes requests: every connection of the pool open, and the waiter listening
   * (the first burst of creates otherwise paid for them all, and found no cache to use).
   */
  async onModuleInit(): Promise<void> {
    await Promise.all([warmPool(this.pool), this.engine.waiter().listening()]).catch((e: Error) =>
      new Logger('compute').warn(`could not open the read-model connections before serving (${e.message}); they open with the first requests`),
    );
  }

  /** A cache of lookups in one read model, good while that read model's rows do not change. */
  cache<V>(projection: string): ReadModelCache<V> {
    return new ReadModelCache<V>({ changeStamp: (name) => this.engine.waiter().changeStamp(name) }, projection);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  /** Waits until the named read models (all compute ones by default) have passed `position`. */
  async waitFor(position: Position | null, readModels: string[] = COMPUTE_READ_MODELS): Promise<void> {
    if (position === null) return;
    await this.engine.waiter().waitFor(position, readModels, WAIT_MS);
  }

  query<R extends object>(sql: string, params: unknown[] = []): Promise<R[]> {
    return this.pool.query(sql, params).then((r) => r.rows as R[]);
  }

  /**
   * A statement every connection prepares once and then runs without planning it again: for the
   * few asked on every request of a hot path (a create's usage count). PostgreSQL plans it anew by
   * itself when a view it reads is replaced (a rebuild's switch).
   */
  prepared<R extends object>(sql: string, params: unknown[] = []): Promise<R[]> {
    return this.pool.query({ name: preparedName(sql), text: sql, values: params }).then((r) => r.rows as R[]);
  }
}
