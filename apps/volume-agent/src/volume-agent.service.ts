import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { StrataConfig } from '../../../infra/config';
import { STRATA_CONFIG } from '../../shared/src/runtime.tokens';

/** Runs work orders on this host's storage through a VolumeDriver; later issues give it work. */
@Injectable()
export class VolumeAgentService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('volume-agent');

  constructor(@Inject(STRATA_CONFIG) private readonly config: StrataConfig) {}

  onApplicationBootstrap(): void {
    this.logger.log(`volume agent started (driver ${this.config.volumeDriver})`);
  }

  onApplicationShutdown(): void {
    this.logger.log('volume agent stopped');
  }
}
