import { assertNever, Conflict, Forbidden, InvalidInput, NotFound, QuotaExceeded } from '../../kernel';
import {
  ActivateImage,
  AddImageMember,
  AddImageTag,
  CreateImage,
  DeactivateImage,
  DeleteImage,
  FailImageUpload,
  ImageCommand,
  ImagePatchOperation,
  ReactivateImage,
  RemoveImageMember,
  RemoveImageTag,
  StartImageUpload,
  UpdateImage,
  UpdateImageMember,
} from './commands';
import { ImageEvent, ImageStatus, ImageUpdated } from './events';
import {
  assertNotReserved,
  assertPropertyQuota,
  assertTagQuota,
  isWritableBase,
  MAX_MEMBERS,
  requireBoolean,
  requireContainerFormat,
  requireDiskFormat,
  requireExtraProperty,
  requireImageName,
  requireMemberStatus,
  requireMinimum,
  requireProperties,
  requireTag,
  requireTags,
  requireVisibility,
  WritableBase,
} from './properties';
import { Image, ImageData, ImageState, LiveImageStatus } from './state';

interface LiveImage {
  status: LiveImageStatus;
  image: Image;
}

/** A deleted image is gone for every command (glance db `image_get`: "No image found with ID %s"). */
function liveImage(state: ImageState, imageId: string): LiveImage {
  if (state.status === 'absent' || state.status === 'deleted') throw new NotFound(`No image found with ID ${imageId}`, { imageId });
  return { status: state.status, image: state.image };
}

// glance/common/exception.py `InvalidImageStatusTransition`; the upload API answers it with 409.
function transitionRefused(imageId: string, from: ImageStatus, to: ImageStatus): Conflict {
  return new Conflict(`Image status transition from ${from} to ${to} is not allowed`, { imageId, from, to });
}

export function createImage(command: CreateImage, state: ImageState): ImageEvent[] {
  const d = command.data;
  // Glance keeps deleted rows, so an id is never reused (409 "Image with identifier ... already exists!").
  if (state.status !== 'absent') throw new Conflict(`Image with identifier ${d.imageId} already exists!`, { imageId: d.imageId });
  if (typeof d.imageId !== 'string' || d.imageId.length === 0) throw new InvalidInput("Invalid value for 'id': a value is required.", { field: 'id' });
  const properties = requireProperties(d.properties ?? {});
  assertPropertyQuota(Object.keys(properties).length);
  return [
    {
      type: 'ImageCreated',
      data: {
        imageId: d.imageId,
        name: requireImageName(d.name ?? null),
        owner: d.owner ?? null,
        status: 'queued',
        visibility: requireVisibility(d.visibility ?? 'shared'),
        diskFormat: requireDiskFormat(d.diskFormat ?? null),
        containerFormat: requireContainerFormat(d.containerFormat ?? null),
        minDisk: requireMinimum(d.minDisk ?? 0, 'min_disk'),
        minRam: requireMinimum(d.minRam ?? 0, 'min_ram'),
        protected: requireBoolean(d.protected ?? false, 'protected'),
        osHidden: requireBoolean(d.osHidden ?? false, 'os_hidden'),
        tags: requireTags(d.tags ?? []),
        properties,
      },
    },
  ];
}

type BaseFields = Pick<Image, 'name' | 'owner' | 'visibility' | 'diskFormat' | 'containerFormat' | 'minDisk' | 'minRam' | 'protected' | 'osHidden' | 'tags'>;

const BASE_FIELD: Record<WritableBase, keyof BaseFields> = {
  name: 'name',
  owner: 'owner',
  visibility: 'visibility',
  disk_format: 'diskFormat',
  container_format: 'containerFormat',
  min_disk: 'minDisk',
  min_ram: 'minRam',
  protected: 'protected',
  os_hidden: 'osHidden',
  tags: 'tags',
};

