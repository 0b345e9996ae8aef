import { QuotaClassEvent, QuotaEvent, QuotaLimits } from '../../domain/compute/quota';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from '../kernel/rows';

export const QUOTAS_TABLE = 'compute_quotas';
export const QUOTA_CLASSES_TABLE = 'compute_quota_classes';

/** A project's own quota limits (os-quota-sets); the defaults apply to every resource it does not name. */
export type QuotaRow = Tracked & {
  project_id: string;
  limits: Partial<QuotaLimits>;
};

/** A quota class's own limits (os-quota-class-sets); the `default` class's are every project's defaults. */
export type QuotaClassRow = Tracked & {
  class_name: string;
  limits: Record<string, number>;
};

export const QUOTA_EVENT_TYPES: (QuotaEvent | QuotaClassEvent)['type'][] = ['QuotaSetUpdated', 'QuotaSetReverted', 'QuotaClassSetUpdated'];

export const computeQuotasProjection: Projection = {
  name: QUOTAS_TABLE,
  version: 2,
  eventTypes: QUOTA_EVENT_TYPES,
  tables: [
    table<QuotaRow>({
      name: QUOTAS_TABLE,
      primaryKey: 'project_id',
      columns: { project_id: { type: 'text' }, limits: { type: 'jsonb' }, ...TRACKED_COLUMNS },
    }),
    table<QuotaClassRow>({
      name: QUOTA_CLASSES_TABLE,
      primaryKey: 'class_name',
      columns: { class_name: { type: 'text' }, limits: { type: 'jsonb' }, ...TRACKED_COLUMNS },
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    if (event.type === 'QuotaClassSetUpdated') return [{ table: QUOTA_CLASSES_TABLE, key: (event.data as { className: string }).className }];
    return [{ table: QUOTAS_TABLE, key: (event.data as { projectId: string }).projectId }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    if (event.type === 'QuotaClassSetUpdated') {
      const c = (event as unknown as QuotaClassEvent).data;
      const current = getRow<QuotaClassRow>(rows, QUOTA_CLASSES_TABLE, c.className);
      if (alreadyApplied(current, event)) return;
      rows.put(
        QUOTA_CLASSES_TABLE,
        current ? { ...current, limits: { ...current.limits, ...c.limits }, ...touched(event) } : ({ class_name: c.className, limits: c.limits, ...created(event) } satisfies QuotaClassRow),
      );
      return;
    }
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
