import { Pool } from 'pg';
import { EventStore } from '../../domain/kernel';
import { Projection } from '../../projections/kernel/projection';
import { activeGeneration, installCatalog } from './catalog';
import { DEFAULT_TUNING, EngineContext, EngineLog, EngineTuning, SILENT_LOG } from './context';
import { CheckpointNotifications } from './notifications';
import { RebuildManyOptions, RebuildManyResult, rebuildProjection, rebuildProjections, RebuildOptions, RebuildResult } from './rebuild';
import { ProjectionRunner } from './runner';
import { projectionStatus, ProjectionStatusReport } from './status';
import { validateProjections } from './sql';
import { verifyProjection, VerifyResult } from './verify';
import { ProjectionWaiter } from './waiter';

export interface ProjectionEngineOptions {
  /** Read-model database (the catalog, the generation schemas and the `rm` views). */
  databaseUrl: string;
  store: EventStore;
  projections: Projection[];
  tuning?: Partial<EngineTuning>;
  log?: EngineLog;
  /** Pool size (default 4) for status, verify, waiter and the API's read-model queries; each runner and rebuild has its own connection. */
  poolSize?: number;
}

/**
 * The projection engine on PostgreSQL: runners (one active per projection across processes),
 * blue/green rebuilds, verify, status and read-your-writes waits, over one catalog.
 */
export class ProjectionEngine {
  private readonly ctx: EngineContext;
  private readonly byName: Map<string, Projection>;
  private readonly runners = new Map<string, ProjectionRunner>();
  private waiterInstance?: ProjectionWaiter;
  private closed = false;

  private constructor(options: ProjectionEngineOptions) {
    validateProjections(options.projections);
    this.byName = new Map(options.projections.map((p) => [p.name, p]));
    // Kept once open, like the store's. More connections made the first burst of server creates slower, not faster:
    // each new backend starts with cold caches (bench:compute, 4 against 10).
    const size = options.poolSize ?? 4;
    const pool = new Pool({ connectionString: options.databaseUrl, max: size, min: size });
    pool.on('error', () => undefined);
    this.ctx = {
      databaseUrl: options.databaseUrl,
      pool,
      store: options.store,
      notifications: new CheckpointNotifications(),
      tuning: { ...DEFAULT_TUNING, ...options.tuning },
      log: options.log ?? SILENT_LOG,
    };
  }

  /** Connects and installs the catalog (idempotent). */
  static async open(options: ProjectionEngineOptions): Promise<ProjectionEngine> {
    const engine = new ProjectionEngine(options);
    try {
      await installCatalog(engine.ctx.pool);
    } catch (error) {
      await engine.ctx.pool.end();
      throw error;
    }
    return engine;
  }

  get projections(): Projection[] {
    return [...this.byName.values()];
  }

  get notifications(): CheckpointNotifications {
    return this.ctx.notifications;
  }

  projection(name: string): Projection {
    const projection = this.byName.get(name);
    if (!projection) throw new Error(`Unknown projection ${name}; registered: ${[...this.byName.keys()].join(', ') || 'none'}`);
    return projection;
  }

  /** Starts a runner per projection (or the named ones); each builds its first or next-version generation when needed. */
  start(names: string[] = [...this.byName.keys()]): void {
    for (const name of names) {
      if (this.runners.has(name)) continue;
      const runner = new ProjectionRunner(this.ctx, this.projection(name), (p) => this.ensure(p.name));
      this.runners.set(name, runner);
      runner.start();
    }
  }

  runner(name: string): ProjectionRunner | undefined {
    return this.runners.get(name);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
  }

  /**
   * Builds a generation when there is no active one or its version differs from the code's;
   * the old generation keeps serving meanwhile. Returns null when nothing had to be built.
   */
  async ensure(name: string, options: RebuildOptions = {}): Promise<RebuildResult | null> {
    const projection = this.projection(name);
    const active = await activeGeneration(this.ctx.pool, name);
    if (active && active.version === projection.version) return null;
    if (active && active.version > projection.version) {
      throw new Error(`${name}: the active generation has version ${active.version}, newer than this process's ${projection.version}`);
    }
    return rebuildProjection(this.ctx, projection, options);
  }

  rebuild(name: string, options: RebuildOptions = {}): Promise<RebuildResult> {
    return rebuildProjection(this.ctx, this.projection(name), options);
  }

  /** Rebuilds the named projections (default: all) over one shared read of the log. */
  rebuildMany(names: string[] = [...this.byName.keys()], options: RebuildManyOptions = {}): Promise<RebuildManyResult> {
    return rebuildProjections(
      this.ctx,
      names.map((n) => this.projection(n)),
      options,
    );
  }

  verify(name: string): Promise<VerifyResult> {
    return verifyProjection(this.ctx, this.projection(name));
  }

  status(): Promise<ProjectionStatusReport[]> {
    return projectionStatus(this.ctx, this.projections);
  }

  /** One shared waiter: in-process notices from this engine's runners, LISTEN for the others. */
  waiter(): ProjectionWaiter {
    this.waiterInstance ??= new ProjectionWaiter({ databaseUrl: this.ctx.databaseUrl, pool: this.ctx.pool, notifications: this.ctx.notifications });
    return this.waiterInstance;
  }

  /** Stops the runners, closes the waiter and the pool. Does not close the event store (not ours). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stop();
    await this.waiterInstance?.close();
    await this.ctx.pool.end();
  }
}
