import { OAuthConsumerEvent } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, changedColumns, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from './rows';

export const OAUTH_CONSUMERS_TABLE = 'identity_oauth_consumers';
/** Secret hashes only, apart from the table list and show read (as identity_application_credential_secrets). */
export const OAUTH_CONSUMER_SECRETS_TABLE = 'identity_oauth_consumer_secrets';

export type OAuthConsumerRow = Tracked & {
  id: string;
  description: string | null;
  extra: Record<string, unknown>;
};

export type OAuthConsumerSecretRow = {
  id: string;
  secret_hash: string;
};

export const OAUTH_CONSUMER_EVENT_TYPES: OAuthConsumerEvent['type'][] = ['OAuthConsumerCreated', 'OAuthConsumerUpdated', 'OAuthConsumerDeleted'];

/** Keystone's oauth1 backend, consumers only (GET /v3/OS-OAUTH1/consumers). */
export const identityOAuthConsumersProjection: Projection = {
  name: 'identity_oauth_consumers',
  version: 1,
  eventTypes: OAUTH_CONSUMER_EVENT_TYPES,
  tables: [
    table<OAuthConsumerRow>({
      name: OAUTH_CONSUMERS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        description: { type: 'text', nullable: true },
        extra: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
    }),
    table<OAuthConsumerSecretRow>({
      name: OAUTH_CONSUMER_SECRETS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        secret_hash: { type: 'text' },
      },
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const { consumerId } = (event as unknown as OAuthConsumerEvent).data;
    return [
      { table: OAUTH_CONSUMERS_TABLE, key: consumerId },
      { table: OAUTH_CONSUMER_SECRETS_TABLE, key: consumerId },
    ];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as OAuthConsumerEvent;
    switch (e.type) {
      case 'OAuthConsumerCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<OAuthConsumerRow>(rows, OAUTH_CONSUMERS_TABLE, d.consumerId), event)) return;
        rows.put(OAUTH_CONSUMERS_TABLE, { id: d.consumerId, description: d.description, extra: { ...d.extra }, ...created(event) } satisfies OAuthConsumerRow);
        rows.put(OAUTH_CONSUMER_SECRETS_TABLE, { id: d.consumerId, secret_hash: d.secretHash } satisfies OAuthConsumerSecretRow);
        return;
      }
      case 'OAuthConsumerUpdated': {
        const row = getRow<OAuthConsumerRow>(rows, OAUTH_CONSUMERS_TABLE, e.data.consumerId);
        if (!row || alreadyApplied(row, event)) return;
        rows.put(OAUTH_CONSUMERS_TABLE, { ...row, ...changedColumns(e.data, { description: 'description', extra: 'extra' }), ...touched(event) });
        return;
      }
      case 'OAuthConsumerDeleted':
        rows.delete(OAUTH_CONSUMERS_TABLE, e.data.consumerId);
        rows.delete(OAUTH_CONSUMER_SECRETS_TABLE, e.data.consumerId);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
