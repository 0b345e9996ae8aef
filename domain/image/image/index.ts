import { Decider } from '../../kernel';
import { ImageCommand } from './commands';
import { decideImage } from './decide';
import { ImageEvent } from './events';
import { evolveImage, ImageState, initialImageState } from './state';

export * from './commands';
export * from './events';
export { CONTAINER_FORMATS, DISK_FORMATS, MAX_MEMBERS, MAX_PROPERTIES, MAX_TAGS, MAX_TAG_LENGTH, MEMBER_STATUSES, VISIBILITIES } from './properties';
export type { ContainerFormat, DiskFormat, MemberStatus, Visibility } from './properties';
export type { Image, ImageData, ImageState, LiveImageStatus } from './state';

export const imageDecider: Decider<ImageCommand, ImageEvent, ImageState> = {
  initialState: initialImageState,
  evolve: evolveImage,
  decide: decideImage,
};
