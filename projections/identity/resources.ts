import { IdentityDomainEvent, nameKey, ProjectEvent, ResourceOptions } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, changedColumns, created, getRow, table, touched, Tracked, TRACKED_COLUMNS, withNameKey } from './rows';

export const DOMAINS_TABLE = 'identity_domains';
export const PROJECTS_TABLE = 'identity_projects';

/** `name_key` is `nameKey(name)` (case-folded): Keystone names are case-insensitive, so readers filter on it. */
export type DomainRow = Tracked & {
  id: string;
  name: string;
  name_key: string;
  description: string;
  enabled: boolean;
  options: ResourceOptions;
};

/** A project; `parent_id` is the domain id for a top-level project (Keystone). Domains live in identity_domains. */
export type ProjectRow = Tracked & {
  id: string;
  domain_id: string;
  name: string;
  name_key: string;
  description: string;
  enabled: boolean;
  parent_id: string;
  is_domain: boolean;
  /** Case-sensitive, in the order they were set. */
  tags: string[];
  options: ResourceOptions;
  /** Keystone's free-form attributes, returned flat with the project. */
  extra: Record<string, unknown>;
};

type ResourceEvent = IdentityDomainEvent | ProjectEvent;

export const RESOURCE_EVENT_TYPES: ResourceEvent['type'][] = [
  'DomainCreated',
  'DomainUpdated',
  'DomainDeleted',
  'ProjectCreated',
  'ProjectUpdated',
  'ProjectTagsReplaced',
  'ProjectTagAdded',
  'ProjectTagRemoved',
  'ProjectDeleted',
];

/** Keystone's resource backend: domains and projects (GET /v3/domains, /v3/projects and their filters). */
export const identityResourcesProjection: Projection = {
  name: 'identity_resources',
  // 2: projects keep Keystone's extra attributes.
  version: 2,
  eventTypes: RESOURCE_EVENT_TYPES,
  tables: [
    table<DomainRow>({
      name: DOMAINS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        name: { type: 'text' },
        name_key: { type: 'text' },
        description: { type: 'text' },
        enabled: { type: 'boolean' },
        options: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['name_key']],
    }),
    table<ProjectRow>({
      name: PROJECTS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        domain_id: { type: 'text' },
        name: { type: 'text' },
        name_key: { type: 'text' },
        description: { type: 'text' },
        enabled: { type: 'boolean' },
        parent_id: { type: 'text' },
        is_domain: { type: 'boolean' },
        tags: { type: 'jsonb' },
        options: { type: 'jsonb' },
        extra: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
      // GET /v3/projects?domain_id=&name= (the pair is unique), ?name= across domains, ?parent_id= (subtree walks).
      indexes: [['domain_id', 'name_key'], ['name_key'], ['parent_id']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const e = event as unknown as ResourceEvent;
    switch (e.type) {
      case 'DomainCreated':
      case 'DomainUpdated':
      case 'DomainDeleted':
        return [{ table: DOMAINS_TABLE, key: e.data.domainId }];
      default:
        return [{ table: PROJECTS_TABLE, key: e.data.projectId }];
    }
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as ResourceEvent;
    switch (e.type) {
      case 'DomainCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<DomainRow>(rows, DOMAINS_TABLE, d.domainId), event)) return;
        rows.put(DOMAINS_TABLE, {
          id: d.domainId,
          name: d.name,
          name_key: nameKey(d.name),
          description: d.description,
          enabled: d.enabled,
          options: d.options,
          ...created(event),
        } satisfies DomainRow);
        return;
      }
      case 'DomainUpdated': {
        const row = getRow<DomainRow>(rows, DOMAINS_TABLE, e.data.domainId);
        if (!row || alreadyApplied(row, event)) return;
        const changes = withNameKey(changedColumns(e.data, { name: 'name', description: 'description', enabled: 'enabled', options: 'options' }));
        rows.put(DOMAINS_TABLE, { ...row, ...changes, ...touched(event) });
        return;
      }
      case 'DomainDeleted':
        rows.delete(DOMAINS_TABLE, e.data.domainId);
        return;
      case 'ProjectCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<ProjectRow>(rows, PROJECTS_TABLE, d.projectId), event)) return;
        rows.put(PROJECTS_TABLE, {
          id: d.projectId,
          domain_id: d.domainId,
          name: d.name,
          name_key: nameKey(d.name),
          description: d.description,
          enabled: d.enabled,
          parent_id: d.parentId,
          is_domain: d.isDomain,
          tags: d.tags,
          options: d.options,
          extra: d.extra ?? {},
          ...created(event),
        } satisfies ProjectRow);
        return;
      }
      case 'ProjectDeleted':
        rows.delete(PROJECTS_TABLE, e.data.projectId);
        return;
      default: {
        const row = getRow<ProjectRow>(rows, PROJECTS_TABLE, e.data.projectId);
        if (!row || alreadyApplied(row, event)) return;
        rows.put(PROJECTS_TABLE, { ...row, ...projectChanges(e, row), ...touched(event) });
      }
    }
  },
};

type ProjectChange = Exclude<ProjectEvent, { type: 'ProjectCreated' | 'ProjectDeleted' }>;

function projectChanges(e: ProjectChange, row: ProjectRow): Partial<ProjectRow> {
  switch (e.type) {
    case 'ProjectUpdated':
      return withNameKey(changedColumns(e.data, { name: 'name', description: 'description', enabled: 'enabled', options: 'options', extra: 'extra' }));
    case 'ProjectTagsReplaced':
      return { tags: e.data.tags };
    case 'ProjectTagAdded':
      return { tags: row.tags.includes(e.data.tag) ? row.tags : [...row.tags, e.data.tag] };
    case 'ProjectTagRemoved':
      return { tags: row.tags.filter((t) => t !== e.data.tag) };
    default: {
      const unhandled: never = e;
      return unhandled;
    }
  }
}
