import { AUDIT_PROJECTIONS } from './audit';
import { COMPUTE_PROJECTIONS } from './compute';
import { IDENTITY_EXTENSION_PROJECTIONS, IDENTITY_PROJECTIONS } from './identity';
import { IMAGE_PROJECTIONS } from './image';
import { Projection } from './kernel/projection';

/** Every read model of this build, in the order the projector starts them. Contexts add theirs here. */
export const ALL_PROJECTIONS: Projection[] = [...IDENTITY_PROJECTIONS, ...IDENTITY_EXTENSION_PROJECTIONS, ...IMAGE_PROJECTIONS, ...COMPUTE_PROJECTIONS, ...AUDIT_PROJECTIONS];
