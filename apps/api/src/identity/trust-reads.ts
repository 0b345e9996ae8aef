import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import { nameKey } from '../../../../domain/identity';
import { Position } from '../../../../domain/kernel';
import { TokenIndex } from '../../../../infra/identity/token-index';
import { ProjectionEngine } from '../../../../infra/projections';
import type { RoleRow, TrustRow } from '../../../../projections/identity';
import { DATABASE_URL, PROJECTION_ENGINE, TOKEN_INDEX } from '../../../shared/src/runtime.tokens';

const WAIT_MS = 5_000;

/** Queries over `rm.identity_trusts` (projections/identity/trusts.ts), after a read-your-writes wait. */
@Injectable()
export class TrustReads implements OnModuleDestroy {
  private readonly pool: Pool;

  constructor(
    @Inject(DATABASE_URL) databaseUrl: string,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
    @Inject(TOKEN_INDEX) private readonly tokens: TokenIndex,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 2 });
    this.pool.on('error', () => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  /** The trust read model and the token index (trust-scoped authentication reads it) have passed `position`. */
  async waitFor(position: Position | null): Promise<void> {
    if (position === null) return;
    await Promise.all([this.engine.waiter().waitFor(position, ['identity_trusts'], WAIT_MS), this.tokens.waitFor(position, WAIT_MS)]);
  }

  async trusts(f: { trustorUserId?: string; trusteeUserId?: string; redelegatedTrustId?: string } = {}): Promise<TrustRow[]> {
    const conditions: [string, string | undefined][] = [
      ['trustor_user_id', f.trustorUserId],
      ['trustee_user_id', f.trusteeUserId],
      ['redelegated_trust_id', f.redelegatedTrustId],
    ];
    const set = conditions.filter(([, v]) => v !== undefined);
    const where = set.length ? `WHERE ${set.map(([c], i) => `${c} = $${i + 1}`).join(' AND ')}` : '';
    return (await this.pool.query<TrustRow>(`SELECT * FROM rm.identity_trusts ${where} ORDER BY created_at, id`, set.map(([, v]) => v))).rows;
  }

  async trust(id: string): Promise<TrustRow | undefined> {
    return (await this.pool.query<TrustRow>('SELECT * FROM rm.identity_trusts WHERE id = $1', [id])).rows[0];
  }

  async globalRoleByName(name: string): Promise<RoleRow | undefined> {
    return (await this.pool.query<RoleRow>('SELECT * FROM rm.identity_roles WHERE name_key = $1 AND domain_id IS NULL', [nameKey(name)])).rows[0];
  }

  async roles(ids: string[]): Promise<RoleRow[]> {
    return (await this.pool.query<RoleRow>('SELECT * FROM rm.identity_roles WHERE id = ANY ($1::text[])', [ids])).rows;
  }
}
