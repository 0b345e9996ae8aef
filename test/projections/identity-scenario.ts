import {
  AccessRuleEvent,
  accessRuleStream,
  ApplicationCredentialEvent,
  applicationCredentialStream,
  AssignmentEvent,
  assignmentKey,
  assignmentStream,
  domainStream,
  EndpointEvent,
  endpointStream,
  GroupEvent,
  groupStream,
  IdentityDomainEvent,
  ProjectEvent,
  projectStream,
  RegionEvent,
  regionStream,
  RoleEvent,
  roleStream,
  ServiceEvent,
  serviceStream,
  TrustEvent,
  trustStream,
  UserEvent,
  userStream,
} from '../../domain/identity';
import { NewEvent, RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { MemoryRows, Projection, Row, RowAccess } from '../../projections/kernel/projection';
import { FIXED_NOW } from '../support/decider-spec';

export type IdentityEvent =
  | IdentityDomainEvent
  | ProjectEvent
  | UserEvent
  | GroupEvent
  | RoleEvent
  | AssignmentEvent
  | ApplicationCredentialEvent
  | AccessRuleEvent
  | RegionEvent
  | ServiceEvent
  | EndpointEvent
  | TrustEvent;

type DataOf<T extends IdentityEvent['type']> = Extract<IdentityEvent, { type: T }>['data'];

/** The stream each identity event is written to (domain/identity/streams.ts). */
export function streamOf(event: IdentityEvent): string {
  switch (event.type) {
    case 'DomainCreated':
    case 'DomainUpdated':
    case 'DomainDeleted':
      return domainStream(event.data.domainId);
    case 'ProjectCreated':
    case 'ProjectUpdated':
    case 'ProjectTagsReplaced':
    case 'ProjectTagAdded':
    case 'ProjectTagRemoved':
    case 'ProjectDeleted':
      return projectStream(event.data.projectId);
    case 'UserCreated':
    case 'UserUpdated':
    case 'UserEnabled':
    case 'UserDisabled':
    case 'UserPasswordChanged':
    case 'UserDeleted':
      return userStream(event.data.userId);
    case 'GroupCreated':
    case 'GroupUpdated':
    case 'GroupDeleted':
    case 'UserAddedToGroup':
    case 'UserRemovedFromGroup':
      return groupStream(event.data.groupId);
    case 'RoleCreated':
    case 'RoleUpdated':
    case 'RoleDeleted':
      return roleStream(event.data.roleId);
    case 'RoleImplicationAdded':
    case 'RoleImplicationRemoved':
      return roleStream(event.data.priorRoleId);
    case 'RoleAssigned':
    case 'RoleUnassigned':
      return assignmentStream(assignmentUuid(assignmentKey(event.data)));
    case 'ApplicationCredentialCreated':
    case 'ApplicationCredentialDeleted':
      return applicationCredentialStream(event.data.id);
    case 'AccessRuleCreated':
    case 'AccessRuleDeleted':
      return accessRuleStream(event.data.id);
    case 'RegionCreated':
    case 'RegionUpdated':
    case 'RegionDeleted':
      return regionStream(event.data.regionId);
    case 'ServiceCreated':
    case 'ServiceUpdated':
    case 'ServiceDeleted':
      return serviceStream(event.data.serviceId);
    case 'EndpointCreated':
    case 'EndpointUpdated':
    case 'EndpointDeleted':
      return endpointStream(event.data.endpointId);
    case 'TrustCreated':
    case 'TrustUseConsumed':
    case 'TrustDeleted':
      return trustStream(event.data.id);
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

const assignmentUuids = new Map<string, string>();
/** Infra hashes the assignment key into a uuid; any stable one-to-one mapping will do for tests. */
function assignmentUuid(key: string): string {
  if (!assignmentUuids.has(key)) assignmentUuids.set(key, `00000000-0000-4000-a000-${(assignmentUuids.size + 1).toString(16).padStart(12, '0')}`);
  return assignmentUuids.get(key)!;
}

/**
 * Identity events as the store records them: each on its stream with per-stream versions,
 * increasing global positions, one second apart on a fixed clock, with deterministic ids.
 */
export class IdentityScenario {
  readonly events: Array<{ stream: string; event: NewEvent }> = [];

  constructor(private readonly seed = 1) {}

  /** Adds an event; returns its `occurredAt`, which rows record as created_at/updated_at. */
  add<T extends IdentityEvent['type']>(type: T, data: DataOf<T>): string {
    const n = this.events.length + 1;
    const occurredAt = new Date(Date.parse(FIXED_NOW) + n * 1000).toISOString();
    const requestId = `req-${this.seed}-${n}`;
    const event: NewEvent = {
      id: `00000000-0000-4000-8000-${this.seed.toString(16).padStart(4, '0')}${n.toString(16).padStart(8, '0')}`,
      type,
      data,
      metadata: { correlationId: requestId, causationId: requestId, requestId, actor: SYSTEM_ACTOR, occurredAt, schemaVersion: 1 },
    };
    this.events.push({ stream: streamOf({ type, data } as IdentityEvent), event });
    return occurredAt;
  }

  /** Every event so far, recorded (versions and positions assigned in order). */
  recorded(): RecordedEvent[] {
    const versions = new Map<string, bigint>();
    return this.events.map(({ stream, event }, i) => {
      const version = versions.has(stream) ? versions.get(stream)! + 1n : 0n;
      versions.set(stream, version);
      return { ...event, stream, version, position: String(i + 1).padStart(20, '0'), recordedAt: new Date(event.metadata.occurredAt) };
    });
  }
}

/**
 * Folds like projectInMemory, but as strictly as the engine preloads: `apply` may read, write
 * and delete only the rows `rowsFor` named for that event, or the fold throws.
 */
export function foldStrictly(projection: Projection, events: RecordedEvent[], rows = new MemoryRows(projection)): MemoryRows {
  const handled = new Set(projection.eventTypes);
  for (const event of events) {
    if (!handled.has(event.type)) continue;
    const named = new Set(projection.rowsFor(event).map((r) => `${r.table}/${r.key}`));
    const check = (table: string, key: string, what: string) => {
      if (!named.has(`${table}/${key}`)) throw new Error(`${projection.name}: ${event.type} ${what} ${table}/${key}, which its rowsFor did not name`);
    };
    const keyOf = (table: string, row: Row) => String(row[projection.tables.find((t) => t.name === table)!.primaryKey]);
    const strict: RowAccess = {
      get: (table, key) => (check(table, key, 'read'), rows.get(table, key)),
      put: (table, row) => (check(table, keyOf(table, row), 'wrote'), rows.put(table, row)),
      delete: (table, key) => (check(table, key, 'deleted'), rows.delete(table, key)),
    };
    projection.apply(event, strict);
  }
  return rows;
}

/** All rows of a table, by key. */
export function rowsOf(rows: MemoryRows, table: string): Row[] {
  return [...rows.tables.get(table)!.values()];
}

export const PASSWORD_HASH = '$scrypt$N=16384,r=8,p=1$cGVwcGVy$YWRtaW4taGFzaA';
export const SECRET_HASH = '$scrypt$N=16384,r=8,p=1$c2FsdA$YXBwLWNyZWQ';

/** A small cloud as `strata start` bootstraps it, then a day of identity administration. */
export function bootstrappedCloud(s = new IdentityScenario()): IdentityScenario {
  s.add('DomainCreated', { domainId: 'default', name: 'Default', description: 'The default domain', enabled: true, options: {} });
  s.add('ProjectCreated', { projectId: 'p-admin', domainId: 'default', name: 'admin', description: 'Bootstrap project', enabled: true, parentId: 'default', isDomain: false, tags: [], options: {} });
  s.add('UserCreated', { userId: 'u-admin', domainId: 'default', name: 'admin', enabled: true, defaultProjectId: 'p-admin', description: null, options: {}, passwordHash: PASSWORD_HASH, passwordCreatedAt: '2026-01-01T00:00:03.000Z' });
  s.add('RoleCreated', { roleId: 'r-admin', name: 'admin', domainId: null, description: null, options: { immutable: true } });
  s.add('RoleCreated', { roleId: 'r-member', name: 'member', domainId: null, description: null, options: { immutable: true } });
  s.add('RoleCreated', { roleId: 'r-reader', name: 'reader', domainId: null, description: null, options: { immutable: true } });
  s.add('RoleImplicationAdded', { priorRoleId: 'r-admin', impliedRoleId: 'r-member' });
  s.add('RoleImplicationAdded', { priorRoleId: 'r-member', impliedRoleId: 'r-reader' });
  s.add('RoleAssigned', { actorType: 'user', actorId: 'u-admin', targetType: 'project', targetId: 'p-admin', roleId: 'r-admin', inherited: false });
  s.add('RoleAssigned', { actorType: 'user', actorId: 'u-admin', targetType: 'system', targetId: 'all', roleId: 'r-admin', inherited: false });
  s.add('RegionCreated', { regionId: 'RegionOne', description: '', parentRegionId: null });
  s.add('ServiceCreated', { serviceId: 's-keystone', type: 'identity', name: 'keystone', description: null, enabled: true });
  s.add('EndpointCreated', { endpointId: 'e-keystone', serviceId: 's-keystone', interface: 'public', url: 'http://127.0.0.1:8080/identity/v3', regionId: 'RegionOne', enabled: true });

  s.add('ProjectCreated', { projectId: 'p-demo', domainId: 'default', name: 'Demo', description: '', enabled: true, parentId: 'default', isDomain: false, tags: ['team-a'], options: {} });
  s.add('ProjectTagAdded', { projectId: 'p-demo', tag: 'Gold' });
  s.add('UserCreated', { userId: 'u-demo', domainId: 'default', name: 'Demo', enabled: true, defaultProjectId: 'p-demo', description: null, email: 'demo@example.org', options: {}, passwordHash: PASSWORD_HASH, passwordCreatedAt: '2026-01-01T00:00:16.000Z' });
  s.add('GroupCreated', { groupId: 'g-devs', domainId: 'default', name: 'developers', description: '' });
  s.add('UserAddedToGroup', { groupId: 'g-devs', userId: 'u-demo' });
  s.add('RoleAssigned', { actorType: 'group', actorId: 'g-devs', targetType: 'project', targetId: 'p-demo', roleId: 'r-member', inherited: false });
  s.add('ApplicationCredentialCreated', { id: 'ac-ci', userId: 'u-demo', projectId: 'p-demo', name: 'ci', description: null, secretHash: SECRET_HASH, roleIds: ['r-member'], expiresAt: null, unrestricted: false });
  s.add('UserPasswordChanged', { userId: 'u-demo', passwordHash: `${PASSWORD_HASH}2`, changedAt: '2026-01-01T00:00:21.000Z', selfService: true });
  s.add('TrustCreated', {
    id: 't-ci',
    trustorUserId: 'u-demo',
    trusteeUserId: 'u-admin',
    projectId: 'p-demo',
    impersonation: false,
    roleIds: ['r-member'],
    expiresAt: null,
    remainingUses: 3,
    redelegationCount: 0,
    redelegatedTrustId: null,
  });
  s.add('TrustUseConsumed', { id: 't-ci', remainingUses: 2 });
  return s;
}