function setBase(draft: BaseFields, key: WritableBase, value: unknown, current: LiveImage, mayChangeOwner: boolean): void {
  switch (key) {
    case 'name':
      draft.name = requireImageName(value);
      return;
    case 'owner':
      if (!mayChangeOwner) throw new Forbidden("Owner can't be updated by non admin.", { property: key });
      if (value !== null && typeof value !== 'string') throw new InvalidInput("Invalid value for 'owner': a string or null is required.", { field: key });
      draft.owner = value;
      return;
    case 'visibility':
      draft.visibility = requireVisibility(value);
      return;
    case 'disk_format':
    case 'container_format':
      // glance/domain Image setters: the formats are fixed once data may exist, even to the same value.
      if (current.status !== 'queued') throw new Forbidden(`Attribute ${key} can be only replaced for a queued image.`, { property: key, status: current.status });
      if (key === 'disk_format') draft.diskFormat = requireDiskFormat(value);
      else draft.containerFormat = requireContainerFormat(value);
      return;
    case 'min_disk':
    case 'min_ram':
      draft[BASE_FIELD[key] as 'minDisk' | 'minRam'] = requireMinimum(value, key);
      return;
    case 'protected':
    case 'os_hidden':
      draft[BASE_FIELD[key] as 'protected' | 'osHidden'] = requireBoolean(value, key);
      return;
    case 'tags':
      draft.tags = requireTags(value);
      return;
    default:
      assertNever(key);
  }
}

/** Glance `images.py` `_do_replace` / `_do_add` / `_do_remove`, applied in order to a draft. */
function applyOperation(draft: BaseFields, properties: Record<string, string>, op: ImagePatchOperation, current: LiveImage, mayChangeOwner: boolean): void {
  const key = op.path;
  if (key !== 'owner') assertNotReserved(key);
  if (op.op === 'remove') {
    if (isWritableBase(key)) throw new Forbidden(`Property ${key} may not be removed.`, { property: key });
    if (!(key in properties)) throw new Conflict(`Property ${key} does not exist.`, { property: key });
    delete properties[key];
    return;
  }
  if (isWritableBase(key)) return setBase(draft, key, op.value, current, mayChangeOwner);
  // v2.1 patch: `add` of an existing property replaces it; `replace` needs it to exist.
  if (op.op === 'replace' && !(key in properties)) throw new Conflict(`Property ${key} does not exist.`, { property: key });
  properties[key] = requireExtraProperty(key, op.value);
}

const sameTags = (a: string[], b: string[]) => a.length === b.length && a.every((t) => b.includes(t));

export function updateImage(command: UpdateImage, state: ImageState): ImageEvent[] {
  const d = command.data;
  const current = liveImage(state, d.imageId);
  const image = current.image;
  const draft: BaseFields = { ...image, tags: [...image.tags] };
  const properties = { ...image.properties };
  for (const op of d.operations) applyOperation(draft, properties, op, current, d.mayChangeOwner ?? false);
  assertPropertyQuota(Object.keys(properties).length);

  const changes: Partial<BaseFields> = {};
  for (const field of Object.values(BASE_FIELD)) {
    const changed = field === 'tags' ? !sameTags(draft.tags, image.tags) : draft[field] !== image[field];
    if (changed) Object.assign(changes, { [field]: draft[field] });
  }
  const setProperties = Object.fromEntries(Object.entries(properties).filter(([k, v]) => image.properties[k] !== v));
  const removedProperties = Object.keys(image.properties).filter((k) => !(k in properties));
  const data: ImageUpdated['data'] = {
    imageId: d.imageId,
    ...changes,
    ...(Object.keys(setProperties).length > 0 ? { properties: setProperties } : {}),
    ...(removedProperties.length > 0 ? { removedProperties } : {}),
  };
  return Object.keys(data).length === 1 ? [] : [{ type: 'ImageUpdated', data }];
}

export function startImageUpload(command: StartImageUpload, state: ImageState): ImageEvent[] {
  const { status, image } = liveImage(state, command.data.imageId);
  if (status !== 'queued') throw transitionRefused(image.imageId, status, 'saving');
  // glance/domain `Image.status` setter: ValueError, which the upload API answers with 400.
  const missing = [image.diskFormat === null ? 'disk_format' : null, image.containerFormat === null ? 'container_format' : null].filter((k) => k !== null);
  if (missing.length > 0) {
    throw new InvalidInput(`Propert${missing.length === 1 ? 'y' : 'ies'} ${missing.join(', ')} must be set prior to saving data.`, { imageId: image.imageId, missing });
  }
  return [{ type: 'ImageUploadStarted', data: { imageId: image.imageId, status: 'saving', uploader: command.data.uploader } }];
}

