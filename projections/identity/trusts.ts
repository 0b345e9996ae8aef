import { TrustEvent } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from './rows';

export const TRUSTS_TABLE = 'identity_trusts';

export type TrustRow = Tracked & {
  id: string;
  trustor_user_id: string;
  trustee_user_id: string;
  project_id: string | null;
  impersonation: boolean;
  /** `[{ id }]` as Keystone's trust_role table holds them; the API adds the role documents. */
  roles: Array<{ id: string }>;
  expires_at: string | null;
  remaining_uses: number | null;
  redelegation_count: number;
  redelegated_trust_id: string | null;
};

export const TRUST_EVENT_TYPES: TrustEvent['type'][] = ['TrustCreated', 'TrustUseConsumed', 'TrustDeleted'];

/**
 * Keystone's trust backend (GET /v3/OS-TRUST/trusts, ?trustor_user_id=, ?trustee_user_id=). A
 * deleted trust leaves no row (Keystone soft-deletes and never shows it again); expiry and spent
 * uses are judged by the reader against its clock, as Keystone's `get_trust` does.
 */
export const identityTrustsProjection: Projection = {
  name: 'identity_trusts',
  version: 1,
  eventTypes: TRUST_EVENT_TYPES,
  tables: [
    table<TrustRow>({
      name: TRUSTS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        trustor_user_id: { type: 'text' },
        trustee_user_id: { type: 'text' },
        project_id: { type: 'text', nullable: true },
        impersonation: { type: 'boolean' },
        roles: { type: 'jsonb' },
        expires_at: { type: 'timestamptz', nullable: true },
        remaining_uses: { type: 'integer', nullable: true },
        redelegation_count: { type: 'integer' },
        redelegated_trust_id: { type: 'text', nullable: true },
        ...TRACKED_COLUMNS,
      },
      indexes: [['trustor_user_id'], ['trustee_user_id'], ['redelegated_trust_id']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: TRUSTS_TABLE, key: (event as unknown as TrustEvent).data.id }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as TrustEvent;
    switch (e.type) {
      case 'TrustCreated': {
        const d = e.data;
        if (getRow<TrustRow>(rows, TRUSTS_TABLE, d.id)) return;
        rows.put(TRUSTS_TABLE, {
          id: d.id,
          trustor_user_id: d.trustorUserId,
          trustee_user_id: d.trusteeUserId,
          project_id: d.projectId,
          impersonation: d.impersonation,
          roles: d.roleIds.map((id) => ({ id })),
          expires_at: d.expiresAt,
          remaining_uses: d.remainingUses,
          redelegation_count: d.redelegationCount,
          redelegated_trust_id: d.redelegatedTrustId,
          ...created(event),
        } satisfies TrustRow);
        return;
      }
      case 'TrustUseConsumed': {
        const row = getRow<TrustRow>(rows, TRUSTS_TABLE, e.data.id);
        if (!row || alreadyApplied(row, event)) return;
        rows.put(TRUSTS_TABLE, { ...row, remaining_uses: e.data.remainingUses, ...touched(event) } satisfies TrustRow);
        return;
      }
      case 'TrustDeleted':
        rows.delete(TRUSTS_TABLE, e.data.id);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
