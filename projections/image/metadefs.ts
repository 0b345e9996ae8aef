import { MetadefNamespaceEvent, metadefNameKey, MetadefObject, MetadefProperty, MetadefResourceTypeAssociation, MetadefResourceTypeEvent } from '../../domain/image';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from '../kernel/rows';

export const METADEF_NAMESPACES_TABLE = 'image_metadef_namespaces';
export const METADEF_RESOURCE_TYPES_TABLE = 'image_metadef_resource_types';

interface Times {
  created_at: string;
  updated_at: string;
}

// Children are jsonb arrays, in creation order: jsonb keeps no key order, and Glance lists
// properties, objects and associations in the order their rows were inserted.
export type MetadefPropertyEntry = MetadefProperty & Times;
export type MetadefObjectEntry = Omit<MetadefObject, 'properties'> & { properties: MetadefProperty[] | null } & Times;
export type MetadefTagEntry = { name: string } & Times;
export type MetadefAssociationEntry = { name: string; prefix: string | null; properties_target: string | null } & Times;

/**
 * A namespace with everything in it, one row per `metadef-<uuid>` stream: Glance's namespace page
 * shows it all at once, and deleting the namespace drops the lot. Deleted and renamed-away
 * namespaces leave the read model.
 */
export type MetadefNamespaceRow = Tracked & {
  /** The stream. */
  id: string;
  namespace: string;
  /** `metadefNameKey(namespace)`: lookups ignore case as Glance's MySQL collation does. */
  namespace_key: string;
  display_name: string | null;
  description: string | null;
  visibility: string;
  protected: boolean;
  owner: string | null;
  properties: MetadefPropertyEntry[];
  objects: MetadefObjectEntry[];
  tags: MetadefTagEntry[];
  resource_type_associations: MetadefAssociationEntry[];
  /** Position of the namespace's creation (kept by a rename): the tie-breaker Glance's ids are. */
  created_position: string;
};

/**
 * GET /v2/metadefs/resource_types: the seeded types and every type an association ever named
 * (Glance creates those on first use and never removes them). `position` orders them as Glance's
 * ids do; `updated_at` is null for seeded types, as db_load_metadefs leaves it.
 */
export type MetadefResourceTypeRow = {
  key: string;
  name: string;
  protected: boolean;
  created_at: string;
  updated_at: string | null;
  position: string;
};

type MetadefEvent = MetadefNamespaceEvent | MetadefResourceTypeEvent;

export const METADEF_EVENT_TYPES: MetadefEvent['type'][] = [
  'MetadefNamespaceCreated',
  'MetadefNamespaceUpdated',
  'MetadefNamespaceRenamed',
  'MetadefNamespaceDeleted',
  'MetadefPropertyCreated',
  'MetadefPropertyUpdated',
  'MetadefPropertyDeleted',
  'MetadefObjectCreated',
  'MetadefObjectUpdated',
  'MetadefObjectDeleted',
  'MetadefTagCreated',
  'MetadefTagUpdated',
  'MetadefTagDeleted',
  'MetadefResourceTypeAssociated',
  'MetadefResourceTypeDissociated',
  'MetadefResourceTypeCreated',
];

const sameName = (name: string) => (entry: { name: string }) => metadefNameKey(entry.name) === metadefNameKey(name);

function associationsNamed(e: MetadefEvent): MetadefResourceTypeAssociation[] {
  if (e.type === 'MetadefNamespaceCreated') return e.data.resourceTypeAssociations;
  if (e.type === 'MetadefResourceTypeAssociated') return [e.data.association];
  return [];
}

