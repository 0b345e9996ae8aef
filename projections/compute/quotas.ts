import { QuotaEvent, QuotaLimits } from '../../domain/compute/quota';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from '../kernel/rows';

export const QUOTAS_TABLE = 'compute_quotas';

/** A project's own quota limits (os-quota-sets); the defaults apply to every resource it does not name. */
export type QuotaRow = Tracked & {
  project_id: string;
  limits: Partial<QuotaLimits>;
};

export const QUOTA_EVENT_TYPES: QuotaEvent['type'][] = ['QuotaSetUpdated', 'QuotaSetReverted'];

export const computeQuotasProjection: Projection = {
  name: QUOTAS_TABLE,
  version: 1,
  eventTypes: QUOTA_EVENT_TYPES,
  tables: [
    table<QuotaRow>({
      name: QUOTAS_TABLE,
      primaryKey: 'project_id',
      columns: { project_id: { type: 'text' }, limits: { type: 'jsonb' }, ...TRACKED_COLUMNS },
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: QUOTAS_TABLE, key: (event.data as { projectId: string }).projectId }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as QuotaEvent;
    const row = getRow<QuotaRow>(rows, QUOTAS_TABLE, e.data.projectId);
    if (alreadyApplied(row, event)) return;
    switch (e.type) {
      case 'QuotaSetUpdated':
        rows.put(QUOTAS_TABLE, row ? { ...row, limits: { ...row.limits, ...e.data.limits }, ...touched(event) } : ({ project_id: e.data.projectId, limits: e.data.limits, ...created(event) } satisfies QuotaRow));
        return;
      case 'QuotaSetReverted':
        if (row) rows.delete(QUOTAS_TABLE, e.data.projectId);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
