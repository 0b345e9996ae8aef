import { FlavorEvent } from '../../domain/compute/flavor';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from '../kernel/rows';

export const FLAVORS_TABLE = 'compute_flavors';

/** A flavor as Nova's API database holds it, its extra specs and access list in the row (deleted flavors leave). */
export type FlavorRow = Tracked & {
  flavor_id: string;
  name: string;
  vcpus: number;
  memory_mb: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  is_public: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
  /** Projects given access to a private flavor (os-flavor-access), in the order they were added. */
  projects: string[];
};

export const FLAVOR_EVENT_TYPES: FlavorEvent['type'][] = [
  'FlavorCreated',
  'FlavorDescriptionUpdated',
  'FlavorExtraSpecsSet',
  'FlavorExtraSpecDeleted',
  'FlavorAccessAdded',
  'FlavorAccessRemoved',
  'FlavorDeleted',
];

/** GET /flavors, /flavors/detail, /flavors/{id}, os-extra_specs, os-flavor-access. */
export const computeFlavorsProjection: Projection = {
  name: FLAVORS_TABLE,
  version: 1,
  eventTypes: FLAVOR_EVENT_TYPES,
  tables: [
    table<FlavorRow>({
      name: FLAVORS_TABLE,
      primaryKey: 'flavor_id',
      columns: {
        flavor_id: { type: 'text' },
        name: { type: 'text' },
        vcpus: { type: 'integer' },
        memory_mb: { type: 'integer' },
        root_gb: { type: 'integer' },
        ephemeral_gb: { type: 'integer' },
        swap: { type: 'integer' },
        rxtx_factor: { type: 'double' },
        is_public: { type: 'boolean' },
        description: { type: 'text', nullable: true },
        extra_specs: { type: 'jsonb' },
        projects: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['name'], ['is_public']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: FLAVORS_TABLE, key: (event.data as { flavorId: string }).flavorId }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as FlavorEvent;
    const row = getRow<FlavorRow>(rows, FLAVORS_TABLE, e.data.flavorId);
    if (e.type === 'FlavorCreated') {
      if (alreadyApplied(row, event)) return;
      const d = e.data;
      rows.put(FLAVORS_TABLE, {
        flavor_id: d.flavorId,
        name: d.name,
        vcpus: d.vcpus,
        memory_mb: d.memoryMb,
        root_gb: d.rootGb,
        ephemeral_gb: d.ephemeralGb,
        swap: d.swapMb,
        rxtx_factor: d.rxtxFactor,
        is_public: d.isPublic,
        description: d.description,
        extra_specs: {},
        projects: [],
        ...created(event),
      } satisfies FlavorRow);
      return;
    }
    if (!row || alreadyApplied(row, event)) return;
    if (e.type === 'FlavorDeleted') {
      rows.delete(FLAVORS_TABLE, e.data.flavorId);
      return;
    }
    rows.put(FLAVORS_TABLE, { ...row, ...flavorChanges(e, row), ...touched(event) });
  },
};

function flavorChanges(e: Exclude<FlavorEvent, { type: 'FlavorCreated' | 'FlavorDeleted' }>, row: FlavorRow): Partial<FlavorRow> {
  switch (e.type) {
    case 'FlavorDescriptionUpdated':
      return { description: e.data.description };
    case 'FlavorExtraSpecsSet':
      return { extra_specs: { ...row.extra_specs, ...e.data.extraSpecs } };
    case 'FlavorExtraSpecDeleted': {
      const { [e.data.key]: _gone, ...extra_specs } = row.extra_specs;
      return { extra_specs };
    }
    case 'FlavorAccessAdded':
      return { projects: row.projects.includes(e.data.projectId) ? row.projects : [...row.projects, e.data.projectId] };
    case 'FlavorAccessRemoved':
      return { projects: row.projects.filter((p) => p !== e.data.projectId) };
    default: {
      const unhandled: never = e;
      return unhandled;
    }
  }
}
