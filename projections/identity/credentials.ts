import { CredentialEvent } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, changedColumns, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from './rows';

export const CREDENTIALS_TABLE = 'identity_credentials';

/** The blob stays sealed here as in the log: the API opens it with the credential key to answer. */
export type CredentialRow = Tracked & {
  id: string;
  user_id: string;
  project_id: string | null;
  type: string;
  blob_ciphertext: string;
  key_id: string;
};

export const CREDENTIAL_EVENT_TYPES: CredentialEvent['type'][] = ['CredentialCreated', 'CredentialUpdated', 'CredentialDeleted'];

/** Keystone's credential backend (GET /v3/credentials?user_id=&type=, and the OS-EC2 views of type ec2). */
export const identityCredentialsProjection: Projection = {
  name: 'identity_credentials',
  version: 1,
  eventTypes: CREDENTIAL_EVENT_TYPES,
  tables: [
    table<CredentialRow>({
      name: CREDENTIALS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        user_id: { type: 'text' },
        project_id: { type: 'text', nullable: true },
        type: { type: 'text' },
        blob_ciphertext: { type: 'text' },
        key_id: { type: 'text' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['user_id', 'type']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: CREDENTIALS_TABLE, key: (event as unknown as CredentialEvent).data.credentialId }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as CredentialEvent;
    switch (e.type) {
      case 'CredentialCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<CredentialRow>(rows, CREDENTIALS_TABLE, d.credentialId), event)) return;
        rows.put(CREDENTIALS_TABLE, {
          id: d.credentialId,
          user_id: d.userId,
          project_id: d.projectId,
          type: d.type,
          blob_ciphertext: d.blob.ciphertext,
          key_id: d.blob.keyId,
          ...created(event),
        } satisfies CredentialRow);
        return;
      }
      case 'CredentialUpdated': {
        const d = e.data;
        const row = getRow<CredentialRow>(rows, CREDENTIALS_TABLE, d.credentialId);
        if (!row || alreadyApplied(row, event)) return;
        const blob = d.blob ? { blob_ciphertext: d.blob.ciphertext, key_id: d.blob.keyId } : {};
        rows.put(CREDENTIALS_TABLE, { ...row, ...changedColumns(d, { userId: 'user_id', projectId: 'project_id', type: 'type' }), ...blob, ...touched(event) });
        return;
      }
      case 'CredentialDeleted':
        rows.delete(CREDENTIALS_TABLE, e.data.credentialId);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
