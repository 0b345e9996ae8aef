import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { StrataConfig } from '../../../infra/config';
import { STRATA_CONFIG } from '../../shared/src/runtime.tokens';

/** Runs work orders on this host's hypervisor through a ComputeDriver; later issues give it work. */
@Injectable()
export class ComputeAgentService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('compute-agent');

  constructor(@Inject(STRATA_CONFIG) private readonly config: StrataConfig) {}

  onApplicationBootstrap(): void {
    this.logger.log(`compute agent started (driver ${this.config.computeDriver})`);
  }

  onApplicationShutdown(): void {
    this.logger.log('compute agent stopped');
  }
}
