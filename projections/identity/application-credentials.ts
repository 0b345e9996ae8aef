import { AccessRule, ApplicationCredentialEvent, nameKey } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { created, getRow, table, Tracked, TRACKED_COLUMNS } from './rows';

export const APPLICATION_CREDENTIALS_TABLE = 'identity_application_credentials';
/** Secret hashes only, apart from the table list and show read (as identity_user_credentials). */
export const APPLICATION_CREDENTIAL_SECRETS_TABLE = 'identity_application_credential_secrets';

export type ApplicationCredentialRow = Tracked & {
  id: string;
  user_id: string;
  project_id: string;
  name: string;
  name_key: string;
  description: string | null;
  /** `[{ id }]` as Keystone's backend returns them; the API adds the role names. */
  roles: Array<{ id: string }>;
  expires_at: string | null;
  unrestricted: boolean;
  access_rules: AccessRule[];
};

export type ApplicationCredentialSecretRow = {
  id: string;
  user_id: string;
  secret_hash: string;
};

export const APPLICATION_CREDENTIAL_EVENT_TYPES: ApplicationCredentialEvent['type'][] = ['ApplicationCredentialCreated', 'ApplicationCredentialDeleted'];

/** Keystone's application_credential backend (GET /v3/users/{id}/application_credentials, ?name=). */
export const identityApplicationCredentialsProjection: Projection = {
  name: 'identity_application_credentials',
  version: 1,
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
        expires_at: { type: 'timestamptz', nullable: true },
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
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const { id } = (event as unknown as ApplicationCredentialEvent).data;
    return [
      { table: APPLICATION_CREDENTIALS_TABLE, key: id },
      { table: APPLICATION_CREDENTIAL_SECRETS_TABLE, key: id },
    ];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as ApplicationCredentialEvent;
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
          expires_at: d.expiresAt,
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
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