const MD5_HEX = /^[0-9a-f]{32}$/;
const SHA512_HEX = /^[0-9a-f]{128}$/;

function requireImageData(d: ActivateImage['data']): ImageData {
  const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!count(d.size)) throw new InvalidInput("Invalid value for 'size': a non-negative integer is required.", { field: 'size' });
  if (d.virtualSize != null && !count(d.virtualSize)) throw new InvalidInput("Invalid value for 'virtual_size': a non-negative integer is required.", { field: 'virtual_size' });
  if (!MD5_HEX.test(d.checksum)) throw new InvalidInput("Invalid value for 'checksum': an md5 hex digest is required.", { field: 'checksum' });
  if (d.osHashAlgo !== 'sha512') throw new InvalidInput(`Unsupported os_hash_algo '${String(d.osHashAlgo)}'.`, { field: 'os_hash_algo' });
  if (!SHA512_HEX.test(d.osHashValue)) throw new InvalidInput("Invalid value for 'os_hash_value': a sha512 hex digest is required.", { field: 'os_hash_value' });
  if (typeof d.blobKey !== 'string' || d.blobKey.length === 0) throw new InvalidInput("Invalid value for 'blobKey': a value is required.", { field: 'blobKey' });
  return { size: d.size, checksum: d.checksum, osHashAlgo: d.osHashAlgo, osHashValue: d.osHashValue, virtualSize: d.virtualSize ?? null, blobKey: d.blobKey };
}

const sameData = (a: ImageData, b: ImageData) => (Object.keys(a) as (keyof ImageData)[]).every((k) => a[k] === b[k]);

export function activateImage(command: ActivateImage, state: ImageState): ImageEvent[] {
  const { status, image } = liveImage(state, command.data.imageId);
  const data = requireImageData(command.data);
  // A redelivered work report: the same bytes are already recorded.
  if ((status === 'active' || status === 'deactivated') && image.data !== null && sameData(image.data, data)) return [];
  if (status !== 'saving') throw transitionRefused(image.imageId, status, 'active');
  return [{ type: 'ImageActivated', data: { imageId: image.imageId, status: 'active', ...data } }];
}

export function failImageUpload(command: FailImageUpload, state: ImageState): ImageEvent[] {
  const { status, image } = liveImage(state, command.data.imageId);
  const target = command.data.killed ? 'killed' : 'queued';
  if (status === target) return [];
  if (status !== 'saving') throw transitionRefused(image.imageId, status, target);
  return [{ type: 'ImageUploadFailed', data: { imageId: image.imageId, status: target, reason: command.data.reason } }];
}

export function addImageTag(command: AddImageTag, state: ImageState): ImageEvent[] {
  const { image } = liveImage(state, command.data.imageId);
  const tag = requireTag(command.data.tag);
  // PUT /v2/images/{id}/tags/{tag} answers 204 for a tag already there: tags are a set.
  if (image.tags.includes(tag)) return [];
  assertTagQuota(image.tags.length + 1);
  return [{ type: 'ImageTagAdded', data: { imageId: image.imageId, tag } }];
}

export function removeImageTag(command: RemoveImageTag, state: ImageState): ImageEvent[] {
  const { image } = liveImage(state, command.data.imageId);
  // glance/api/v2/image_tags.py `delete`: a tag not on the image is a 404.
  if (!image.tags.includes(command.data.tag)) throw new NotFound(`Tag ${command.data.tag} not found on image ${image.imageId}.`, { imageId: image.imageId, tag: command.data.tag });
  return [{ type: 'ImageTagRemoved', data: { imageId: image.imageId, tag: command.data.tag } }];
}

// glance/api/v2/image_members.py `_check_visibility_and_ownership`, for create, update and delete.
function sharedImage(state: ImageState, imageId: string): Image {
  const { image } = liveImage(state, imageId);
  if (image.visibility !== 'shared') throw new Forbidden('Only shared images have members.', { imageId, visibility: image.visibility });
  return image;
}

function memberNotFound(image: Image, memberId: string): NotFound {
  return new NotFound(`${memberId} not found in the member list of the image ${image.imageId}.`, { imageId: image.imageId, memberId });
}

