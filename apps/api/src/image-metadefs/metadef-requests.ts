import { CreateMetadefNamespace, MetadefObject, MetadefProperty, MetadefPropertySchema, MetadefResourceTypeAssociation, MetadefVisibility } from '../../../../domain/image';
import { GlanceError } from '../image/glance-errors';
import { JsonSchema, validateAgainst } from '../image/glance-jsonschema';
import { repr } from '../image/python-text';
import { namespaceSchema, objectSchema, propertySchema, resourceTypeAssociationSchema, tagListSchema, tagSchema } from './metadef-schemas';

// Request parsing of glance/api/v2/metadef_*.py `RequestDeserializer`: body present, read-only
// attributes (403), the JSON schema (400), then WSME's `json.fromjson` into Glance's models, whose
// conversions (a `default` becomes text, a `minimum` an int) are what Glance stores.

const bad = (message: string) => new GlanceError(400, message);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Namespaces and objects refuse these four; properties, tags and associations only the times. */
const NAMESPACE_READ_ONLY = ['self', 'schema', 'created_at', 'updated_at'];
const TIMES_READ_ONLY = ['created_at', 'updated_at'];

function requestBody(body: unknown, readOnly: string[], schema: JsonSchema): Json {
  if (body === undefined) throw bad('Body expected in request.');
  if (isObject(body)) for (const key of readOnly) if (key in body) throw new GlanceError(403, `Attribute '${key}' is read-only.`);
  validateAgainst(schema, body);
  // Glance's schemas have no root `type`: a JSON list passes them and WSME then fails (a 500 there).
  if (!isObject(body)) throw bad(`Provided object does not match schema '${String(schema.name)}': ${repr(body)} is not of type 'object'`);
  return body;
}

/** WSME's `wsattr` conversion failed: Glance answers those with a 500; a 400 says what is wrong. */
const invalidAttribute = (attribute: string, value: unknown, why: string) => bad(`Invalid input for field/attribute ${attribute}. Value: ${repr(value)}. ${why}`);

/** Python `str()` of a JSON scalar, as WSME's `bytes` type stores a property's `default`. */
function pythonStr(value: unknown): string {
  if (typeof value === 'string') return value;
  return repr(value);
}

function textList(value: unknown, attribute: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalidAttribute(attribute, value, 'A list of strings is required.');
  return value as string[];
}

/** glance/api/v2/model/metadef_property_type.py `PropertyType`: the attributes it knows, in its order. */
const PROPERTY_ATTRIBUTES = ['name', 'type', 'title', 'description', 'operators', 'default', 'readonly', 'minimum', 'maximum', 'enum', 'pattern', 'minLength', 'maxLength', 'confidential', 'items', 'uniqueItems', 'minItems', 'maxItems', 'additionalItems'] as const;

/** `json.fromjson(PropertyType, value)` then `json.tojson`: the JSON Glance keeps for a property. */
export function propertyDefinition(value: Json): MetadefPropertySchema {
  const out: MetadefPropertySchema = {};
  for (const key of Object.keys(value)) {
    if (!(PROPERTY_ATTRIBUTES as readonly string[]).includes(key)) throw invalidAttribute(key, value[key], 'Unknown attribute for a property definition.');
  }
  for (const key of PROPERTY_ATTRIBUTES) {
    if (!(key in value)) continue;
    const v = value[key];
    switch (key) {
      case 'default':
        // WSME's `bytes`: text as given, numbers and booleans as Python prints them, anything else lost.
        out.default = v === null || typeof v === 'object' ? null : pythonStr(v);
        break;
      case 'minimum':
      case 'maximum':
        out[key] = typeof v === 'number' ? Math.trunc(v) : v;
        break;
      case 'enum':
        out.enum = textList(v, 'enum');
        break;
      case 'items': {
        const items = v as Json;
        if (typeof items.type !== 'string') throw invalidAttribute('items', v, "Mandatory field missing: 'type'.");
        out.items = { type: items.type, ...('enum' in items ? { enum: textList(items.enum, 'items.enum') } : {}) };
        break;
      }
      default:
        out[key] = v;
    }
  }
  return out;
}

function propertyMap(value: unknown): MetadefProperty[] {
  if (!isObject(value)) return [];
  return Object.entries(value).map(([name, definition]) => ({ name, schema: propertyDefinition(definition as Json) }));
}

const optionalText = (v: unknown) => (typeof v === 'string' ? v : null);

function objectFrom(body: Json): MetadefObject {
  return {
    name: body.name as string,
    description: optionalText(body.description),
    required: Array.isArray(body.required) ? (body.required as string[]) : null,
    properties: 'properties' in body && body.properties !== null ? propertyMap(body.properties) : null,
  };
}

function associationFrom(body: Json): MetadefResourceTypeAssociation {
  if (typeof body.name !== 'string') throw invalidAttribute('name', body.name, "Mandatory field missing: 'name'.");
  return { name: body.name, prefix: optionalText(body.prefix), propertiesTarget: optionalText(body.properties_target) };
}

export type NamespaceBody = Omit<CreateMetadefNamespace['data'], 'renamedFrom'>;

