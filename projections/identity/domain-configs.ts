import { DomainConfigEvent, DomainConfigOptions, mergeConfig, removeFromConfig, SealedDomainConfigOptions } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from './rows';

export const DOMAIN_CONFIGS_TABLE = 'identity_domain_configs';

/** One row per configured domain; `sealed` keeps the sensitive options as the log does, as ciphertext. */
export type DomainConfigRow = Tracked & {
  domain_id: string;
  config: DomainConfigOptions;
  sealed: SealedDomainConfigOptions;
};

export const DOMAIN_CONFIG_EVENT_TYPES: DomainConfigEvent['type'][] = ['DomainConfigCreated', 'DomainConfigUpdated', 'DomainConfigOptionsRemoved', 'DomainConfigDeleted'];

/** Keystone's domain_config backend (GET /v3/domains/{id}/config[/{group}[/{option}]]). */
export const identityDomainConfigsProjection: Projection = {
  name: 'identity_domain_configs',
  version: 1,
  eventTypes: DOMAIN_CONFIG_EVENT_TYPES,
  tables: [
    table<DomainConfigRow>({
      name: DOMAIN_CONFIGS_TABLE,
      primaryKey: 'domain_id',
      columns: {
        domain_id: { type: 'text' },
        config: { type: 'jsonb' },
        sealed: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: DOMAIN_CONFIGS_TABLE, key: (event as unknown as DomainConfigEvent).data.domainId }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as DomainConfigEvent;
    const row = getRow<DomainConfigRow>(rows, DOMAIN_CONFIGS_TABLE, e.data.domainId);
    if (alreadyApplied(row, event)) return;
    switch (e.type) {
      case 'DomainConfigCreated':
        rows.put(DOMAIN_CONFIGS_TABLE, { domain_id: e.data.domainId, config: e.data.options, sealed: e.data.sensitive, ...(row ? { created_at: row.created_at, ...touched(event) } : created(event)) } satisfies DomainConfigRow);
        return;
      case 'DomainConfigUpdated': {
        const base = row ?? { domain_id: e.data.domainId, config: {}, sealed: {}, ...created(event) };
        rows.put(DOMAIN_CONFIGS_TABLE, { ...base, config: mergeConfig(base.config, e.data.options), sealed: mergeConfig(base.sealed, e.data.sensitive), ...touched(event) } satisfies DomainConfigRow);
        return;
      }
      case 'DomainConfigOptionsRemoved': {
        if (!row) return;
        const { group, option } = e.data;
        rows.put(DOMAIN_CONFIGS_TABLE, { ...row, config: removeFromConfig(row.config, group, option), sealed: removeFromConfig(row.sealed, group, option), ...touched(event) } satisfies DomainConfigRow);
        return;
      }
      case 'DomainConfigDeleted':
        rows.delete(DOMAIN_CONFIGS_TABLE, e.data.domainId);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
