import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { DeploymentInfo } from './deployment-info';
import { ProjectionStatusSource } from './projection-status';
import { Runtime } from './runtime';
import { BUS, DATABASE_URL, DEPLOYMENT, EVENT_STORE, IDENTITY_BOOTSTRAP, PROJECTION_ENGINE, PROJECTION_STATUS, PROJECTIONS, STRATA_CONFIG, TIME_TRAVEL, TOKEN_INDEX } from './runtime.tokens';
import { TimeTravel } from '../../../infra/audit/time-travel';
import { IdentityBootstrapResult } from './identity-bootstrap';

/** Makes one process's shared runtime (config, store, bus, projections) injectable in every app module. */
@Global()
@Module({})
export class RuntimeModule {
  static forRuntime(runtime: Runtime, extras: { deployment: DeploymentInfo; projectionStatus: ProjectionStatusSource; identityBootstrap?: IdentityBootstrapResult | null }): DynamicModule {
    const providers: Provider[] = [
      { provide: STRATA_CONFIG, useValue: runtime.config },
      { provide: BUS, useValue: runtime.bus },
      { provide: PROJECTIONS, useValue: runtime.projections },
      { provide: DEPLOYMENT, useValue: extras.deployment },
      { provide: PROJECTION_STATUS, useValue: extras.projectionStatus },
      ...(runtime.store ? [{ provide: EVENT_STORE, useValue: runtime.store }] : []),
      ...(runtime.databaseUrl ? [{ provide: DATABASE_URL, useValue: runtime.databaseUrl }] : []),
      ...(runtime.projectionEngine ? [{ provide: PROJECTION_ENGINE, useValue: runtime.projectionEngine }] : []),
      ...(runtime.store && runtime.databaseUrl
        ? [{ provide: TIME_TRAVEL, useFactory: () => new TimeTravel(runtime.store!, runtime.databaseUrl!, runtime.projections) }]
        : []),
      ...(runtime.tokenIndex ? [{ provide: TOKEN_INDEX, useValue: runtime.tokenIndex }] : []),
      ...(extras.identityBootstrap ? [{ provide: IDENTITY_BOOTSTRAP, useValue: extras.identityBootstrap }] : []),
    ];
    return { module: RuntimeModule, providers, exports: providers.map((p) => (p as { provide: symbol }).provide) };
  }
}
