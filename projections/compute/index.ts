import { Projection } from '../kernel/projection';
import { COMPUTE_RESOURCE_PROJECTIONS } from './resources-index';
import { SERVER_PROJECTIONS } from './servers-index';

/** Nova's read models: servers and their actions; flavors, keypairs, hosts, server groups, quotas. */
export const COMPUTE_PROJECTIONS: Projection[] = [...SERVER_PROJECTIONS, ...COMPUTE_RESOURCE_PROJECTIONS];
