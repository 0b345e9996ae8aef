import { PolicyEvent } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, changedColumns, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from './rows';

export const POLICIES_TABLE = 'identity_policies';

export type PolicyRow = Tracked & {
  id: string;
  type: string;
  blob: string;
  /** Attributes beyond type and blob, returned beside them. */
  extra: Record<string, unknown>;
};

export const POLICY_EVENT_TYPES: PolicyEvent['type'][] = ['PolicyCreated', 'PolicyUpdated', 'PolicyDeleted'];

/** Keystone's policy backend (GET /v3/policies?type=). */
export const identityPoliciesProjection: Projection = {
  name: 'identity_policies',
  version: 1,
  eventTypes: POLICY_EVENT_TYPES,
  tables: [
    table<PolicyRow>({
      name: POLICIES_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        type: { type: 'text' },
        blob: { type: 'text' },
        extra: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['type']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: POLICIES_TABLE, key: (event as unknown as PolicyEvent).data.policyId }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as PolicyEvent;
    switch (e.type) {
      case 'PolicyCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<PolicyRow>(rows, POLICIES_TABLE, d.policyId), event)) return;
        rows.put(POLICIES_TABLE, { id: d.policyId, type: d.type, blob: d.blob, extra: { ...d.extra }, ...created(event) } satisfies PolicyRow);
        return;
      }
      case 'PolicyUpdated': {
        const row = getRow<PolicyRow>(rows, POLICIES_TABLE, e.data.policyId);
        if (!row || alreadyApplied(row, event)) return;
        rows.put(POLICIES_TABLE, { ...row, ...changedColumns(e.data, { type: 'type', blob: 'blob', extra: 'extra' }), ...touched(event) });
        return;
      }
      case 'PolicyDeleted':
        rows.delete(POLICIES_TABLE, e.data.policyId);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
