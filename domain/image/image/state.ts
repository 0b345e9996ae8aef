import { ImageActivated, ImageEvent, ImageStatus } from './events';
import { ContainerFormat, DiskFormat, MemberStatus, Visibility } from './properties';

/** What the stored bytes look like once an upload completed. */
export type ImageData = Omit<ImageActivated['data'], 'imageId' | 'status'>;

export interface Image {
  imageId: string;
  name: string | null;
  owner: string | null;
  visibility: Visibility;
  diskFormat: DiskFormat | null;
  containerFormat: ContainerFormat | null;
  minDisk: number;
  minRam: number;
  protected: boolean;
  osHidden: boolean;
  tags: string[];
  properties: Record<string, string>;
  members: Record<string, MemberStatus>;
  /** Null until an upload completed (and again after a failed one returns the image to queued). */
  data: ImageData | null;
}

export type LiveImageStatus = Exclude<ImageStatus, 'deleted'>;

export type ImageState = { status: 'absent' } | { status: LiveImageStatus; image: Image } | { status: 'deleted'; image: Image };

export const initialImageState: ImageState = { status: 'absent' };

const live = (status: LiveImageStatus, image: Image): ImageState => ({ status, image });

export function evolveImage(state: ImageState, event: ImageEvent): ImageState {
  if (event.type === 'ImageCreated') {
    const { status, ...image } = event.data;
    return live(status, { ...image, members: {}, data: null });
  }
  if (state.status === 'absent' || state.status === 'deleted') return state;
  const image = state.image;
  switch (event.type) {
    case 'ImageUpdated': {
      const { imageId: _id, properties, removedProperties, ...changes } = event.data;
      const merged = { ...image.properties, ...properties };
      for (const key of removedProperties ?? []) delete merged[key];
      return live(state.status, { ...image, ...changes, properties: merged });
    }
    case 'ImageUploadStarted':
      return live('saving', image);
    case 'ImageActivated': {
      const { imageId: _id, status, ...data } = event.data;
      return live(status, { ...image, data });
    }
    case 'ImageUploadFailed':
      return live(event.data.status, { ...image, data: null });
    case 'ImageTagAdded':
      return live(state.status, { ...image, tags: [...image.tags, event.data.tag] });
    case 'ImageTagRemoved':
      return live(state.status, { ...image, tags: image.tags.filter((t) => t !== event.data.tag) });
    case 'ImageMemberAdded':
    case 'ImageMemberStatusChanged':
      return live(state.status, { ...image, members: { ...image.members, [event.data.memberId]: event.data.status } });
    case 'ImageMemberRemoved': {
      const { [event.data.memberId]: _removed, ...members } = image.members;
      return live(state.status, { ...image, members });
    }
    case 'ImageDeactivated':
    case 'ImageReactivated':
      return live(event.data.status, image);
    case 'ImageDeleted':
      return { status: 'deleted', image };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
