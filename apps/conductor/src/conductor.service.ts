import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

/** Scheduler and sagas (DESIGN.md, Messaging and agents); later issues give it work. */
@Injectable()
export class ConductorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('conductor');

  onApplicationBootstrap(): void {
    this.logger.log('conductor started (no sagas yet)');
  }

  onApplicationShutdown(): void {
    this.logger.log('conductor stopped');
  }
}
