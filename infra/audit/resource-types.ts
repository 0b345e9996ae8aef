import {
  buildSagaDecider,
  buildSagaStream,
  flavorDecider,
  flavorStream,
  hostDecider,
  hostStream,
  keypairDecider,
  keypairStream,
  quotaDecider,
  quotaStream,
  serverDecider,
  serverGroupDecider,
  serverGroupStream,
  serverStream,
} from '../../domain/compute';
import {
  applicationCredentialDecider,
  applicationCredentialStream,
  credentialDecider,
  credentialStream,
  domainStream,
  endpointDecider,
  endpointStream,
  groupDecider,
  groupStream,
  identityDomainDecider,
  policyDecider,
  policyStream,
  projectDecider,
  projectStream,
  regionDecider,
  regionStream,
  roleDecider,
  roleStream,
  serviceDecider,
  serviceStream,
  tokenDecider,
  tokenStream,
  trustDecider,
  trustStream,
  userDecider,
  userStream,
} from '../../domain/identity';
import { imageDecider, imageStream } from '../../domain/image';
import { DomainEvent } from '../../domain/kernel';
import { owningProject } from '../../projections/audit';
import { uuidFromName } from '../ids/ids';

/** How to fold one kind of resource: its stream and its decider's `evolve`. */
export interface ResourceType {
  /** The name auditors use: `strata history server <id>`, `/strata/v1/history/server/<id>`. */
  name: string;
  stream(id: string): string;
  initialState: unknown;
  evolve(state: unknown, event: DomainEvent): unknown;
  /** The project that owns the resource in this state, for project-scoped readers; null: admins and auditors only. */
  ownerProject(state: unknown, id: string): string | null;
}

type AnyDecider = { initialState: unknown; evolve(state: never, event: never): unknown };

/** The object a state wraps (`{status, server: {...}}` → the server), if any. */
function inner(state: unknown): Record<string, unknown> | null {
  if (state === null || typeof state !== 'object') return null;
  for (const value of Object.values(state)) if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  return null;
}

/** The audit trail's rule (which resources belong to a project, by which field), applied to the resource's state. */
function type(name: string, stream: (id: string) => string, decider: AnyDecider): ResourceType {
  return {
    name,
    stream,
    initialState: decider.initialState,
    evolve: decider.evolve as ResourceType['evolve'],
    ownerProject: (state, id) => owningProject({ type: name, id }, inner(state) ?? {}) ?? null,
  };
}

/**
 * Every resource whose history can be read. Streams whose ids are not uuids (flavors, hosts,
 * keypairs) are named as the API names them: the flavor id, the host name, `<user id>/<keypair name>`.
 */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  type('server', serverStream, serverDecider),
  type('build', buildSagaStream, buildSagaDecider),
  type('flavor', (id) => flavorStream(uuidFromName(`flavor:${id}`)), flavorDecider),
  type('keypair', (id) => keypairStream(uuidFromName(`keypair:${id}`)), keypairDecider),
  type('host', (id) => hostStream(uuidFromName(`host:${id}`)), hostDecider),
  type('server_group', serverGroupStream, serverGroupDecider),
  type('quota', quotaStream, quotaDecider),
  type('image', imageStream, imageDecider),
  type('project', projectStream, projectDecider),
  type('user', userStream, userDecider),
  type('domain', domainStream, identityDomainDecider),
  type('group', groupStream, groupDecider),
  type('role', roleStream, roleDecider),
  type('token', tokenStream, tokenDecider),
  type('application_credential', applicationCredentialStream, applicationCredentialDecider),
  type('credential', credentialStream, credentialDecider),
  type('trust', trustStream, trustDecider),
  type('region', regionStream, regionDecider),
  type('service', serviceStream, serviceDecider),
  type('endpoint', endpointStream, endpointDecider),
  type('policy', policyStream, policyDecider),
];

export function resourceType(name: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.name === name);
}