/** POST /v2/metadefs/namespaces and PUT /v2/metadefs/namespaces/{namespace}. */
export function parseNamespaceBody(body: unknown): NamespaceBody {
  const b = requestBody(body, NAMESPACE_READ_ONLY, namespaceSchema());
  const list = (key: string) => (Array.isArray(b[key]) ? (b[key] as Json[]) : []);
  for (const o of list('objects')) if (typeof o.name !== 'string') throw invalidAttribute('name', o.name, "Mandatory field missing: 'name'.");
  for (const t of list('tags')) if (typeof t.name !== 'string') throw invalidAttribute('name', t.name, "Mandatory field missing: 'name'.");
  return {
    namespace: b.namespace as string,
    displayName: optionalText(b.display_name),
    description: optionalText(b.description),
    ...(typeof b.visibility === 'string' ? { visibility: b.visibility as MetadefVisibility } : {}),
    ...(typeof b.protected === 'boolean' ? { protected: b.protected } : {}),
    ...(typeof b.owner === 'string' ? { owner: b.owner } : {}),
    properties: propertyMap(b.properties),
    objects: list('objects').map(objectFrom),
    tags: list('tags').map((t) => t.name as string),
    resourceTypeAssociations: list('resource_type_associations').map(associationFrom),
  };
}

/** POST .../properties and PUT .../properties/{name}: a property names itself. */
export function parsePropertyBody(body: unknown): MetadefProperty {
  const b = requestBody(body, TIMES_READ_ONLY, propertySchema());
  return { name: b.name as string, schema: propertyDefinition(b) };
}

/** POST .../objects validates each property on its own too (as schema 'property'); PUT does not. */
export function parseObjectBody(body: unknown, create: boolean): MetadefObject {
  const b = requestBody(body, NAMESPACE_READ_ONLY, objectSchema());
  if (create && isObject(b.properties)) for (const definition of Object.values(b.properties)) validateAgainst(propertySchema(false), definition);
  return objectFrom(b);
}

/** POST .../tags: `{"tags": [{"name": ...}]}`. */
export function parseTagsBody(body: unknown): string[] {
  const b = requestBody(body, TIMES_READ_ONLY, tagListSchema());
  return Array.isArray(b.tags) ? (b.tags as Json[]).map((t) => t.name as string) : [];
}

/** PUT .../tags/{name}: `{"name": ...}`. */
export function parseTagBody(body: unknown): string {
  return requestBody(body, TIMES_READ_ONLY, tagSchema()).name as string;
}

/** POST .../tags/{name} has no body: the name in the path is validated as a tag. */
export function validateTagName(name: string): void {
  validateAgainst(tagSchema(), { name });
}

export function parseAssociationBody(body: unknown): MetadefResourceTypeAssociation {
  return associationFrom(requestBody(body, TIMES_READ_ONLY, resourceTypeAssociationSchema()));
}

type Query = Record<string, string | string[] | undefined>;
const last = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.at(-1) : v);

export const NAMESPACE_SORT_KEYS = ['created_at', 'updated_at', 'namespace', 'display_name', 'description', 'visibility', 'protected', 'owner', 'id'] as const;
export type NamespaceSortKey = (typeof NAMESPACE_SORT_KEYS)[number];

export interface NamespaceListQuery {
  limit: number;
  marker?: string;
  sortKey: NamespaceSortKey;
  sortDir: 'asc' | 'desc';
  visibility?: MetadefVisibility;
  resourceTypes?: string[];
}

/** glance.common.config `limit_param_default` and `api_limit_max`. */
const LIMIT_DEFAULT = 25;
const LIMIT_MAX = 1000;

function parseLimit(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  // Glance: `int(limit)` unguarded (a 500 for "x"); then "must be positive" below zero.
  if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw bad('limit param must be an integer');
  const limit = Math.min(LIMIT_MAX, Number(raw));
  if (limit < 0) throw bad('limit param must be positive');
  return limit;
}

function parseSortDir(raw: string | undefined): 'asc' | 'desc' {
  const dir = raw ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw bad(`Invalid sort direction: ${dir}`);
  return dir;
}

/** GET /v2/metadefs/namespaces (metadef_namespaces.py `RequestDeserializer.index`). */
export function parseNamespaceListQuery(query: Query): NamespaceListQuery {
  const sortDir = parseSortDir(last(query.sort_dir));
  const sortKey = last(query.sort_key) ?? 'created_at';
  // Glance passes an unknown sort key to the database and answers 500.
  if (!(NAMESPACE_SORT_KEYS as readonly string[]).includes(sortKey)) throw bad(`Invalid sort key: ${sortKey}. It must be one of the following: ${NAMESPACE_SORT_KEYS.join(', ')}.`);
  const visibility = last(query.visibility);
  if (visibility && visibility !== 'public' && visibility !== 'private') throw bad(`Invalid visibility value: ${visibility}`);
  const resourceTypes = last(query.resource_types);
  return {
    limit: parseLimit(last(query.limit), LIMIT_DEFAULT),
    marker: last(query.marker),
    sortKey: sortKey as NamespaceSortKey,
    sortDir,
    ...(visibility ? { visibility: visibility as MetadefVisibility } : {}),
    ...(resourceTypes !== undefined ? { resourceTypes: resourceTypes.split(',') } : {}),
  };
}

export interface TagListQuery {
  limit?: number;
  marker?: string;
  sortDir: 'asc' | 'desc';
}

/** GET .../tags (metadef_tags.py `RequestDeserializer.index`): a limit of 0 or none lists all. */
export function parseTagListQuery(query: Query): TagListQuery {
  const visibility = last(query.visibility);
  if (visibility && !['public', 'private', 'shared'].includes(visibility)) throw bad(`Invalid visibility value: ${visibility}`);
  const sortDir = parseSortDir(last(query.sort_dir));
  const rawLimit = last(query.limit);
  const limit = rawLimit ? parseLimit(rawLimit, 0) : 0;
  return { sortDir, ...(limit > 0 ? { limit } : {}), ...(last(query.marker) ? { marker: last(query.marker) } : {}) };
}
