import { EndpointEvent, EndpointInterface, RegionEvent, ServiceEvent } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, changedColumns, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from './rows';

export const REGIONS_TABLE = 'identity_regions';
export const SERVICES_TABLE = 'identity_services';
export const ENDPOINTS_TABLE = 'identity_endpoints';

export type RegionRow = Tracked & {
  id: string;
  description: string;
  parent_region_id: string | null;
};

export type ServiceRow = Tracked & {
  id: string;
  type: string;
  name: string | null;
  description: string | null;
  enabled: boolean;
};

export type EndpointRow = Tracked & {
  id: string;
  service_id: string;
  interface: EndpointInterface;
  url: string;
  region_id: string | null;
  enabled: boolean;
};

type CatalogEvent = RegionEvent | ServiceEvent | EndpointEvent;

export const CATALOG_EVENT_TYPES: CatalogEvent['type'][] = [
  'RegionCreated',
  'RegionUpdated',
  'RegionDeleted',
  'ServiceCreated',
  'ServiceUpdated',
  'ServiceDeleted',
  'EndpointCreated',
  'EndpointUpdated',
  'EndpointDeleted',
];

/** Keystone's catalog backend: regions, services and endpoints (and the token's catalog). */
export const identityCatalogProjection: Projection = {
  name: 'identity_catalog',
  version: 1,
  eventTypes: CATALOG_EVENT_TYPES,
  tables: [
    table<RegionRow>({
      name: REGIONS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        description: { type: 'text' },
        parent_region_id: { type: 'text', nullable: true },
        ...TRACKED_COLUMNS,
      },
      indexes: [['parent_region_id']],
    }),
    table<ServiceRow>({
      name: SERVICES_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        type: { type: 'text' },
        name: { type: 'text', nullable: true },
        description: { type: 'text', nullable: true },
        enabled: { type: 'boolean' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['type'], ['name']],
    }),
    table<EndpointRow>({
      name: ENDPOINTS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        service_id: { type: 'text' },
        interface: { type: 'text' },
        url: { type: 'text' },
        region_id: { type: 'text', nullable: true },
        enabled: { type: 'boolean' },
        ...TRACKED_COLUMNS,
      },
      // GET /v3/endpoints?service_id=&interface=&region_id=.
      indexes: [['service_id', 'interface'], ['region_id']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const e = event as unknown as CatalogEvent;
    switch (e.type) {
      case 'RegionCreated':
      case 'RegionUpdated':
      case 'RegionDeleted':
        return [{ table: REGIONS_TABLE, key: e.data.regionId }];
      case 'ServiceCreated':
      case 'ServiceUpdated':
      case 'ServiceDeleted':
        return [{ table: SERVICES_TABLE, key: e.data.serviceId }];
      case 'EndpointCreated':
      case 'EndpointUpdated':
      case 'EndpointDeleted':
        return [{ table: ENDPOINTS_TABLE, key: e.data.endpointId }];
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as CatalogEvent;
    switch (e.type) {
      case 'RegionCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<RegionRow>(rows, REGIONS_TABLE, d.regionId), event)) return;
        rows.put(REGIONS_TABLE, { id: d.regionId, description: d.description, parent_region_id: d.parentRegionId, ...created(event) } satisfies RegionRow);
        return;
      }
      case 'RegionUpdated':
        return update<RegionRow>(rows, event, REGIONS_TABLE, e.data.regionId, changedColumns(e.data, { description: 'description', parentRegionId: 'parent_region_id' }));
      case 'RegionDeleted':
        rows.delete(REGIONS_TABLE, e.data.regionId);
        return;
      case 'ServiceCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<ServiceRow>(rows, SERVICES_TABLE, d.serviceId), event)) return;
        rows.put(SERVICES_TABLE, { id: d.serviceId, type: d.type, name: d.name, description: d.description, enabled: d.enabled, ...created(event) } satisfies ServiceRow);
        return;
      }
      case 'ServiceUpdated':
        return update<ServiceRow>(rows, event, SERVICES_TABLE, e.data.serviceId, changedColumns(e.data, { type: 'type', name: 'name', description: 'description', enabled: 'enabled' }));
      case 'ServiceDeleted':
        rows.delete(SERVICES_TABLE, e.data.serviceId);
        return;
      case 'EndpointCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<EndpointRow>(rows, ENDPOINTS_TABLE, d.endpointId), event)) return;
        rows.put(ENDPOINTS_TABLE, {
          id: d.endpointId,
          service_id: d.serviceId,
          interface: d.interface,
          url: d.url,
          region_id: d.regionId,
          enabled: d.enabled,
          ...created(event),
        } satisfies EndpointRow);
        return;
      }
      case 'EndpointUpdated':
        return update<EndpointRow>(
          rows,
          event,
          ENDPOINTS_TABLE,
          e.data.endpointId,
          changedColumns(e.data, { serviceId: 'service_id', interface: 'interface', url: 'url', regionId: 'region_id', enabled: 'enabled' }),
        );
      case 'EndpointDeleted':
        rows.delete(ENDPOINTS_TABLE, e.data.endpointId);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};

function update<R extends Tracked>(rows: RowAccess, event: RecordedEvent, tableName: string, key: string, changes: Record<string, unknown>): void {
  const row = rows.get(tableName, key) as R | undefined;
  if (!row || alreadyApplied(row, event)) return;
  rows.put(tableName, { ...row, ...changes, ...touched(event) });
}
