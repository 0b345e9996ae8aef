import { ImageEvent, ImageStatus, MemberStatus } from '../../domain/image';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, changedColumns, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from '../kernel/rows';

export const IMAGES_TABLE = 'image_images';

/** One membership of a shared image; its times are the events' `occurredAt`. */
export interface ImageMemberEntry {
  status: MemberStatus;
  created_at: string;
  updated_at: string;
}

/**
 * An image as Glance's `images` table holds it; deleted images leave the read model (Glance's API
 * never shows them; auditors read them from the log). Members live in the row: the image's
 * delete removes them with it, and "shared with me" is one jsonb lookup.
 */
export type ImageRow = Tracked & {
  id: string;
  name: string | null;
  owner: string | null;
  status: Exclude<ImageStatus, 'deleted'>;
  visibility: string;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  min_disk: number;
  min_ram: number;
  protected: boolean;
  os_hidden: boolean;
  /** In the order they were added (Glance keeps a set; the CLI shows them sorted). */
  tags: string[];
  /** Glance's extra properties, all strings. */
  properties: Record<string, string>;
  members: Record<string, ImageMemberEntry>;
  /** Where infra/blob keeps the bytes; the API never shows it. */
  blob_key: string | null;
  /** The API process an upload in `saving` runs in, so a dead one's uploads can be failed. */
  uploader: string | null;
};

export const IMAGE_EVENT_TYPES: ImageEvent['type'][] = [
  'ImageCreated',
  'ImageUpdated',
  'ImageUploadStarted',
  'ImageActivated',
  'ImageUploadFailed',
  'ImageTagAdded',
  'ImageTagRemoved',
  'ImageMemberAdded',
  'ImageMemberStatusChanged',
  'ImageMemberRemoved',
  'ImageDeactivated',
  'ImageReactivated',
  'ImageDeleted',
];

const NO_DATA = { size: null, virtual_size: null, checksum: null, os_hash_algo: null, os_hash_value: null, blob_key: null } as const;

/** Glance's images and image_members (GET /v2/images, /v2/images/{id}, /v2/images/{id}/members). */
export const imageImagesProjection: Projection = {
  name: 'image_images',
  version: 1,
  eventTypes: IMAGE_EVENT_TYPES,
  tables: [
    table<ImageRow>({
      name: IMAGES_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        name: { type: 'text', nullable: true },
        owner: { type: 'text', nullable: true },
        status: { type: 'text' },
        visibility: { type: 'text' },
        disk_format: { type: 'text', nullable: true },
        container_format: { type: 'text', nullable: true },
        size: { type: 'bigint', nullable: true },
        virtual_size: { type: 'bigint', nullable: true },
        checksum: { type: 'text', nullable: true },
        os_hash_algo: { type: 'text', nullable: true },
        os_hash_value: { type: 'text', nullable: true },
        min_disk: { type: 'integer' },
        min_ram: { type: 'integer' },
        protected: { type: 'boolean' },
        os_hidden: { type: 'boolean' },
        tags: { type: 'jsonb' },
        properties: { type: 'jsonb' },
        members: { type: 'jsonb' },
        blob_key: { type: 'text', nullable: true },
        uploader: { type: 'text', nullable: true },
        ...TRACKED_COLUMNS,
      },
      // GET /v2/images filters by owner and visibility for every non-admin list; the blob key finds the other users of shared bytes.
      indexes: [['owner'], ['visibility'], ['created_at'], ['blob_key'], ['status']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: IMAGES_TABLE, key: (event.data as { imageId: string }).imageId }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as ImageEvent;
    const row = getRow<ImageRow>(rows, IMAGES_TABLE, e.data.imageId);
    if (e.type === 'ImageCreated') {
      if (alreadyApplied(row, event)) return;
      const d = e.data;
      rows.put(IMAGES_TABLE, {
        id: d.imageId,
        name: d.name,
        owner: d.owner,
        status: d.status,
        visibility: d.visibility,
        disk_format: d.diskFormat,
        container_format: d.containerFormat,
        ...NO_DATA,
        min_disk: d.minDisk,
        min_ram: d.minRam,
        protected: d.protected,
        os_hidden: d.osHidden,
        tags: d.tags,
        properties: d.properties,
        members: {},
        uploader: null,
        ...created(event),
      } satisfies ImageRow);
      return;
    }
    if (!row || alreadyApplied(row, event)) return;
    if (e.type === 'ImageDeleted') {
      rows.delete(IMAGES_TABLE, e.data.imageId);
      return;
    }
    rows.put(IMAGES_TABLE, { ...row, ...imageChanges(e, row, event.metadata.occurredAt), ...touched(event) });
  },
};

type ImageChange = Exclude<ImageEvent, { type: 'ImageCreated' | 'ImageDeleted' }>;

function imageChanges(e: ImageChange, row: ImageRow, at: string): Partial<ImageRow> {
  switch (e.type) {
    case 'ImageUpdated': {
      const properties = { ...row.properties, ...e.data.properties };
      for (const key of e.data.removedProperties ?? []) delete properties[key];
      const changes = changedColumns(e.data, {
        name: 'name',
        owner: 'owner',
        visibility: 'visibility',
        diskFormat: 'disk_format',
        containerFormat: 'container_format',
        minDisk: 'min_disk',
        minRam: 'min_ram',
        protected: 'protected',
        osHidden: 'os_hidden',
        tags: 'tags',
      });
      return { ...changes, properties };
    }
    case 'ImageUploadStarted':
      return { status: e.data.status, uploader: e.data.uploader };
    case 'ImageDeactivated':
    case 'ImageReactivated':
      return { status: e.data.status };
    case 'ImageActivated': {
      const d = e.data;
      return { status: d.status, size: d.size, virtual_size: d.virtualSize, checksum: d.checksum, os_hash_algo: d.osHashAlgo, os_hash_value: d.osHashValue, blob_key: d.blobKey, uploader: null };
    }
    case 'ImageUploadFailed':
      return { status: e.data.status, ...NO_DATA, uploader: null };
    case 'ImageTagAdded':
      return { tags: row.tags.includes(e.data.tag) ? row.tags : [...row.tags, e.data.tag] };
    case 'ImageTagRemoved':
      return { tags: row.tags.filter((t) => t !== e.data.tag) };
    case 'ImageMemberAdded':
      return { members: { ...row.members, [e.data.memberId]: { status: e.data.status, created_at: at, updated_at: at } } };
    case 'ImageMemberStatusChanged': {
      const before = row.members[e.data.memberId];
      if (!before) return {};
      return { members: { ...row.members, [e.data.memberId]: { ...before, status: e.data.status, updated_at: at } } };
    }
    case 'ImageMemberRemoved': {
      const { [e.data.memberId]: _removed, ...members } = row.members;
      return { members };
    }
    default: {
      const unhandled: never = e;
      return unhandled;
    }
  }
}
