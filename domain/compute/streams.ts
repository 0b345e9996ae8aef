/**
 * Stream names of the Compute context (Nova): `<category>-<id>`, the category ending at the first
 * hyphen (STYLE §3). Ids that are not uuids (flavor ids, host names, keypair names) are turned into
 * name-based uuids by infra before they reach these functions.
 */
export const serverStream = (serverId: string) => `server-${serverId}`;
export const flavorStream = (flavorUuid: string) => `flavor-${flavorUuid}`;
export const keypairStream = (keypairUuid: string) => `keypair-${keypairUuid}`;
export const hostStream = (hostUuid: string) => `host-${hostUuid}`;
export const serverGroupStream = (groupId: string) => `servergroup-${groupId}`;
export const quotaStream = (projectId: string) => `quota-${projectId}`;
export const quotaClassStream = (classUuid: string) => `quotaclass-${classUuid}`;
export const buildSagaStream = (serverId: string) => `saga-build-${serverId}`;

/** Nova flavor names are unique (case-insensitively under MySQL's collation), like Keystone's. */
export const uniqueFlavorNameStream = (name: string) => `unique-flavor-name-${encodeURIComponent(name.normalize('NFC').toLowerCase())}`;
/** Every host aggregate of the deployment (Nova's rules span them: unique names, one zone per host). */
export const AGGREGATES_STREAM = 'aggregates-all';
