import { AccessRule, AccessRuleEvent, ApplicationCredentialEvent, nameKey } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { created, getRow, table, Tracked, TRACKED_COLUMNS } from './rows';

export const APPLICATION_CREDENTIALS_TABLE = 'identity_application_credentials';
/** Secret hashes only, apart from the table list and show read (as identity_user_credentials). */
export const APPLICATION_CREDENTIAL_SECRETS_TABLE = 'identity_application_credential_secrets';
/** A user's access rules (GET /v3/users/{id}/access_rules); credentials reference them by id. */
export const ACCESS_RULES_TABLE = 'identity_access_rules';

export type ApplicationCredentialRow = Tracked & {
  id: string;
  user_id: string;
  project_id: string;
  name: string;
  name_key: string;
  description: string | null;
  /** `[{ id }]` as Keystone's backend returns them; the API adds the role names. */
  roles: Array<{ id: string }>;
  /** As recorded (`YYYY-MM-DDTHH:MM:SS.ffffffZ`): Keystone keeps and returns microseconds, which timestamptz → Date would cut. */
  expires_at: string | null;
  unrestricted: boolean;
  access_rules: AccessRule[];
};

export type ApplicationCredentialSecretRow = {
  id: string;
  user_id: string;
  secret_hash: string;
};

export type AccessRuleRow = {
  id: string;
  user_id: string;
  service: string;
  method: string;
  path: string;
  created_at: string;
};

type Event = ApplicationCredentialEvent | AccessRuleEvent;

export const APPLICATION_CREDENTIAL_EVENT_TYPES: Event['type'][] = ['ApplicationCredentialCreated', 'ApplicationCredentialDeleted', 'AccessRuleCreated', 'AccessRuleDeleted'];

/** Keystone's application_credential backend (GET /v3/users/{id}/application_credentials, ?name=). */
export const identityApplicationCredentialsProjection: Projection = {
  name: 'identity_application_credentials',
  // 2: expires_at kept as text (microseconds), access rules table.
  version: 2,
  eventTypes: APPLICATION_CREDENTIAL_EVENT_TYPES,
  tables: [
    table<ApplicationCredentialRow>({
      name: APPLICATION_CREDENTIALS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        user_id: { type: 'text' },
        project_id: { type: 'text' },
        name: { type: 'text' },
        name_key: { type: 'text' },
        description: { type: 'text', nullable: true },
        roles: { type: 'jsonb' },
        expires_at: { type: 'text', nullable: true },
        unrestricted: { type: 'boolean' },
        access_rules: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['user_id', 'name_key'], ['project_id']],
    }),
    table<ApplicationCredentialSecretRow>({
      name: APPLICATION_CREDENTIAL_SECRETS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        user_id: { type: 'text' },
        secret_hash: { type: 'text' },
      },
    }),
    table<AccessRuleRow>({
      name: ACCESS_RULES_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        user_id: { type: 'text' },
        service: { type: 'text' },
        method: { type: 'text' },
        path: { type: 'text' },
        created_at: { type: 'timestamptz' },
      },
      indexes: [['user_id']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const e = event as unknown as Event;
    const { id } = e.data;
    if (e.type === 'AccessRuleCreated' || e.type === 'AccessRuleDeleted') return [{ table: ACCESS_RULES_TABLE, key: id }];
    return [
      { table: APPLICATION_CREDENTIALS_TABLE, key: id },
      { table: APPLICATION_CREDENTIAL_SECRETS_TABLE, key: id },
    ];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as Event;
    switch (e.type) {
      case 'ApplicationCredentialCreated': {
        const d = e.data;
        if (getRow<ApplicationCredentialRow>(rows, APPLICATION_CREDENTIALS_TABLE, d.id)) return;
        rows.put(APPLICATION_CREDENTIALS_TABLE, {
          id: d.id,
          user_id: d.userId,
          project_id: d.projectId,
          name: d.name,
          name_key: nameKey(d.name),
          description: d.description,
          roles: d.roleIds.map((id) => ({ id })),
          expires_at: d.expiresAt === null ? null : microsecondInstant(d.expiresAt),
          unrestricted: d.unrestricted,
          access_rules: d.accessRules ?? [],
          ...created(event),
        } satisfies ApplicationCredentialRow);
        rows.put(APPLICATION_CREDENTIAL_SECRETS_TABLE, { id: d.id, user_id: d.userId, secret_hash: d.secretHash } satisfies ApplicationCredentialSecretRow);
        return;
      }
      case 'ApplicationCredentialDeleted':
        rows.delete(APPLICATION_CREDENTIALS_TABLE, e.data.id);
        rows.delete(APPLICATION_CREDENTIAL_SECRETS_TABLE, e.data.id);
        return;
      case 'AccessRuleCreated': {
        const d = e.data;
        rows.put(ACCESS_RULES_TABLE, { id: d.id, user_id: d.userId, service: d.service, method: d.method, path: d.path, created_at: event.metadata.occurredAt } satisfies AccessRuleRow);
        return;
      }
      case 'AccessRuleDeleted':
        rows.delete(ACCESS_RULES_TABLE, e.data.id);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};

/**
 * `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC, keeping up to six fractional digits of what was recorded
 * (an instant with a zone other than UTC is converted, to millisecond precision).
 */
export function microsecondInstant(recorded: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]00:?00)?$/i.exec(recorded.trim());
  if (m) return `${m[1]}T${m[2]}.${(m[3] ?? '').slice(0, 6).padEnd(6, '0')}Z`;
  const ms = Date.parse(recorded);
  return Number.isNaN(ms) ? recorded : new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
