import { Projection } from '../kernel/projection';
import { imageImagesProjection } from './images';
import { imageMetadefsProjection } from './metadefs';

export * from './images';
export * from './metadefs';

/** Glance's read models: images with their tags, properties and members; metadata definitions. */
export const IMAGE_PROJECTIONS: Projection[] = [imageImagesProjection, imageMetadefsProjection];
