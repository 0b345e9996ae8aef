import { CreateImage, ImagePatchOperation } from '../../../../domain/image';
import { ACCESS_DENIED, GlanceError, UnsupportedMediaType } from './glance-errors';
import { validateAgainst } from './glance-jsonschema';
import { imageSchema } from './glance-schemas';
import { ImageQuery, SORT_KEYS, SortKey } from './image-reads';

// Request parsing of glance/api/v2/images.py `RequestDeserializer`: what it refuses before the
// domain sees anything, with its messages. Business rules (quotas, states) are the decider's.

const bad = (message: string) => new GlanceError(400, message);
const forbidden = (message: string) => new GlanceError(403, message);

/** `_disallowed_properties`: refused before the schema is even looked at. */
const DISALLOWED = new Set(['direct_url', 'self', 'file', 'schema', 'stores']);
/** `_readonly_properties` of the domain's ImageFactory (create) and of the PATCH deserializer. */
const READ_ONLY = new Set(['created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'stores']);
const RESERVED = new Set(['location', 'deleted', 'deleted_at']);
const RESERVED_NAMESPACES = ['os_glance'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isReserved = (key: string) => RESERVED.has(key) || RESERVED_NAMESPACES.some((ns) => key.startsWith(ns));

/** The image schema Glance validates request bodies against (the one GET /v2/schemas/image serves). */
const IMAGE_SCHEMA = imageSchema();
const validateImage = (body: unknown) => validateAgainst(IMAGE_SCHEMA, body);

/**
 * A create body as JSON: Glance reads any media type as JSON (a text/plain body arrives as a
 * string here), and refuses anything but an object; `[]` is Glance's 500 (a bug), Strata's 400.
 */
function createBodyOf(body: unknown): Record<string, unknown> {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      throw bad('Malformed JSON in request body.');
    }
  }
  if (value === undefined) throw bad('Body expected in request.');
  if (Array.isArray(value)) throw bad(`Provided object does not match schema 'image': [] is not of type 'object'`);
  if (!isObject(value)) throw bad('Unexpected body type. Expected list/dict.');
  return value;
}

/** POST /v2/images: base properties into their fields, `tags` apart, the rest extra properties. */
export function parseCreateBody(body: unknown): Omit<CreateImage['data'], 'imageId'> & { imageId?: string } {
  const image = createBodyOf(body);
  for (const key of Object.keys(image)) if (DISALLOWED.has(key)) throw forbidden(`Attribute '${key}' is read-only.`);
  validateImage(image);
  for (const key of Object.keys(image)) if (key.length > 255) throw bad('Custom property should not be greater than 255 characters.');
  for (const key of Object.keys(image)) if (READ_ONLY.has(key) && key !== 'id') throw forbidden(`Attribute '${key}' is read-only.`);
  // ImageFactory's `_check_reserved`: webob's generic explanation, the attribute in the detail.
  for (const key of Object.keys(image)) if (isReserved(key)) throw new GlanceError(403, ACCESS_DENIED, {}, `Attribute '${key}' is reserved.`);
  const properties: Record<string, unknown> = {};
  const out: Omit<CreateImage['data'], 'imageId'> & { imageId?: string } = {};
  for (const [key, value] of Object.entries(image)) {
    switch (key) {
      case 'id':
        out.imageId = (value as string).toLowerCase();
        break;
      case 'locations':
        throw forbidden("Attribute 'locations' is reserved.");
      case 'name':
        out.name = value as string | null;
        break;
      case 'owner':
        out.owner = value as string | null;
        break;
      case 'visibility':
        out.visibility = value as CreateImage['data']['visibility'];
        break;
      case 'disk_format':
        out.diskFormat = value as CreateImage['data']['diskFormat'];
        break;
      case 'container_format':
        out.containerFormat = value as CreateImage['data']['containerFormat'];
        break;
      case 'min_disk':
        out.minDisk = value as number;
        break;
      case 'min_ram':
        out.minRam = value as number;
        break;
      case 'protected':
        out.protected = value as boolean;
        break;
      case 'os_hidden':
        out.osHidden = value as boolean;
        break;
      case 'tags':
        out.tags = value as string[];
        break;
      default:
        properties[key] = value;
    }
  }
  out.properties = properties;
  return out;
}

/** PUT /v2/images/{id}/tags/{tag}: Glance validates the tag as `{"tags": [tag]}`. */
export function validateTag(tag: string): void {
  validateImage({ tags: [tag] });
}

export const PATCH_CONTENT_TYPES = ['application/openstack-images-v2.0-json-patch', 'application/openstack-images-v2.1-json-patch'];
const OPERATIONS = ['add', 'remove', 'replace'] as const;

/** `_validate_json_pointer` + `_decode_json_pointer`: only `/<root>` paths reach the image. */
function decodePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) throw bad(`Pointer \`${String(pointer)}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw bad(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw bad(`Pointer \`${pointer}\` end with "/".`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) throw bad(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  return pointer
    .replace(/^\/+/, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

/**
 * PATCH /v2/images/{id}: draft 10 (`{"op","path","value"}`, v2.1) or draft 4 (`{"replace": path,
 * "value"}`, v2.0) operations, each a single-level path; 415 with Accept-Patch for any other type.
 */
export function parsePatch(contentType: string | undefined, body: unknown): ImagePatchOperation[] {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const draft = type === PATCH_CONTENT_TYPES[1] ? 10 : type === PATCH_CONTENT_TYPES[0] ? 4 : null;
  if (draft === null) throw new UnsupportedMediaType(contentType?.split(';')[0].trim(), { 'Accept-Patch': PATCH_CONTENT_TYPES.join(', ') });
  if (!Array.isArray(body)) throw bad('Request body must be a JSON array of operation objects.');
  return body.map((raw) => {
    if (!isObject(raw)) throw bad('Operations must be JSON objects.');
    let op: (typeof OPERATIONS)[number];
    let pointer: unknown;
    if (draft === 10) {
      if (raw.op === undefined) throw bad(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPERATIONS.join(', ')}.`);
      if (!OPERATIONS.includes(raw.op as never)) throw bad(`Invalid operation: \`${String(raw.op)}\`. It must be one of the following: ${OPERATIONS.join(', ')}.`);
      op = raw.op as typeof op;
      if (!('path' in raw)) throw bad("Unable to find 'path' in JSON Schema change");
      pointer = raw.path;
    } else {
      const present = OPERATIONS.filter((o) => o in raw);
      if (present.length > 1) throw bad('Operation objects must contain only one member named "add", "remove", or "replace".');
      if (present.length === 0) throw bad('Operation objects must contain exactly one member named "add", "remove", or "replace".');
      op = present[0];
      pointer = raw[op];
    }
    const path = decodePointer(pointer);
    // `_path_depth_limits`: locations take an index (a later increment); everything else one level.
    if (path.length !== 1 || path[0] === '') throw bad(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    const root = path[0];
    // `_validate_change`: read-only, then reserved, then the value against the schema.
    if (READ_ONLY.has(root)) throw forbidden(`Attribute '${root}' is read-only.`);
    if (isReserved(root)) throw forbidden(`Attribute '${root}' is reserved.`);
    if (op !== 'remove' && !('value' in raw)) throw bad(`Operation "${op}" requires a member named "value".`);
    if (root === 'locations') {
      if (op === 'replace' && Array.isArray(raw.value) && raw.value.length === 0) throw new GlanceError(403, ACCESS_DENIED, {}, 'Cannot set locations to empty list.');
      throw forbidden("It's not allowed to update locations if locations are invisible.");
    }
    if (op === 'remove') return { op, path: root };
    validateImage({ [root]: raw.value });
    return { op, path: root, value: raw.value };
  });
}

type Query = Record<string, string | string[] | undefined>;
const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const last = (v: string | string[] | undefined): string | undefined => all(v).at(-1);

const LIST_PARAMS = new Set(['limit', 'marker', 'member_status', 'tag', 'sort', 'sort_key', 'sort_dir', 'visibility', 'os_hidden', 'protected', 'size_min', 'size_max', 'created_at', 'updated_at']);
// Any other column of Glance's images table filters by equality (`_make_conditions_from_filters`).
const EQUAL_FILTERS = ['name', 'status', 'owner', 'disk_format', 'container_format', 'checksum', 'os_hash_value', 'size', 'virtual_size', 'min_ram', 'min_disk'] as const;
const IN_FILTERS = new Set(['id', 'name', 'status', 'disk_format', 'container_format']);
const TIME_OPS: Record<string, ImageQuery['times'][number]['op']> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' };

/** glance/db `_make_conditions_from_filters`: Python's `int()` of the value. */
function integer(value: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw bad('Unable to filter on a range with a non-numeric value.');
  return Number(value);
}

/** GET /v2/images query (RequestDeserializer.index and ImagesController.index). */
export function parseListQuery(query: Query): { q: ImageQuery; limit: number; marker?: string } {
  let limit = 25;
  const rawLimit = last(query.limit);
  if (rawLimit !== undefined) {
    if (!/^-?\d+$/.test(rawLimit.trim())) throw bad('limit param must be an integer');
    limit = Number(rawLimit);
    if (limit < 0) throw bad('limit param must be positive');
  }
  limit = Math.min(limit, 1000);

  const memberStatus = last(query.member_status) ?? 'accepted';
  if (!['pending', 'accepted', 'rejected', 'all'].includes(memberStatus)) throw bad(`Invalid status: ${memberStatus}`);
  const visibility = last(query.visibility);
  if (visibility !== undefined && !['community', 'public', 'private', 'shared', 'all'].includes(visibility)) throw bad(`Invalid visibility value: ${visibility}`);
  if (query['changes-since'] !== undefined) throw bad('The "changes-since" filter is no longer available on v2.');

  const osHidden = (last(query.os_hidden) ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(osHidden)) throw bad(`Invalid value '${osHidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`);
  const protectedFilter = last(query.protected);
  if (protectedFilter !== undefined && !['true', 'false'].includes(protectedFilter)) {
    throw bad(`Invalid value '${protectedFilter}' for 'protected' filter. Valid values are 'true' or 'false'.`);
  }

  const q: ImageQuery = {
    visibility: visibility as ImageQuery['visibility'],
    memberStatus: memberStatus as ImageQuery['memberStatus'],
    equals: {},
    anyOf: {},
    protected: protectedFilter === undefined ? undefined : protectedFilter === 'true',
    osHidden: osHidden === 'true',
    sizeMin: last(query.size_min) === undefined ? undefined : integer(last(query.size_min)!),
    sizeMax: last(query.size_max) === undefined ? undefined : integer(last(query.size_max)!),
    tags: all(query.tag).map((t) => t.trim()),
    properties: {},
    times: [],
    sort: parseSort(query),
  };
  for (const column of ['created_at', 'updated_at'] as const) {
    for (const raw of all(query[column])) {
      const [opName, ...rest] = raw.split(':');
      const op = TIME_OPS[opName];
      const value = rest.join(':');
      if (!op || Number.isNaN(Date.parse(value))) throw bad(`Invalid operator or time in ${column}=${raw}: use gt:, gte:, lt:, lte:, eq: or neq: and an ISO 8601 time.`);
      q.times.push({ column, op, value });
    }
  }
  for (const [key, raw] of Object.entries(query)) {
    if (LIST_PARAMS.has(key) || raw === undefined) continue;
    const value = last(raw)!;
    if (IN_FILTERS.has(key) && value.startsWith('in:')) {
      q.anyOf[key as keyof ImageQuery['anyOf']] = value
        .slice(3)
        .split(',')
        .map((v) => v.trim().replace(/^"(.*)"$/, '$1'));
    } else if ((EQUAL_FILTERS as readonly string[]).includes(key)) {
      q.equals[key as (typeof EQUAL_FILTERS)[number]] = value;
    } else if (key === 'id') {
      q.anyOf.id = [value];
    } else {
      q.properties[key] = value;
    }
  }
  return { q, limit, marker: last(query.marker) };
}

function sortKey(key: string): SortKey {
  if (!SORT_KEYS.includes(key as SortKey)) throw bad(`Invalid sort key: ${key}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  return key as SortKey;
}

function sortDir(dir: string): 'asc' | 'desc' {
  if (dir !== 'asc' && dir !== 'desc') throw bad(`Invalid sort direction: ${dir}`);
  return dir;
}

/** Classic `sort_key`/`sort_dir` (repeatable) or the API-WG `sort=key:dir,...`, never both. */
function parseSort(query: Query): ImageQuery['sort'] {
  if (query.sort !== undefined) {
    if (query.sort_key !== undefined || query.sort_dir !== undefined) throw bad('Old and new sorting syntax cannot be combined');
    return last(query.sort)!
      .trim()
      .split(',')
      .map((part) => {
        const [key, dir] = part.split(':');
        return { key: sortKey(key.trim()), dir: sortDir((dir ?? 'desc').trim()) };
      });
  }
  const keys = all(query.sort_key).map((k) => sortKey(k.trim()));
  const dirs = all(query.sort_dir).map((d) => sortDir(d.trim()));
  if (dirs.length > 1 && dirs.length !== keys.length) throw bad('Number of sort dirs does not match the number of sort keys');
  const effectiveKeys = keys.length > 0 ? keys : (['created_at'] as SortKey[]);
  return effectiveKeys.map((key, i) => ({ key, dir: dirs[i] ?? dirs[0] ?? 'desc' }));
}
