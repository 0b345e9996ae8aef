import type { ImageMemberEntry, ImageRow } from '../../../../projections/image';

/** Glance prints times to the second, UTC, with a `Z` (glance/common/timeutils.py `isotime`). */
export function glanceTime(value: string | Date): string {
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const numberOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * An image as GET /v2/images/{id} shows it: extra properties flat beside the base ones (they can
 * never collide: the decider refuses base and reserved names as extra properties), no locations
 * (Glance's `show_multiple_locations` and `show_image_direct_url` default to off).
 */
export function imageView(row: ImageRow): Record<string, unknown> {
  return {
    ...row.properties,
    name: row.name,
    disk_format: row.disk_format,
    container_format: row.container_format,
    visibility: row.visibility,
    size: numberOrNull(row.size),
    virtual_size: numberOrNull(row.virtual_size),
    status: row.status,
    checksum: row.checksum,
    protected: row.protected,
    min_ram: row.min_ram,
    min_disk: row.min_disk,
    owner: row.owner,
    os_hidden: row.os_hidden,
    os_hash_algo: row.os_hash_algo,
    os_hash_value: row.os_hash_value,
    id: row.id,
    created_at: glanceTime(row.created_at),
    updated_at: glanceTime(row.updated_at),
    tags: row.tags,
    self: `/v2/images/${row.id}`,
    file: `/v2/images/${row.id}/file`,
    schema: '/v2/schemas/image',
  };
}

export function memberView(imageId: string, memberId: string, entry: ImageMemberEntry) {
  return {
    member_id: memberId,
    image_id: imageId,
    status: entry.status,
    created_at: glanceTime(entry.created_at),
    updated_at: glanceTime(entry.updated_at),
    schema: '/v2/schemas/member',
  };
}
