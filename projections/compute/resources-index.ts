import { Projection } from '../kernel/projection';
import { computeAggregatesProjection } from './aggregates';
import { computeFlavorsProjection } from './flavors';
import { computeHostsProjection } from './hosts';
import { computeKeypairsProjection } from './keypairs';
import { computeMigrationsProjection } from './migrations';
import { computeQuotasProjection } from './quotas';
import { computeServerGroupsProjection } from './server-groups';

export * from './aggregates';
export * from './flavors';
export * from './hosts';
export * from './keypairs';
export * from './migrations';
export * from './quotas';
export * from './server-groups';

/** Nova's resources besides servers: flavors, keypairs, compute hosts, server groups, quotas, host aggregates, migrations. */
export const COMPUTE_RESOURCE_PROJECTIONS: Projection[] = [computeFlavorsProjection, computeKeypairsProjection, computeHostsProjection, computeServerGroupsProjection, computeQuotasProjection, computeAggregatesProjection, computeMigrationsProjection];
