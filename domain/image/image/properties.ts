import { Forbidden, InvalidInput, QuotaExceeded } from '../../kernel';

// Glance v2 image schema (glance/api/v2/images.py `get_base_properties`) and defaults of
// glance/common/config.py: disk_formats, container_formats, image_*_quota.
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const VISIBILITIES = ['public', 'private', 'shared', 'community'] as const;
export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;

export type DiskFormat = (typeof DISK_FORMATS)[number];
export type ContainerFormat = (typeof CONTAINER_FORMATS)[number];
export type Visibility = (typeof VISIBILITIES)[number];
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export const NAME_MAX = 255;
export const MAX_TAG_LENGTH = 255;
export const PROPERTY_KEY_MAX = 255;
export const MAX_TAGS = 128;
export const MAX_PROPERTIES = 128;
export const MAX_MEMBERS = 128;

// images.py RequestDeserializer: `_readonly_properties` plus `_disallowed_properties` answer
// "Attribute '%s' is read-only."; `_reserved_properties` and the `os_glance` namespace "... is reserved.".
const READ_ONLY = new Set(['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value', 'stores']);
// `locations` needs the location API (a later increment); `owner` is a base property, never an extra one.
const RESERVED = new Set(['location', 'locations', 'deleted', 'deleted_at', 'owner']);
const RESERVED_NAMESPACE = 'os_glance';

/** Base properties a PATCH may set; every other non-reserved key is an extra property. */
export const WRITABLE_BASE = ['name', 'visibility', 'protected', 'os_hidden', 'min_disk', 'min_ram', 'disk_format', 'container_format', 'owner', 'tags'] as const;
export type WritableBase = (typeof WRITABLE_BASE)[number];

export function isWritableBase(key: string): key is WritableBase {
  return (WRITABLE_BASE as readonly string[]).includes(key);
}

/** Glance answers 403 for a read-only or reserved attribute, at create and in a PATCH. */
export function assertNotReserved(key: string): void {
  if (READ_ONLY.has(key)) throw new Forbidden(`Attribute '${key}' is read-only.`, { property: key });
  if (RESERVED.has(key) || key.startsWith(RESERVED_NAMESPACE)) throw new Forbidden(`Attribute '${key}' is reserved.`, { property: key });
}

/** Extra properties are strings (schema `additionalProperties: {type: string}`), keys at most 255 characters (LP #1737952). */
export function requireExtraProperty(key: string, value: unknown): string {
  assertNotReserved(key);
  if (isWritableBase(key)) throw new InvalidInput(`'${key}' is a base property, not an extra property.`, { property: key });
  if (key.length === 0 || key.length > PROPERTY_KEY_MAX) {
    throw new InvalidInput('Custom property should not be greater than 255 characters.', { property: key });
  }
  if (typeof value !== 'string') throw new InvalidInput(`Invalid value for property '${key}': a string is required.`, { property: key });
  return value;
}

export function requireProperties(properties: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties)) out[key] = requireExtraProperty(key, value);
  return out;
}

export function assertPropertyQuota(count: number): void {
  if (count > MAX_PROPERTIES) {
    throw new QuotaExceeded(`The limit has been exceeded on the number of allowed image properties. Attempted: ${count}, Maximum: ${MAX_PROPERTIES}`, {
      attempted: count,
      maximum: MAX_PROPERTIES,
    });
  }
}

function oneOf<T extends string>(allowed: readonly T[], value: unknown, field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidInput(`Invalid value '${String(value)}' for '${field}': must be one of ${allowed.join(', ')}.`, { field, allowed });
  }
  return value as T;
}

export const requireVisibility = (value: unknown): Visibility => oneOf(VISIBILITIES, value, 'visibility');
export const requireMemberStatus = (value: unknown): MemberStatus => oneOf(MEMBER_STATUSES, value, 'status');
export const requireDiskFormat = (value: unknown): DiskFormat | null => (value === null ? null : oneOf(DISK_FORMATS, value, 'disk_format'));
export const requireContainerFormat = (value: unknown): ContainerFormat | null => (value === null ? null : oneOf(CONTAINER_FORMATS, value, 'container_format'));

export function requireImageName(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > NAME_MAX) {
    throw new InvalidInput(`Invalid value for 'name': a string of at most ${NAME_MAX} characters is required.`, { field: 'name', max: NAME_MAX });
  }
  return value;
}

/** Glance's Image setters for min_disk / min_ram: "Cannot be a negative value". */
export function requireMinimum(value: unknown, field: 'min_disk' | 'min_ram'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidInput(`Invalid value '${String(value)}' for parameter '${field}': Cannot be a negative value`, { field });
  }
  return value;
}

export function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new InvalidInput(`Invalid value '${String(value)}' for '${field}': a boolean is required.`, { field });
  return value;
}

export function requireTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag.length > MAX_TAG_LENGTH) {
    throw new InvalidInput(`Invalid tag: a string of at most ${MAX_TAG_LENGTH} characters is required.`, { field: 'tags', max: MAX_TAG_LENGTH });
  }
  return tag;
}

/** Glance keeps tags as a set: duplicates collapse, order of first appearance is kept. */
export function requireTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw new InvalidInput("Invalid value for 'tags': a list is required.", { field: 'tags' });
  const unique = [...new Set(tags.map(requireTag))];
  assertTagQuota(unique.length);
  return unique;
}

export function assertTagQuota(count: number): void {
  if (count > MAX_TAGS) {
    throw new QuotaExceeded(`The limit has been exceeded on the number of allowed image tags. Attempted: ${count}, Maximum: ${MAX_TAGS}`, {
      attempted: count,
      maximum: MAX_TAGS,
    });
  }
}
