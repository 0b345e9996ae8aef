import {
  assignmentDecider,
  endpointDecider,
  EndpointInterface,
  identityDomainDecider,
  nameReservationDecider,
  projectDecider,
  regionDecider,
  roleDecider,
  serviceDecider,
  userDecider,
  domainStream,
  endpointStream,
  projectStream,
  regionStream,
  roleStream,
  serviceStream,
  SYSTEM_TARGET_ID,
  uniqueDomainNameStream,
  uniqueProjectNameStream,
  uniqueRoleNameStream,
  uniqueUserNameStream,
  userStream,
  RoleAssignment,
} from '../../../domain/identity';
import { CommandMetadata, DomainError, EventStore, Position, SYSTEM_ACTOR } from '../../../domain/kernel';
import { StrataConfig } from '../../../infra/config';
import { hashPassword, verifyPassword } from '../../../infra/identity/passwords';
import { newRequestId, uuidFromName } from '../../../infra/ids/ids';
import { SERVICE_PREFIXES } from '../../api/src/root.controller';
import { assignmentStreamOf, keystoneId, runCommand } from './identity-commands';

export const DEFAULT_DOMAIN_ID = 'default';
export const DEFAULT_REGION_ID = 'RegionOne';
export const BOOTSTRAP_ROLES = ['admin', 'member', 'reader'] as const;
/** Strata's own role: reads every resource's history and the audit trail (issue 8), implies nothing. */
export const AUDITOR_ROLE_NAME = 'auditor';
const INTERFACES: EndpointInterface[] = ['public', 'internal', 'admin'];

/** Ids of what bootstrap creates: the same on every installation run, so a rerun finds them. */
export const bootstrapId = (what: string) => keystoneId(uuidFromName(`identity-bootstrap\u0000${what}`));
const requestIdOf = (step: string) => `req-${uuidFromName(`identity-bootstrap-request\u0000${step}`)}`;

export interface IdentityBootstrapResult {
  /** Head of the log after the last bootstrap command: read models past it show the whole catalog. */
  position: Position | null;
  adminUserId: string;
  adminProjectId: string;
}

/**
 * Keystone's `keystone-manage bootstrap` on the event log: domain Default, project admin, user
 * admin, roles admin ⇒ member ⇒ reader, admin on the project and on the system, RegionOne and a
 * service with three endpoints per Strata API. Every step has a fixed request id, so a rerun
 * (after a crash mid-way, or on every boot) appends nothing that is already there.
 */
