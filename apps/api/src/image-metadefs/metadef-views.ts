import type { MetadefAssociationEntry, MetadefNamespaceRow, MetadefObjectEntry, MetadefPropertyEntry, MetadefResourceTypeRow, MetadefTagEntry } from '../../../../projections/image';
import { MetadefProperty, MetadefPropertySchema, metadefNameKey } from '../../../../domain/image';
import { glanceTime } from '../image/glance-views';

// Glance's metadef answers are WSME models serialised in their attribute order; attributes left
// None are not shown (WSMEModelTransformer.to_wsme_model), except inside a property definition,
// which is the JSON Glance stored.

type View = Record<string, unknown>;

const PROPERTY_ORDER = ['name', 'type', 'title', 'description', 'operators', 'default', 'readonly', 'minimum', 'maximum', 'enum', 'pattern', 'minLength', 'maxLength', 'confidential', 'items', 'uniqueItems', 'minItems', 'maxItems', 'additionalItems'];

const present = (entries: [string, unknown][]): View => Object.fromEntries(entries.filter(([, v]) => v !== null && v !== undefined));

export const namespaceHref = (namespace: string) => `/v2/metadefs/namespaces/${namespace}`;
export const objectHref = (namespace: string, object: string) => `/v2/metadefs/namespaces/${namespace}/objects/${object}`;

/** A property definition in PropertyType's order (jsonb kept the keys, not their order). */
export function propertyView(schema: MetadefPropertySchema): View {
  const view: View = {};
  for (const key of PROPERTY_ORDER) {
    if (!(key in schema)) continue;
    const value = schema[key];
    if (key === 'items' && typeof value === 'object' && value !== null) {
      const items = value as { type?: unknown; enum?: unknown };
      view.items = { type: items.type, ...(items.enum !== undefined ? { enum: items.enum } : {}) };
    } else {
      view[key] = value;
    }
  }
  return view;
}

/** `{name: definition}`; with a resource type's prefix when the client asked for one (`?resource_type=`). */
export function propertiesView(properties: MetadefProperty[], prefix = ''): View {
  return Object.fromEntries(properties.map((p) => [`${prefix}${p.name}`, propertyView(p.schema)]));
}

/**
 * `stored`: as read back from Glance's tables (an object without `required` or properties shows
 * `[]` and `{}`); `created`: the object the request made (absent attributes stay absent);
 * `inline`: as the namespace create echoes its inline objects (no times, no links).
 */
export type ObjectForm = 'stored' | 'created' | 'inline';

export function objectView(namespace: string, o: MetadefObjectEntry, form: ObjectForm, prefix = ''): View {
  const stored = form === 'stored';
  const required = o.required ?? (stored ? [] : null);
  return present([
    ['name', o.name],
    ['required', required === null ? null : required.map((r) => `${prefix}${r}`)],
    ['description', o.description],
    ['properties', o.properties === null ? (stored ? {} : null) : propertiesView(o.properties, prefix)],
    ...(form === 'inline'
      ? []
      : ([
          ['created_at', glanceTime(o.created_at)],
          ['updated_at', glanceTime(o.updated_at)],
          ['self', objectHref(namespace, o.name)],
          ['schema', '/v2/schemas/metadefs/object'],
        ] as [string, unknown][])),
  ]);
}

export function tagView(t: MetadefTagEntry): View {
  return { name: t.name, created_at: glanceTime(t.created_at), updated_at: glanceTime(t.updated_at) };
}

export function associationView(a: MetadefAssociationEntry, inline = false): View {
  return present([
    ['name', a.name],
    ['prefix', a.prefix],
    ['properties_target', a.properties_target],
    ...(inline ? [] : ([['created_at', glanceTime(a.created_at)], ['updated_at', glanceTime(a.updated_at)]] as [string, unknown][])),
  ]);
}

/** Associations in the order of their resource types' rows, as Glance's join returns them. */
export function orderedAssociations(row: MetadefNamespaceRow, resourceTypes: MetadefResourceTypeRow[]): MetadefAssociationEntry[] {
  const rank = new Map(resourceTypes.map((t) => [t.key, t.position]));
  const position = (a: MetadefAssociationEntry) => rank.get(metadefNameKey(a.name)) ?? '~';
  return [...row.resource_type_associations].sort((a, b) => (position(a) < position(b) ? -1 : position(a) > position(b) ? 1 : 0));
}

