import { Command } from '../../kernel';
import { ContainerFormat, DiskFormat, MemberStatus, Visibility } from './properties';

/**
 * POST /v2/images. The API splits the body as Glance's deserializer does: base properties into
 * their fields, `tags` apart, every other key into `properties` (Glance's extra properties).
 * `owner` is resolved before the command (the body, else the token's project).
 */
export type CreateImage = Command<
  'CreateImage',
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
    properties?: Record<string, unknown>;
  }
>;

/** One operation of PATCH /v2/images/{id} (`application/openstack-images-v2.1-json-patch`), path already decoded to its root. */
export type ImagePatchOperation =
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string };

export type UpdateImage = Command<
  'UpdateImage',
  {
    imageId: string;
    operations: ImagePatchOperation[];
    /** Glance `_do_replace`: only an admin may replace `owner`; the API sets this from policy. */
    mayChangeOwner?: boolean;
  }
>;

/**
 * PUT /v2/images/{id}/file begins: queued → saving. `uploader` names the API process that holds
 * the bytes in flight, so an upload cut short by that process's death can be failed visibly.
 */
export type StartImageUpload = Command<'StartImageUpload', { imageId: string; uploader: string }>;

/** The bytes are stored under `blobKey`: saving → active. A redelivery with the same data is a no-op. */
export type ActivateImage = Command<
  'ActivateImage',
  {
    imageId: string;
    size: number;
    /** md5 hex digest (Glance `checksum`, kept for legacy clients). */
    checksum: string;
    osHashAlgo: 'sha512';
    osHashValue: string;
    virtualSize?: number | null;
    blobKey: string;
  }
>;

/**
 * The upload did not complete. Glance v2 returns the image to `queued` so the upload can be
 * retried (`killed: false`); `killed: true` records a store failure that leaves it unusable.
 */
export type FailImageUpload = Command<'FailImageUpload', { imageId: string; reason: string; killed: boolean }>;

export type AddImageTag = Command<'AddImageTag', { imageId: string; tag: string }>;
export type RemoveImageTag = Command<'RemoveImageTag', { imageId: string; tag: string }>;

export type AddImageMember = Command<'AddImageMember', { imageId: string; memberId: string }>;
export type UpdateImageMember = Command<'UpdateImageMember', { imageId: string; memberId: string; status: MemberStatus }>;
export type RemoveImageMember = Command<'RemoveImageMember', { imageId: string; memberId: string }>;

export type DeactivateImage = Command<'DeactivateImage', { imageId: string }>;
export type ReactivateImage = Command<'ReactivateImage', { imageId: string }>;
export type DeleteImage = Command<'DeleteImage', { imageId: string }>;

export type ImageCommand =
  | CreateImage
  | UpdateImage
  | StartImageUpload
  | ActivateImage
  | FailImageUpload
  | AddImageTag
  | RemoveImageTag
  | AddImageMember
  | UpdateImageMember
  | RemoveImageMember
  | DeactivateImage
  | ReactivateImage
  | DeleteImage;
