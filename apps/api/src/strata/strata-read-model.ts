import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import { DATABASE_URL } from '../../../shared/src/runtime.tokens';

/** One small pool over the `rm` views Strata's own API reads (the audit trail). */
@Injectable()
export class StrataReadModel implements OnModuleDestroy {
  readonly pool: Pool;

  constructor(@Inject(DATABASE_URL) databaseUrl: string) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 4 });
    this.pool.on('error', () => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}
