import { Projection } from '../kernel/projection';
import { identityApplicationCredentialsProjection } from './application-credentials';
import { identityAssignmentsProjection } from './assignments';
import { identityCatalogProjection } from './catalog';
import { identityResourcesProjection } from './resources';
import { identityUsersProjection } from './users';
import { identityCredentialsProjection } from './credentials';
import { identityPoliciesProjection } from './policies';
import { identityOAuthConsumersProjection } from './oauth-consumers';
import { identityEndpointGroupsProjection } from './endpoint-groups';
import { identityDomainConfigsProjection } from './domain-configs';
import { identityTrustsProjection } from './trusts';

export * from './resources';
export * from './users';
export * from './assignments';
export * from './application-credentials';
export * from './catalog';
export * from './credentials';
export * from './policies';
export * from './oauth-consumers';
export * from './endpoint-groups';
export * from './domain-configs';
export * from './trusts';

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
  identityTrustsProjection,
];

/**
 * Read models of Keystone's side APIs (credential, policy, OS-OAUTH1 consumers, OS-EP-FILTER
 * endpoint groups, domain_config): registered like the others, kept in their own list so each
 * stays a separate backend the API waits for by name.
 */
export const IDENTITY_EXTENSION_PROJECTIONS: Projection[] = [
  identityCredentialsProjection,
  identityPoliciesProjection,
  identityOAuthConsumersProjection,
  identityEndpointGroupsProjection,
  identityDomainConfigsProjection,
];
