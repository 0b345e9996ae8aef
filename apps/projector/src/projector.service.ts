import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventStore } from '../../../domain/kernel';
import { Bus } from '../../../infra/messaging/bus';
import { PgCheckpointStore } from '../../../infra/messaging/pg-checkpoint-store';
import { EventRelay } from '../../../infra/messaging/relay';
import { ProjectionEngine } from '../../../infra/projections';
import { BUS, DATABASE_URL, EVENT_STORE, PROJECTION_ENGINE } from '../../shared/src/runtime.tokens';

/** Runs the projection engine's runners (read models) and the relay that publishes every committed event to the bus. */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('projector');
  private readonly checkpoints: PgCheckpointStore;
  private readonly relay: EventRelay;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
    @Inject(DATABASE_URL) databaseUrl: string,
  ) {
    this.checkpoints = new PgCheckpointStore(databaseUrl);
    this.relay = new EventRelay({ store, bus, checkpoints: this.checkpoints, logger: { warn: (m) => this.logger.warn(m) } });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.engine.start();
    const names = this.engine.projections.map((p) => p.name);
    // The relay feeds STRATA_EVENTS for consumers in other processes. The all-in-one's in-process
    // bus has none (no app of this build consumes event subjects), so there it would only encode
    // and keep every event for nobody: about a twentieth of the CPU of a boot (BENCHMARKS.md).
    if (!this.bus.crossesProcesses) {
      this.logger.log(`projector started: projections [${names.join(', ')}]; no relay: the ${this.bus.name} bus reaches no other process`);
      return;
    }
    await this.relay.start();
    this.logger.log(`projector started: projections [${names.join(', ')}], relay ${this.store.name} → ${this.bus.name} from ${this.relay.position ?? 'the start'}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.engine.stop();
    await this.checkpoints.close();
    this.logger.log('projector stopped');
  }
}
