import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import { Position } from '../../../../domain/kernel';
import { ProjectionEngine } from '../../../../infra/projections';
import type { CredentialRow, DomainConfigRow, EndpointGroupRow, OAuthConsumerRow, PolicyRow } from '../../../../projections/identity';
import { DATABASE_URL, PROJECTION_ENGINE } from '../../../shared/src/runtime.tokens';

/** Read models of Keystone's side APIs (projections/identity IDENTITY_EXTENSION_PROJECTIONS). */
export type ExtensionReadModel = 'identity_credentials' | 'identity_policies' | 'identity_oauth_consumers' | 'identity_endpoint_groups' | 'identity_domain_configs';

const WAIT_MS = 5_000;

/** Queries over the `rm.identity_*` views of the side APIs, after the same read-your-writes wait as IdentityReads. */
@Injectable()
export class ExtensionReads implements OnModuleDestroy {
  private readonly pool: Pool;

  constructor(
    @Inject(DATABASE_URL) databaseUrl: string,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 2 });
    this.pool.on('error', () => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  async waitFor(position: Position | null, models: ExtensionReadModel[]): Promise<void> {
    if (position === null) return;
    await this.engine.waiter().waitFor(position, models, WAIT_MS);
  }

  async credentials(f: { user_id?: string; type?: string } = {}): Promise<CredentialRow[]> {
    const set = (['user_id', 'type'] as const).filter((k) => f[k] !== undefined);
    const sql = set.length ? `WHERE ${set.map((k, i) => `${k} = $${i + 1}`).join(' AND ')}` : '';
    return (await this.pool.query<CredentialRow>(`SELECT * FROM rm.identity_credentials ${sql} ORDER BY created_at, id`, set.map((k) => f[k]))).rows;
  }

  async credential(id: string): Promise<CredentialRow | undefined> {
    return (await this.pool.query<CredentialRow>('SELECT * FROM rm.identity_credentials WHERE id = $1', [id])).rows[0];
  }

  async policies(type?: string): Promise<PolicyRow[]> {
    const sql = type === undefined ? '' : 'WHERE type = $1';
    return (await this.pool.query<PolicyRow>(`SELECT * FROM rm.identity_policies ${sql} ORDER BY created_at, id`, type === undefined ? [] : [type])).rows;
  }

  async policy(id: string): Promise<PolicyRow | undefined> {
    return (await this.pool.query<PolicyRow>('SELECT * FROM rm.identity_policies WHERE id = $1', [id])).rows[0];
  }

  async consumers(): Promise<OAuthConsumerRow[]> {
    return (await this.pool.query<OAuthConsumerRow>('SELECT * FROM rm.identity_oauth_consumers ORDER BY created_at, id')).rows;
  }

  async consumer(id: string): Promise<OAuthConsumerRow | undefined> {
    return (await this.pool.query<OAuthConsumerRow>('SELECT * FROM rm.identity_oauth_consumers WHERE id = $1', [id])).rows[0];
  }

  async endpointGroups(name?: string): Promise<EndpointGroupRow[]> {
    const sql = name === undefined ? '' : 'WHERE name = $1';
    return (await this.pool.query<EndpointGroupRow>(`SELECT * FROM rm.identity_endpoint_groups ${sql} ORDER BY created_at, id`, name === undefined ? [] : [name])).rows;
  }

  async endpointGroup(id: string): Promise<EndpointGroupRow | undefined> {
    return (await this.pool.query<EndpointGroupRow>('SELECT * FROM rm.identity_endpoint_groups WHERE id = $1', [id])).rows[0];
  }

  async domainConfig(domainId: string): Promise<DomainConfigRow | undefined> {
    return (await this.pool.query<DomainConfigRow>('SELECT * FROM rm.identity_domain_configs WHERE domain_id = $1', [domainId])).rows[0];
  }
}
