import { Projection } from '../kernel/projection';
import { identityApplicationCredentialsProjection } from './application-credentials';
import { identityAssignmentsProjection } from './assignments';
import { identityCatalogProjection } from './catalog';
import { identityResourcesProjection } from './resources';
import { identityUsersProjection } from './users';

export * from './resources';
export * from './users';
export * from './assignments';
export * from './application-credentials';
export * from './catalog';

/**
 * Identity read models, one projection per Keystone backend (resource, identity, assignment,
 * application_credential, catalog): each rebuilds on its own and the API waits only for the
 * ones a request reads; no event touches rows of two of them.
 */
export const IDENTITY_PROJECTIONS: Projection[] = [
  identityResourcesProjection,
  identityUsersProjection,
  identityAssignmentsProjection,
  identityApplicationCredentialsProjection,
  identityCatalogProjection,
];
