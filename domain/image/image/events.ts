import { DomainEvent } from '../../kernel';
import { ContainerFormat, DiskFormat, MemberStatus, Visibility } from './properties';

/** Glance v2 image statuses (glance/domain `Image.valid_state_targets`) this increment reaches. */
export type ImageStatus = 'queued' | 'saving' | 'active' | 'killed' | 'deactivated' | 'deleted';

/** `created_at`/`updated_at` are the events' `occurredAt`. */
export type ImageCreated = DomainEvent<
  'ImageCreated',
  {
    imageId: string;
    name: string | null;
    owner: string | null;
    status: 'queued';
    visibility: Visibility;
    diskFormat: DiskFormat | null;
    containerFormat: ContainerFormat | null;
    minDisk: number;
    minRam: number;
    protected: boolean;
    osHidden: boolean;
    tags: string[];
    properties: Record<string, string>;
  }
>;

/**
 * Only what changed, with the new values: base fields by name, `properties` the extra properties
 * added or replaced, `removedProperties` those removed; `tags` is the whole list after the change.
 */
export type ImageUpdated = DomainEvent<
  'ImageUpdated',
  {
    imageId: string;
    name?: string | null;
    owner?: string | null;
    visibility?: Visibility;
    diskFormat?: DiskFormat | null;
    containerFormat?: ContainerFormat | null;
    minDisk?: number;
    minRam?: number;
    protected?: boolean;
    osHidden?: boolean;
    tags?: string[];
    properties?: Record<string, string>;
    removedProperties?: string[];
  }
>;

export type ImageUploadStarted = DomainEvent<'ImageUploadStarted', { imageId: string; status: 'saving'; uploader: string }>;

export type ImageActivated = DomainEvent<
  'ImageActivated',
  {
    imageId: string;
    status: 'active';
    size: number;
    checksum: string;
    osHashAlgo: 'sha512';
    osHashValue: string;
    virtualSize: number | null;
    /** Where infra/blob keeps the bytes; never shown to clients (Glance hides locations by default). */
    blobKey: string;
  }
>;

/** `status` is `queued` (the upload may be retried; size cleared as Glance does) or `killed`. */
export type ImageUploadFailed = DomainEvent<'ImageUploadFailed', { imageId: string; status: 'queued' | 'killed'; reason: string }>;

export type ImageTagAdded = DomainEvent<'ImageTagAdded', { imageId: string; tag: string }>;
export type ImageTagRemoved = DomainEvent<'ImageTagRemoved', { imageId: string; tag: string }>;

export type ImageMemberAdded = DomainEvent<'ImageMemberAdded', { imageId: string; memberId: string; status: 'pending' }>;
export type ImageMemberStatusChanged = DomainEvent<'ImageMemberStatusChanged', { imageId: string; memberId: string; status: MemberStatus; previousStatus: MemberStatus }>;
export type ImageMemberRemoved = DomainEvent<'ImageMemberRemoved', { imageId: string; memberId: string }>;

export type ImageDeactivated = DomainEvent<'ImageDeactivated', { imageId: string; status: 'deactivated' }>;
export type ImageReactivated = DomainEvent<'ImageReactivated', { imageId: string; status: 'active' }>;

/** Carries what a projection or a blob reaper needs once the stream refuses every command. */
export type ImageDeleted = DomainEvent<
  'ImageDeleted',
  { imageId: string; status: 'deleted'; previousStatus: Exclude<ImageStatus, 'deleted'>; owner: string | null; name: string | null; blobKey: string | null }
>;

export type ImageEvent =
  | ImageCreated
  | ImageUpdated
  | ImageUploadStarted
  | ImageActivated
  | ImageUploadFailed
  | ImageTagAdded
  | ImageTagRemoved
  | ImageMemberAdded
  | ImageMemberStatusChanged
  | ImageMemberRemoved
  | ImageDeactivated
  | ImageReactivated
  | ImageDeleted;
