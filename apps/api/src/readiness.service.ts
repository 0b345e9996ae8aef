import { BeforeApplicationShutdown, Inject, Injectable, Optional } from '@nestjs/common';
import { EventStore } from '../../../domain/kernel';
import { Bus } from '../../../infra/messaging/bus';
import { DeploymentInfo } from '../../shared/src/deployment-info';
import { ProjectionStatus, ProjectionStatusSource } from '../../shared/src/projection-status';
import { BUS, DEPLOYMENT, EVENT_STORE, PROJECTION_STATUS } from '../../shared/src/runtime.tokens';

export interface Readiness {
  ready: boolean;
  deploymentId: string | null;
  store: { adapter: string; ok: boolean; headPosition: string | null; error?: string };
  bus: { adapter: string; ok: boolean; error?: string };
  projections: ProjectionStatus[];
  projectionsError?: string;
  draining?: boolean;
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** /readyz: the log answers, the bus answers, projection checkpoints are readable, and we are not shutting down. */
@Injectable()
export class ReadinessService implements BeforeApplicationShutdown {
  private draining = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(DEPLOYMENT) private readonly deployment: DeploymentInfo,
    @Optional() @Inject(PROJECTION_STATUS) private readonly projections?: ProjectionStatusSource,
  ) {}

  /** Load balancers stop sending traffic before the server closes. */
  drain(): void {
    this.draining = true;
  }

  beforeApplicationShutdown(): void {
    this.drain();
  }

  async check(): Promise<Readiness> {
    const [store, bus, projections, deploymentId] = await Promise.all([
      withTimeout('event store', this.store.headPosition()).then(
        (head) => ({ adapter: this.store.name, ok: true, headPosition: head }),
        (e) => ({ adapter: this.store.name, ok: false, headPosition: null, error: message(e) }),
      ),
      withTimeout('bus', this.bus.ping()).then(
        (ok) => ({ adapter: this.bus.name, ok }),
        (e) => ({ adapter: this.bus.name, ok: false, error: message(e) }),
      ),
      withTimeout('projection checkpoints', this.projections?.status() ?? Promise.resolve([])).then(
        (list) => ({ list, error: undefined as string | undefined }),
        (e) => ({ list: [] as ProjectionStatus[], error: message(e) }),
      ),
      withTimeout('event store', this.deployment.deploymentId()).catch(() => null),
    ]);
    const ready = store.ok && bus.ok && projections.error === undefined && !this.draining;
    return {
      ready,
      deploymentId,
      store,
      bus,
      projections: projections.list,
      ...(projections.error ? { projectionsError: projections.error } : {}),
      ...(this.draining ? { draining: true } : {}),
    };
  }
}
