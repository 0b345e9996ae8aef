import { Projection } from '../kernel/projection';
import { imageImagesProjection } from './images';

export * from './images';

/** Glance's read models: images with their tags, properties and members. */
export const IMAGE_PROJECTIONS: Projection[] = [imageImagesProjection];