export function addImageMember(command: AddImageMember, state: ImageState): ImageEvent[] {
  const image = sharedImage(state, command.data.imageId);
  const memberId = command.data.memberId;
  if (typeof memberId !== 'string' || memberId.length === 0) throw new InvalidInput("Invalid value for 'member': a project id is required.", { field: 'member' });
  if (memberId in image.members) throw new Conflict(`Member ${memberId} is duplicated for image ${image.imageId}`, { imageId: image.imageId, memberId });
  const attempted = Object.keys(image.members).length + 1;
  if (attempted > MAX_MEMBERS) {
    throw new QuotaExceeded(`The limit has been exceeded on the number of allowed image members for this image. Attempted: ${attempted}, Maximum: ${MAX_MEMBERS}`, {
      attempted,
      maximum: MAX_MEMBERS,
    });
  }
  return [{ type: 'ImageMemberAdded', data: { imageId: image.imageId, memberId, status: 'pending' } }];
}

export function updateImageMember(command: UpdateImageMember, state: ImageState): ImageEvent[] {
  const image = sharedImage(state, command.data.imageId);
  const { memberId } = command.data;
  const status = requireMemberStatus(command.data.status);
  const previousStatus = image.members[memberId];
  if (previousStatus === undefined) throw memberNotFound(image, memberId);
  if (previousStatus === status) return [];
  return [{ type: 'ImageMemberStatusChanged', data: { imageId: image.imageId, memberId, status, previousStatus } }];
}

export function removeImageMember(command: RemoveImageMember, state: ImageState): ImageEvent[] {
  const image = sharedImage(state, command.data.imageId);
  if (!(command.data.memberId in image.members)) throw memberNotFound(image, command.data.memberId);
  return [{ type: 'ImageMemberRemoved', data: { imageId: image.imageId, memberId: command.data.memberId } }];
}

// glance/domain `Image.deactivate` / `reactivate`: repeating is a no-op, other statuses a 403.
export function deactivateImage(command: DeactivateImage, state: ImageState): ImageEvent[] {
  const { status, image } = liveImage(state, command.data.imageId);
  if (status === 'deactivated') return [];
  if (status !== 'active') throw new Forbidden(`Not allowed to deactivate image in status '${status}'`, { imageId: image.imageId, status });
  return [{ type: 'ImageDeactivated', data: { imageId: image.imageId, status: 'deactivated' } }];
}

export function reactivateImage(command: ReactivateImage, state: ImageState): ImageEvent[] {
  const { status, image } = liveImage(state, command.data.imageId);
  if (status === 'active') return [];
  if (status !== 'deactivated') throw new Forbidden(`Not allowed to reactivate image in status '${status}'`, { imageId: image.imageId, status });
  return [{ type: 'ImageReactivated', data: { imageId: image.imageId, status: 'active' } }];
}

export function deleteImage(command: DeleteImage, state: ImageState): ImageEvent[] {
  const { status, image } = liveImage(state, command.data.imageId);
  if (image.protected) throw new Forbidden(`Image ${image.imageId} is protected and cannot be deleted.`, { imageId: image.imageId });
  return [
    {
      type: 'ImageDeleted',
      data: { imageId: image.imageId, status: 'deleted', previousStatus: status, owner: image.owner, name: image.name, blobKey: image.data?.blobKey ?? null },
    },
  ];
}

export function decideImage(command: ImageCommand, state: ImageState): ImageEvent[] {
  switch (command.type) {
    case 'CreateImage':
      return createImage(command, state);
    case 'UpdateImage':
      return updateImage(command, state);
    case 'StartImageUpload':
      return startImageUpload(command, state);
    case 'ActivateImage':
      return activateImage(command, state);
    case 'FailImageUpload':
      return failImageUpload(command, state);
    case 'AddImageTag':
      return addImageTag(command, state);
    case 'RemoveImageTag':
      return removeImageTag(command, state);
    case 'AddImageMember':
      return addImageMember(command, state);
    case 'UpdateImageMember':
      return updateImageMember(command, state);
    case 'RemoveImageMember':
      return removeImageMember(command, state);
    case 'DeactivateImage':
      return deactivateImage(command, state);
    case 'ReactivateImage':
      return reactivateImage(command, state);
    case 'DeleteImage':
      return deleteImage(command, state);
    default:
      return assertNever(command);
  }
}