/** Glance's metadef_namespaces with their properties, objects, tags and resource type associations, and metadef_resource_types. */
export const imageMetadefsProjection: Projection = {
  name: 'image_metadefs',
  version: 1,
  eventTypes: METADEF_EVENT_TYPES,
  tables: [
    table<MetadefNamespaceRow>({
      name: METADEF_NAMESPACES_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        namespace: { type: 'text' },
        namespace_key: { type: 'text' },
        display_name: { type: 'text', nullable: true },
        description: { type: 'text', nullable: true },
        visibility: { type: 'text' },
        protected: { type: 'boolean' },
        owner: { type: 'text', nullable: true },
        properties: { type: 'jsonb' },
        objects: { type: 'jsonb' },
        tags: { type: 'jsonb' },
        resource_type_associations: { type: 'jsonb' },
        created_position: { type: 'text' },
        ...TRACKED_COLUMNS,
      },
      // Every request names its namespace; a non-admin list filters on owner and visibility.
      indexes: [['namespace_key'], ['owner'], ['visibility'], ['created_at']],
    }),
    table<MetadefResourceTypeRow>({
      name: METADEF_RESOURCE_TYPES_TABLE,
      primaryKey: 'key',
      columns: {
        key: { type: 'text' },
        name: { type: 'text' },
        protected: { type: 'boolean' },
        created_at: { type: 'timestamptz' },
        updated_at: { type: 'timestamptz', nullable: true },
        position: { type: 'text' },
      },
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const e = event as unknown as MetadefEvent;
    if (e.type === 'MetadefResourceTypeCreated') return [{ table: METADEF_RESOURCE_TYPES_TABLE, key: metadefNameKey(e.data.name) }];
    const refs: RowRef[] = [{ table: METADEF_NAMESPACES_TABLE, key: event.stream }];
    if (e.type === 'MetadefNamespaceCreated' && e.data.renamedFrom) refs.push({ table: METADEF_NAMESPACES_TABLE, key: e.data.renamedFrom.stream });
    for (const a of associationsNamed(e)) refs.push({ table: METADEF_RESOURCE_TYPES_TABLE, key: metadefNameKey(a.name) });
    return refs;
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as MetadefEvent;
    const at = event.metadata.occurredAt;
    if (e.type === 'MetadefResourceTypeCreated') {
      const key = metadefNameKey(e.data.name);
      const known = getRow<MetadefResourceTypeRow>(rows, METADEF_RESOURCE_TYPES_TABLE, key);
      // A type some association named first stays where it is; seeding only marks it a system type.
      if (known) rows.put(METADEF_RESOURCE_TYPES_TABLE, { ...known, protected: known.protected || e.data.protected });
      else rows.put(METADEF_RESOURCE_TYPES_TABLE, { key, name: e.data.name, protected: e.data.protected, created_at: at, updated_at: null, position: event.position } satisfies MetadefResourceTypeRow);
      return;
    }
    const row = getRow<MetadefNamespaceRow>(rows, METADEF_NAMESPACES_TABLE, event.stream);
    if (alreadyApplied(row, event)) return;
    for (const a of associationsNamed(e)) {
      const key = metadefNameKey(a.name);
      // metadef_api/resource_type_association.py `create`: an unknown resource type is created on first use.
      if (!getRow(rows, METADEF_RESOURCE_TYPES_TABLE, key)) {
        rows.put(METADEF_RESOURCE_TYPES_TABLE, { key, name: a.name, protected: false, created_at: at, updated_at: at, position: event.position } satisfies MetadefResourceTypeRow);
      }
    }
    if (e.type === 'MetadefNamespaceCreated') {
      const from = e.data.renamedFrom ? getRow<MetadefNamespaceRow>(rows, METADEF_NAMESPACES_TABLE, e.data.renamedFrom.stream) : undefined;
      rows.put(METADEF_NAMESPACES_TABLE, createdRow(e, event, from));
      return;
    }
    if (!row) return;
    if (e.type === 'MetadefNamespaceDeleted' || e.type === 'MetadefNamespaceRenamed') {
      rows.delete(METADEF_NAMESPACES_TABLE, event.stream);
      return;
    }
    if (e.type === 'MetadefNamespaceUpdated') {
      const d = e.data;
      rows.put(METADEF_NAMESPACES_TABLE, { ...row, ...namespaceColumns(d), ...touched(event) } satisfies MetadefNamespaceRow);
      return;
    }
    // Glance's namespace updated_at follows the namespace's own fields only, not its content.
    rows.put(METADEF_NAMESPACES_TABLE, { ...row, ...contentChange(e, row, at), stream_version: Number(event.version) } satisfies MetadefNamespaceRow);
  },
};

/** The namespace's own fields, as a create and an update both carry them. */
function namespaceColumns(d: Extract<MetadefEvent, { type: 'MetadefNamespaceUpdated' }>['data']) {
  return {
    namespace: d.namespace,
    namespace_key: metadefNameKey(d.namespace),
    display_name: d.displayName,
    description: d.description,
    visibility: d.visibility,
    protected: d.protected,
    owner: d.owner,
  };
}

const stamped = (at: string): Times => ({ created_at: at, updated_at: at });
const property = (p: MetadefProperty, times: Times): MetadefPropertyEntry => ({ name: p.name, schema: p.schema, ...times });
const object = (o: MetadefObject, times: Times): MetadefObjectEntry => ({ name: o.name, description: o.description, required: o.required, properties: o.properties, ...times });
const association = (a: MetadefResourceTypeAssociation, times: Times): MetadefAssociationEntry => ({ name: a.name, prefix: a.prefix, properties_target: a.propertiesTarget, ...times });

/** A rename keeps the creation times Glance keeps: the row moves, it is not made anew. */
function timesFrom(entries: (Times & { name: string })[] | undefined, name: string, at: string): Times {
  const before = entries?.find(sameName(name));
  return before ? { created_at: before.created_at, updated_at: before.updated_at } : stamped(at);
}

function createdRow(e: Extract<MetadefEvent, { type: 'MetadefNamespaceCreated' }>, event: RecordedEvent, from: MetadefNamespaceRow | undefined): MetadefNamespaceRow {
  const d = e.data;
  const at = event.metadata.occurredAt;
  return {
    id: event.stream,
    ...namespaceColumns(d),
    properties: d.properties.map((p) => property(p, timesFrom(from?.properties, p.name, at))),
    objects: d.objects.map((o) => object(o, timesFrom(from?.objects, o.name, at))),
    tags: d.tags.map((name) => ({ name, ...timesFrom(from?.tags, name, at) })),
    resource_type_associations: d.resourceTypeAssociations.map((a) => association(a, timesFrom(from?.resource_type_associations, a.name, at))),
    created_position: from?.created_position ?? event.position,
    ...created(event),
    ...(from ? { created_at: from.created_at } : {}),
  };
}

type ContentEvent = Exclude<MetadefNamespaceEvent, { type: 'MetadefNamespaceCreated' | 'MetadefNamespaceUpdated' | 'MetadefNamespaceRenamed' | 'MetadefNamespaceDeleted' }>;

function replaced<T extends { name: string } & Times>(entries: T[], name: string, next: (before: T) => T): T[] {
  return entries.map((entry) => (sameName(name)(entry) ? next(entry) : entry));
}

function contentChange(e: ContentEvent, row: MetadefNamespaceRow, at: string): Partial<MetadefNamespaceRow> {
  switch (e.type) {
    case 'MetadefPropertyCreated':
      return { properties: [...row.properties, property(e.data.property, stamped(at))] };
    case 'MetadefPropertyUpdated':
      return { properties: replaced(row.properties, e.data.name, (before) => property(e.data.property, { created_at: before.created_at, updated_at: at })) };
    case 'MetadefPropertyDeleted':
      return { properties: row.properties.filter((p) => !sameName(e.data.name)(p)) };
    case 'MetadefObjectCreated':
      return { objects: [...row.objects, object(e.data.object, stamped(at))] };
    case 'MetadefObjectUpdated':
      return { objects: replaced(row.objects, e.data.name, (before) => object(e.data.object, { created_at: before.created_at, updated_at: at })) };
    case 'MetadefObjectDeleted':
      return { objects: row.objects.filter((o) => !sameName(e.data.name)(o)) };
    case 'MetadefTagCreated':
      return { tags: [...row.tags, { name: e.data.name, ...stamped(at) }] };
    case 'MetadefTagUpdated':
      return { tags: replaced(row.tags, e.data.name, (before) => ({ name: e.data.newName, created_at: before.created_at, updated_at: at })) };
    case 'MetadefTagDeleted':
      return { tags: row.tags.filter((t) => !sameName(e.data.name)(t)) };
    case 'MetadefResourceTypeAssociated':
      return { resource_type_associations: [...row.resource_type_associations, association(e.data.association, stamped(at))] };
    case 'MetadefResourceTypeDissociated':
      return { resource_type_associations: row.resource_type_associations.filter((a) => a.name !== e.data.name) };
    default: {
      const unhandled: never = e;
      return unhandled;
    }
  }
}
