import { KeypairEvent, KeypairType } from '../../domain/compute/keypair';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, created, getRow, table, Tracked, TRACKED_COLUMNS } from '../kernel/rows';

export const KEYPAIRS_TABLE = 'compute_keypairs';

/** Key of a keypair row: names are unique per user. */
export const keypairKey = (userId: string, name: string) => `${userId}/${name}`;

/** One keypair of one user (os-keypairs); a deleted keypair leaves the read model. */
export type KeypairRow = Tracked & {
  key: string;
  user_id: string;
  name: string;
  type: KeypairType;
  public_key: string;
  fingerprint: string;
};

export const KEYPAIR_EVENT_TYPES: KeypairEvent['type'][] = ['KeypairCreated', 'KeypairDeleted'];

export const computeKeypairsProjection: Projection = {
  name: KEYPAIRS_TABLE,
  version: 1,
  eventTypes: KEYPAIR_EVENT_TYPES,
  tables: [
    table<KeypairRow>({
      name: KEYPAIRS_TABLE,
      primaryKey: 'key',
      columns: {
        key: { type: 'text' },
        user_id: { type: 'text' },
        name: { type: 'text' },
        type: { type: 'text' },
        public_key: { type: 'text' },
        fingerprint: { type: 'text' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['user_id', 'name']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const d = event.data as { userId: string; name: string };
    return [{ table: KEYPAIRS_TABLE, key: keypairKey(d.userId, d.name) }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as KeypairEvent;
    const key = keypairKey(e.data.userId, e.data.name);
    const row = getRow<KeypairRow>(rows, KEYPAIRS_TABLE, key);
    if (alreadyApplied(row, event)) return;
    switch (e.type) {
      case 'KeypairCreated': {
        const d = e.data;
        rows.put(KEYPAIRS_TABLE, { key, user_id: d.userId, name: d.name, type: d.type, public_key: d.publicKey, fingerprint: d.fingerprint, ...created(event) } satisfies KeypairRow);
        return;
      }
      case 'KeypairDeleted':
        if (row) rows.delete(KEYPAIRS_TABLE, key);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