/** Tags newest first, as Glance's default `created_at desc, id desc` lists them. */
export function tagsNewestFirst(tags: MetadefTagEntry[], dir: 'asc' | 'desc' = 'desc'): MetadefTagEntry[] {
  const indexed = tags.map((t, i) => ({ t, i }));
  indexed.sort((a, b) => {
    const order = a.t.created_at < b.t.created_at ? -1 : a.t.created_at > b.t.created_at ? 1 : a.i - b.i;
    return dir === 'asc' ? order : -order;
  });
  return indexed.map(({ t }) => t);
}

function baseFields(row: MetadefNamespaceRow): [string, unknown][] {
  return [
    ['namespace', row.namespace],
    ['display_name', row.display_name],
    ['description', row.description],
    ['visibility', row.visibility],
    ['protected', row.protected],
    ['owner', row.owner],
    ['created_at', glanceTime(row.created_at)],
    ['updated_at', glanceTime(row.updated_at)],
  ];
}

const links = (row: MetadefNamespaceRow): [string, unknown][] => [
  ['self', namespaceHref(row.namespace)],
  ['schema', '/v2/schemas/metadefs/namespace'],
];

const nonEmpty = <T>(items: T[]) => (items.length > 0 ? items : null);
const nonEmptyMap = (map: View) => (Object.keys(map).length > 0 ? map : null);

/** PUT's answer: the namespace's own fields. */
export function namespaceFieldsView(row: MetadefNamespaceRow): View {
  return present([...baseFields(row), ...links(row)]);
}

/** One entry of GET /v2/metadefs/namespaces: the fields and the resource type associations. */
export function namespaceListView(row: MetadefNamespaceRow, resourceTypes: MetadefResourceTypeRow[]): View {
  return present([...baseFields(row), ['resource_type_associations', nonEmpty(orderedAssociations(row, resourceTypes).map((a) => associationView(a)))], ...links(row)]);
}

/** POST's answer: the fields, and the inline content as the request gave it. */
export function namespaceCreatedView(row: MetadefNamespaceRow): View {
  return present([
    ...baseFields(row),
    ['resource_type_associations', nonEmpty(row.resource_type_associations.map((a) => associationView(a, true)))],
    ['properties', nonEmptyMap(propertiesView(row.properties))],
    ['objects', nonEmpty(row.objects.map((o) => objectView(row.namespace, o, 'inline')))],
    ['tags', nonEmpty(row.tags.map((t) => ({ name: t.name })))],
    ...links(row),
  ]);
}

/**
 * GET /v2/metadefs/namespaces/{namespace}: everything in it. With `?resource_type=`, property
 * names (and objects' properties and required lists) carry that association's prefix.
 */
export function namespaceDetailView(row: MetadefNamespaceRow, resourceTypes: MetadefResourceTypeRow[], resourceType?: string): View {
  const associations = orderedAssociations(row, resourceTypes);
  const prefix = (resourceType ? associations.find((a) => a.name === resourceType)?.prefix : null) ?? '';
  return present([
    ...baseFields(row),
    ['resource_type_associations', nonEmpty(associations.map((a) => associationView(a)))],
    ['properties', nonEmptyMap(propertiesView(row.properties, prefix))],
    ['objects', nonEmpty(row.objects.map((o) => objectView(row.namespace, o, 'stored', prefix)))],
    ['tags', nonEmpty(tagsNewestFirst(row.tags).map((t) => ({ name: t.name })))],
    ...links(row),
  ]);
}

export function resourceTypeView(t: MetadefResourceTypeRow): View {
  return present([
    ['name', t.name],
    ['created_at', glanceTime(t.created_at)],
    ['updated_at', t.updated_at === null ? null : glanceTime(t.updated_at)],
  ]);
}

export function propertyEntryView(p: MetadefPropertyEntry): View {
  return propertyView(p.schema);
}
