import { EndpointGroupEvent, EndpointGroupFilters } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, changedColumns, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from './rows';

export const ENDPOINT_GROUPS_TABLE = 'identity_endpoint_groups';

export type EndpointGroupRow = Tracked & {
  id: string;
  name: string;
  description: string | null;
  filters: EndpointGroupFilters;
};

export const ENDPOINT_GROUP_EVENT_TYPES: EndpointGroupEvent['type'][] = ['EndpointGroupCreated', 'EndpointGroupUpdated', 'EndpointGroupDeleted'];

/** Keystone's OS-EP-FILTER endpoint groups (GET /v3/OS-EP-FILTER/endpoint_groups?name=). */
export const identityEndpointGroupsProjection: Projection = {
  name: 'identity_endpoint_groups',
  version: 1,
  eventTypes: ENDPOINT_GROUP_EVENT_TYPES,
  tables: [
    table<EndpointGroupRow>({
      name: ENDPOINT_GROUPS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        name: { type: 'text' },
        description: { type: 'text', nullable: true },
        filters: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['name']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: ENDPOINT_GROUPS_TABLE, key: (event as unknown as EndpointGroupEvent).data.endpointGroupId }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as EndpointGroupEvent;
    switch (e.type) {
      case 'EndpointGroupCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<EndpointGroupRow>(rows, ENDPOINT_GROUPS_TABLE, d.endpointGroupId), event)) return;
        rows.put(ENDPOINT_GROUPS_TABLE, { id: d.endpointGroupId, name: d.name, description: d.description, filters: { ...d.filters }, ...created(event) } satisfies EndpointGroupRow);
        return;
      }
      case 'EndpointGroupUpdated': {
        const row = getRow<EndpointGroupRow>(rows, ENDPOINT_GROUPS_TABLE, e.data.endpointGroupId);
        if (!row || alreadyApplied(row, event)) return;
        rows.put(ENDPOINT_GROUPS_TABLE, { ...row, ...changedColumns(e.data, { name: 'name', description: 'description', filters: 'filters' }), ...touched(event) });
        return;
      }
      case 'EndpointGroupDeleted':
        rows.delete(ENDPOINT_GROUPS_TABLE, e.data.endpointGroupId);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