export async function bootstrapIdentity(store: EventStore, config: StrataConfig, adminPassword: string, now: () => Date = () => new Date()): Promise<IdentityBootstrapResult> {
  const correlationId = uuidFromName('identity-bootstrap');
  const meta = (step: string, requestId = requestIdOf(step)): CommandMetadata => ({
    requestId,
    correlationId,
    causationId: requestId,
    actor: SYSTEM_ACTOR,
    now: now().toISOString(),
  });
  const reserve = (stream: string, owner: string, step: string) => runCommand(store, nameReservationDecider, stream, 'ReserveName', { owner }, meta(`reserve/${step}`));

  await reserve(uniqueDomainNameStream('Default'), domainStream(DEFAULT_DOMAIN_ID), 'domain/Default');
  await runCommand(store, identityDomainDecider, domainStream(DEFAULT_DOMAIN_ID), 'CreateDomain', { domainId: DEFAULT_DOMAIN_ID, name: 'Default', description: 'The default domain', enabled: true }, meta('domain/Default'));

  const roleIds: Record<string, string> = {};
  for (const name of BOOTSTRAP_ROLES) {
    const roleId = bootstrapId(`role/${name}`);
    roleIds[name] = roleId;
    await reserve(uniqueRoleNameStream(null, name), roleStream(roleId), `role/${name}`);
    await runCommand(store, roleDecider, roleStream(roleId), 'CreateRole', { roleId, name, domainId: null, options: { immutable: true } }, meta(`role/${name}`));
  }
  await createAuditorRole(store, meta);
  for (const [prior, implied] of [['admin', 'member'], ['member', 'reader']] as const) {
    await runCommand(
      store,
      roleDecider,
      roleStream(roleIds[prior]),
      'AddRoleImplication',
      { priorRoleId: roleIds[prior], impliedRole: { roleId: roleIds[implied], name: implied, domainId: null } },
      meta(`implies/${prior}/${implied}`),
    );
  }

  const adminProjectId = bootstrapId('project/admin');
  await reserve(uniqueProjectNameStream(DEFAULT_DOMAIN_ID, 'admin'), projectStream(adminProjectId), 'project/admin');
  await runCommand(
    store,
    projectDecider,
    projectStream(adminProjectId),
    'CreateProject',
    { projectId: adminProjectId, domainId: DEFAULT_DOMAIN_ID, name: 'admin', description: 'Bootstrap project for initializing the cloud.' },
    meta('project/admin'),
  );

  const adminUserId = bootstrapId('user/admin');
  await reserve(uniqueUserNameStream(DEFAULT_DOMAIN_ID, 'admin'), userStream(adminUserId), 'user/admin');
  const created = await runCommand(
    store,
    userDecider,
    userStream(adminUserId),
    'CreateUser',
    { userId: adminUserId, domainId: DEFAULT_DOMAIN_ID, name: 'admin', passwordHash: await hashPassword(adminPassword) },
    meta('user/admin'),
  );
  // Keystone's bootstrap resets the admin password when it was given a different one.
  if (created.state.status === 'active' && !(await verifyPassword(adminPassword, created.state.user.passwordHash))) {
    await runCommand(store, userDecider, userStream(adminUserId), 'UpdateUser', { userId: adminUserId, passwordHash: await hashPassword(adminPassword) }, meta('user/admin/password', newRequestId()));
  }

  const grants: RoleAssignment[] = [
    { actorType: 'user', actorId: adminUserId, targetType: 'project', targetId: adminProjectId, roleId: roleIds.admin, inherited: false },
    { actorType: 'user', actorId: adminUserId, targetType: 'system', targetId: SYSTEM_TARGET_ID, roleId: roleIds.admin, inherited: false },
  ];
  for (const grant of grants) {
    await runCommand(store, assignmentDecider, assignmentStreamOf(grant), 'AssignRole', grant, meta(`grant/${grant.targetType}`));
  }

  await runCommand(store, regionDecider, regionStream(DEFAULT_REGION_ID), 'CreateRegion', { regionId: DEFAULT_REGION_ID, description: '' }, meta('region/RegionOne'));
  for (const service of SERVICE_PREFIXES) {
    const serviceId = bootstrapId(`service/${service.type}`);
    const registered = await runCommand(store, serviceDecider, serviceStream(serviceId), 'CreateService', { serviceId, type: service.type, name: service.name, enabled: service.served }, meta(`service/${service.type}`));
    // A deployment booted by an earlier build registered every prefix enabled: the catalog follows what this build serves.
    if (registered.state.status === 'active' && registered.state.service.enabled !== service.served) {
      await runCommand(store, serviceDecider, serviceStream(serviceId), 'UpdateService', { serviceId, enabled: service.served }, meta(`service/${service.type}/enabled/${service.served}`));
    }
    const url = `${config.publicUrl}${service.path}`;
    for (const iface of INTERFACES) {
      const endpointId = bootstrapId(`endpoint/${service.type}/${iface}`);
      const result = await runCommand(
        store,
        endpointDecider,
        endpointStream(endpointId),
        'CreateEndpoint',
        { endpointId, serviceId, interface: iface, url, regionId: DEFAULT_REGION_ID, enabled: true },
        meta(`endpoint/${service.type}/${iface}`),
      );
      // STRATA_PUBLIC_URL changed since the first boot: the catalog follows it.
      if (result.state.status === 'active' && result.state.endpoint.url !== url) {
        await runCommand(store, endpointDecider, endpointStream(endpointId), 'UpdateEndpoint', { endpointId, url }, meta(`endpoint/${service.type}/${iface}/url/${url}`));
      }
    }
  }
  return { position: await store.headPosition(), adminUserId, adminProjectId };
}

/**
 * The `auditor` role, created on every boot so deployments bootstrapped by older builds get it. A
 * deployment whose operator already made a global role of that name keeps theirs: policy goes by name.
 */
async function createAuditorRole(store: EventStore, meta: (step: string) => CommandMetadata): Promise<void> {
  const roleId = bootstrapId(`role/${AUDITOR_ROLE_NAME}`);
  try {
    await runCommand(store, nameReservationDecider, uniqueRoleNameStream(null, AUDITOR_ROLE_NAME), 'ReserveName', { owner: roleStream(roleId) }, meta(`reserve/role/${AUDITOR_ROLE_NAME}`));
  } catch (error) {
    if (error instanceof DomainError && error.code === 'Conflict') return;
    throw error;
  }
  await runCommand(store, roleDecider, roleStream(roleId), 'CreateRole', { roleId, name: AUDITOR_ROLE_NAME, domainId: null, options: { immutable: true } }, meta(`role/${AUDITOR_ROLE_NAME}`));
}
