/**
 * Stream names of the Identity context: `<category>-<id>`, the category ending at the first
 * hyphen (STYLE §3). Ids are Keystone id strings (`^[a-zA-Z0-9-]+$`) or uuids chosen by infra.
 */
export const domainStream = (domainId: string) => `domain-${domainId}`;
export const projectStream = (projectId: string) => `project-${projectId}`;
export const userStream = (userId: string) => `user-${userId}`;
export const groupStream = (groupId: string) => `group-${groupId}`;
export const roleStream = (roleId: string) => `role-${roleId}`;
/** `assignmentUuid` is derived in infra from `assignmentKey(...)` (a name-based uuid). */
export const assignmentStream = (assignmentUuid: string) => `assignment-${assignmentUuid}`;
export const tokenStream = (tokenId: string) => `token-${tokenId}`;
export const applicationCredentialStream = (applicationCredentialId: string) => `appcred-${applicationCredentialId}`;
export const regionStream = (regionId: string) => `region-${regionId}`;
export const serviceStream = (serviceId: string) => `service-${serviceId}`;
export const endpointStream = (endpointId: string) => `endpoint-${endpointId}`;
export const trustStream = (trustId: string) => `trust-${trustId}`;

// Keystone names are case-insensitive but case-preserving for users, groups, projects, domains and
// roles (keystone doc/source/admin/case-insensitive.rst: "MyUser" then "myuser" → 409; SQL unique
// (domain_id, name) under MySQL's _ci collation), so the reservation key folds case; tags stay case-sensitive.
export function nameKey(name: string): string {
  return encodeURIComponent(name.normalize('NFC').toLowerCase());
}

/** Domains are projects acting as domains in Keystone: their names are unique among domains. */
export const uniqueDomainNameStream = (name: string) => `unique-domain-name-${nameKey(name)}`;
export const uniqueProjectNameStream = (domainId: string, name: string) => `unique-project-name-${domainId}-${nameKey(name)}`;
export const uniqueUserNameStream = (domainId: string, name: string) => `unique-user-name-${domainId}-${nameKey(name)}`;
export const uniqueGroupNameStream = (domainId: string, name: string) => `unique-group-name-${domainId}-${nameKey(name)}`;
/** Global roles (domain_id null) share one namespace; domain-specific roles are unique within their domain. */
export const uniqueRoleNameStream = (domainId: string | null, name: string) => `unique-role-name-${domainId ?? 'global'}-${nameKey(name)}`;
export const uniqueApplicationCredentialNameStream = (userId: string, name: string) => `unique-appcred-name-${userId}-${nameKey(name)}`;

// Keystone extensions and side APIs (credentials, policies, OS-OAUTH1, OS-EP-FILTER, domain config).
/** An ec2 credential's id is sha256 of its access key, so its stream is found from the key alone. */
export const credentialStream = (credentialId: string) => `credential-${credentialId}`;
export const policyStream = (policyId: string) => `policy-${policyId}`;
export const oauthConsumerStream = (consumerId: string) => `oauthconsumer-${consumerId}`;
export const endpointGroupStream = (endpointGroupId: string) => `endpointgroup-${endpointGroupId}`;
/** One configuration per domain: the stream is named by the domain's id. */
export const domainConfigStream = (domainId: string) => `domainconfig-${domainId}`;
