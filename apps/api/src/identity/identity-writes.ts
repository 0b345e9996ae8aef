import { Inject, Injectable } from '@nestjs/common';
import {
  AccessRule,
  accessRuleDecider,
  accessRuleStream,
  assignmentDecider,
  applicationCredentialDecider,
  applicationCredentialStream,
  uniqueApplicationCredentialNameStream,
  domainStream,
  groupDecider,
  groupStream,
  uniqueGroupNameStream,
  endpointDecider,
  EndpointInterface,
  endpointStream,
  identityDomainDecider,
  regionDecider,
  regionStream,
  serviceDecider,
  serviceStream,
  nameReservationDecider,
  projectDecider,
  uniqueDomainNameStream,
  roleDecider,
  roleStream,
  uniqueRoleNameStream,
  projectStream,
  ResourceOptions,
  RoleAssignment,
  uniqueProjectNameStream,
  uniqueUserNameStream,
  userDecider,
  userStream,
} from '../../../../domain/identity';
import { CommandMetadata, Conflict, EventStore, NotFound, Position } from '../../../../domain/kernel';
import { hashPassword, verifyPassword } from '../../../../infra/identity/passwords';
import { TokenIndex } from '../../../../infra/identity/token-index';
import { uuidFromName } from '../../../../infra/ids/ids';
import { assignmentStreamOf, keystoneId, runCommand } from '../../../shared/src/identity-commands';
import { EVENT_STORE, TOKEN_INDEX } from '../../../shared/src/runtime.tokens';
import { KeystoneError, notFound, unauthorized } from './keystone-errors';

export interface ProjectInput {
  name: string;
  domainId: string;
  description?: string;
  enabled?: boolean;
  parentId?: string;
  tags?: string[];
  options?: Record<string, never>;
  extra?: Record<string, unknown>;
}

export interface ProjectPatch {
  name?: string;
  description?: string | null;
  enabled?: boolean;
  tags?: string[];
  extra?: Record<string, unknown>;
}

export interface UserInput {
  name: string;
  domainId: string;
  password?: string | null;
  enabled?: boolean;
  defaultProjectId?: string | null;
  description?: string | null;
  email?: string;
  extra?: Record<string, unknown>;
}

export interface UserPatch {
  name?: string;
  password?: string | null;
  enabled?: boolean;
  defaultProjectId?: string | null;
  description?: string | null;
  email?: string | null;
  extra?: Record<string, unknown>;
}

/**
 * The id of what a request creates derives from its request id, so a client retrying with the
 * same `x-openstack-request-id` lands on the same streams and gets the first outcome back.
 */
const newEntityId = (kind: string, meta: CommandMetadata) => keystoneId(uuidFromName(`identity-create\u0000${kind}\u0000${meta.requestId}`));

const ownerId = (error: Conflict, category: string) => String(error.details.owner ?? '').slice(category.length + 1);

/**
 * Identity commands the API issues: each maps to one decider on its stream, plus the name
 * reservation that keeps names unique in a domain (reserve first, release when the create fails
 * or the entity goes away). Returns the position of the last event, for read-your-writes.
 */
@Injectable()
export class IdentityWrites {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TOKEN_INDEX) private readonly tokens: TokenIndex,
  ) {}

  private reserve(stream: string, owner: string, resource: string, name: string, meta: CommandMetadata) {
    return runCommand(this.store, nameReservationDecider, stream, 'ReserveName', { owner, resource, name }, meta);
  }

  private release(stream: string, owner: string, meta: CommandMetadata) {
    return runCommand(this.store, nameReservationDecider, stream, 'ReleaseName', { owner }, meta);
  }

  /**
   * A rename under a name reservation: reserve the new name (its Conflict answered by `conflict`),
   * run the update, then release the old name; the new one is released again if the update fails.
   * Names equal but for case share one reservation stream: nothing to move then.
   */
  private async renamed(
    reservation: { from: string; to: string | null; owner: string; resource: string; name?: string },
    conflict: (e: Conflict) => Error,
    update: () => Promise<Position | null>,
    meta: CommandMetadata,
  ): Promise<Position | null> {
    const { from, to, owner, resource, name } = reservation;
    if (to === null || to === from) return update();
    try {
      await this.reserve(to, owner, resource, name!, meta);
    } catch (e) {
      throw e instanceof Conflict ? conflict(e) : e;
    }
    let position: Position | null;
    try {
      position = await update();
    } catch (e) {
      await this.release(to, owner, meta);
      throw e;
    }
    await this.release(from, owner, meta);
    return position;
  }

  async createDomain(input: { name: string; description?: string; enabled?: boolean }, meta: CommandMetadata): Promise<{ domainId: string; position: Position | null }> {
    const domainId = newEntityId('domain', meta);
    const name = input.name.trim();
    const reservation = uniqueDomainNameStream(name);
    await this.reserveDomainName(reservation, domainId, name, meta);
    try {
      const result = await runCommand(this.store, identityDomainDecider, domainStream(domainId), 'CreateDomain', { domainId, name, description: input.description, enabled: input.enabled }, meta);
      return { domainId, position: result.position };
    } catch (e) {
      await this.release(reservation, domainStream(domainId), meta);
      throw e;
    }
  }

  private async reserveDomainName(reservation: string, domainId: string, name: string, meta: CommandMetadata): Promise<void> {
    try {
      await this.reserve(reservation, domainStream(domainId), 'domain', name, meta);
    } catch (e) {
      throw e instanceof Conflict ? domainNameConflict(name) : e;
    }
  }

  async updateDomain(domainId: string, patch: { name?: string; description?: string | null; enabled?: boolean }, meta: CommandMetadata): Promise<Position | null> {
    const current = this.tokens.model.domain(domainId);
    if (!current) throw notFound('domain', domainId);
    const newName = patch.name?.trim();
    return this.renamed(
      {
        from: uniqueDomainNameStream(current.name),
        to: newName === undefined ? null : uniqueDomainNameStream(newName),
        owner: domainStream(domainId),
        resource: 'domain',
        name: newName,
      },
      () => domainNameConflict(newName!),
      async () => (await runCommand(this.store, identityDomainDecider, domainStream(domainId), 'UpdateDomain', { domainId, name: newName, description: patch.description, enabled: patch.enabled }, meta)).position,
      meta,
    );
  }

  async deleteDomain(domainId: string, meta: CommandMetadata): Promise<Position | null> {
    const current = this.tokens.model.domain(domainId);
    if (!current) throw notFound('domain', domainId);
    await runCommand(this.store, identityDomainDecider, domainStream(domainId), 'DeleteDomain', { domainId }, meta);
    return (await this.release(uniqueDomainNameStream(current.name), domainStream(domainId), meta)).position;
  }

  async createProject(input: ProjectInput, meta: CommandMetadata): Promise<{ projectId: string; position: Position | null }> {
    const domainId = input.parentId ? this.parentDomain(input.parentId) : input.domainId;
    if (!this.tokens.model.domain(domainId)) throw notFound('domain', domainId);
    const projectId = newEntityId('project', meta);
    const name = input.name.trim();
    const reservation = uniqueProjectNameStream(domainId, name);
    try {
      await this.reserve(reservation, projectStream(projectId), 'project', name, meta);
    } catch (e) {
      if (e instanceof Conflict) {
        throw new KeystoneError(
          409,
          `Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is ${name}, project id ${ownerId(e, 'project')}.`,
        );
      }
      throw e;
    }
    try {
      const result = await runCommand(
        this.store,
        projectDecider,
        projectStream(projectId),
        'CreateProject',
        { projectId, domainId, name, description: input.description, enabled: input.enabled, parentId: input.parentId ?? null, tags: input.tags, options: input.options, extra: input.extra },
        meta,
      );
      return { projectId, position: result.position };
    } catch (e) {
      await this.release(reservation, projectStream(projectId), meta);
      throw e;
    }
  }

  private parentDomain(parentId: string): string {
    const parent = this.tokens.model.project(parentId);
    if (!parent) throw notFound('project', parentId);
    return parent.domainId;
  }

  async updateProject(projectId: string, patch: ProjectPatch, meta: CommandMetadata): Promise<Position | null> {
    const current = this.tokens.model.project(projectId);
    if (!current) throw notFound('project', projectId);
    const newName = patch.name?.trim();
    return this.renamed(
      {
        from: uniqueProjectNameStream(current.domainId, current.name),
        to: newName === undefined ? null : uniqueProjectNameStream(current.domainId, newName),
        owner: projectStream(projectId),
        resource: 'project',
        name: newName,
      },
      (e) =>
        new KeystoneError(
          409,
          `Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is ${newName}, project id ${ownerId(e, 'project')}.`,
        ),
      async () =>
        (
          await runCommand(
            this.store,
            projectDecider,
            projectStream(projectId),
            'UpdateProject',
            { projectId, name: patch.name, description: patch.description, enabled: patch.enabled, tags: patch.tags, extra: patch.extra },
            meta,
          )
        ).position,
      meta,
    );
  }

  async deleteProject(projectId: string, hasChildren: boolean, meta: CommandMetadata): Promise<Position | null> {
    const current = this.tokens.model.project(projectId);
    if (!current) throw notFound('project', projectId);
    if (hasChildren) {
      throw new KeystoneError(403, `Cannot delete the project ${projectId} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`);
    }
    await runCommand(this.store, projectDecider, projectStream(projectId), 'DeleteProject', { projectId }, meta);
    return (await this.release(uniqueProjectNameStream(current.domainId, current.name), projectStream(projectId), meta)).position;
  }

  /** PUT/DELETE /v3/projects/{id}/tags[/{tag}]: the decider validates as Keystone's tag schemas do. */
  async projectTags(
    command: { type: 'ReplaceProjectTags'; tags: string[] } | { type: 'AddProjectTag' | 'RemoveProjectTag'; tag: string },
    projectId: string,
    meta: CommandMetadata,
  ): Promise<Position | null> {
    if (!this.tokens.model.project(projectId)) throw notFound('project', projectId);
    const stream = projectStream(projectId);
    if (command.type === 'ReplaceProjectTags') return (await runCommand(this.store, projectDecider, stream, 'ReplaceProjectTags', { projectId, tags: command.tags }, meta)).position;
    return (await runCommand(this.store, projectDecider, stream, command.type, { projectId, tag: command.tag }, meta)).position;
  }

  async createUser(input: UserInput, meta: CommandMetadata): Promise<{ userId: string; position: Position | null }> {
    if (!this.tokens.model.domain(input.domainId)) throw notFound('domain', input.domainId);
    const userId = newEntityId('user', meta);
    const reservation = uniqueUserNameStream(input.domainId, input.name);
    try {
      await this.reserve(reservation, userStream(userId), 'user', input.name, meta);
    } catch (e) {
      if (e instanceof Conflict) throw new KeystoneError(409, `Conflict occurred attempting to store user - Duplicate entry found with name ${input.name} at domain ID ${input.domainId}.`);
      throw e;
    }
    try {
      const passwordHash = input.password == null ? null : await hashPassword(input.password);
      const result = await runCommand(
        this.store,
        userDecider,
        userStream(userId),
        'CreateUser',
        {
          userId,
          domainId: input.domainId,
          name: input.name,
          enabled: input.enabled,
          defaultProjectId: input.defaultProjectId,
          description: input.description,
          email: input.email,
          extra: input.extra,
          passwordHash,
        },
        meta,
      );
      return { userId, position: result.position };
    } catch (e) {
      await this.release(reservation, userStream(userId), meta);
      throw e;
    }
  }

  async updateUser(userId: string, patch: UserPatch, meta: CommandMetadata): Promise<Position | null> {
    const current = this.tokens.model.user(userId);
    if (!current) throw notFound('user', userId);
    const passwordHash = patch.password === undefined ? undefined : patch.password === null ? null : await hashPassword(patch.password);
    return this.renamed(
      {
        from: uniqueUserNameStream(current.domainId, current.name),
        to: patch.name === undefined ? null : uniqueUserNameStream(current.domainId, patch.name),
        owner: userStream(userId),
        resource: 'user',
        name: patch.name,
      },
      () => new KeystoneError(409, `Conflict occurred attempting to store user - Duplicate entry found with name ${patch.name} at domain ID ${current.domainId}.`),
      async () =>
        (
          await runCommand(
            this.store,
            userDecider,
            userStream(userId),
            'UpdateUser',
            { userId, name: patch.name, enabled: patch.enabled, defaultProjectId: patch.defaultProjectId, description: patch.description, email: patch.email, extra: patch.extra, passwordHash },
            meta,
          )
        ).position,
      meta,
    );
  }

  async changePassword(userId: string, originalPassword: string, password: string, meta: CommandMetadata): Promise<Position | null> {
    const current = this.tokens.model.user(userId);
    // The route takes no token: an unknown user is the same 401 as a wrong password (Keystone's AssertionError), after one hash.
    const originalPasswordVerified = await verifyPassword(originalPassword, current?.passwordHash ?? null);
    if (!current) throw unauthorized();
    const result = await runCommand(
      this.store,
      userDecider,
      userStream(userId),
      'ChangeUserPassword',
      { userId, passwordHash: await hashPassword(password), originalPasswordVerified },
      meta,
    );
    return result.position;
  }

  async deleteUser(userId: string, meta: CommandMetadata): Promise<Position | null> {
    const current = this.tokens.model.user(userId);
    if (!current) throw notFound('user', userId);
    await runCommand(this.store, userDecider, userStream(userId), 'DeleteUser', { userId }, meta);
    return (await this.release(uniqueUserNameStream(current.domainId, current.name), userStream(userId), meta)).position;
  }

  async createRole(
    input: { name: string; domainId?: string | null; description?: string | null; options?: Record<string, never> },
    meta: CommandMetadata,
  ): Promise<{ roleId: string; position: Position | null }> {
    const domainId = input.domainId ?? null;
    if (domainId !== null && !this.tokens.model.domain(domainId)) throw notFound('domain', domainId);
    const roleId = newEntityId('role', meta);
    const reservation = uniqueRoleNameStream(domainId, input.name);
    // The decider's Conflict already reads as Keystone's: "... store role - Duplicate entry found with name member."
    await this.reserve(reservation, roleStream(roleId), 'role', input.name, meta);
    try {
      const result = await runCommand(this.store, roleDecider, roleStream(roleId), 'CreateRole', { roleId, name: input.name, domainId, description: input.description, options: input.options }, meta);
      return { roleId, position: result.position };
    } catch (e) {
      await this.release(reservation, roleStream(roleId), meta);
      throw e;
    }
  }

  async updateRole(roleId: string, patch: { name?: string; description?: string | null; options?: ResourceOptions }, meta: CommandMetadata): Promise<Position | null> {
    const current = this.tokens.model.role(roleId);
    if (!current) throw notFound('role', roleId);
    return this.renamed(
      {
        from: uniqueRoleNameStream(current.domainId, current.name),
        to: patch.name === undefined ? null : uniqueRoleNameStream(current.domainId, patch.name),
        owner: roleStream(roleId),
        resource: 'role',
        name: patch.name,
      },
      // The reservation's Conflict already reads as Keystone's: "... store role - Duplicate entry found with name member."
      (e) => e,
      async () => (await runCommand(this.store, roleDecider, roleStream(roleId), 'UpdateRole', { roleId, name: patch.name, description: patch.description, options: patch.options }, meta)).position,
      meta,
    );
  }

  /**
   * Keystone deletes a role with its implications and assignments. Here each is an event on its
   * own aggregate, all under the request's correlation id: the role's stream (its own implications,
   * then RoleDeleted), every prior role that implies it, every assignment of it; then the name goes.
   * What to remove is read from the token index before the delete, which drops the role at once.
   */
  async deleteRole(roleId: string, meta: CommandMetadata): Promise<Position | null> {
    const model = this.tokens.model;
    const current = model.role(roleId);
    if (!current) throw notFound('role', roleId);
    const priors = model.priorRolesOf(roleId);
    const grants = model.grantsOfRole(roleId);
    let last = (await runCommand(this.store, roleDecider, roleStream(roleId), 'DeleteRole', { roleId }, meta)).position;
    for (const priorRoleId of priors) {
      last = (await ignoreNotFound(runCommand(this.store, roleDecider, roleStream(priorRoleId), 'RemoveRoleImplication', { priorRoleId, impliedRoleId: roleId }, meta)))?.position ?? last;
    }
    for (const grant of grants) last = (await ignoreNotFound(this.unassignRole(grant, meta))) ?? last;
    return (await this.release(uniqueRoleNameStream(current.domainId, current.name), roleStream(roleId), meta)).position ?? last;
  }

  async implyRole(priorRoleId: string, impliedRoleId: string, meta: CommandMetadata): Promise<Position | null> {
    const implied = this.tokens.model.role(impliedRoleId);
    if (!this.tokens.model.role(priorRoleId)) throw notFound('role', priorRoleId);
    if (!implied) throw notFound('role', impliedRoleId);
    const result = await runCommand(this.store, roleDecider, roleStream(priorRoleId), 'AddRoleImplication', { priorRoleId, impliedRole: { roleId: implied.id, name: implied.name, domainId: implied.domainId } }, meta);
    return result.position;
  }

  async unimplyRole(priorRoleId: string, impliedRoleId: string, meta: CommandMetadata): Promise<Position | null> {
    if (!this.tokens.model.role(priorRoleId)) throw notFound('role', priorRoleId);
    return (await runCommand(this.store, roleDecider, roleStream(priorRoleId), 'RemoveRoleImplication', { priorRoleId, impliedRoleId }, meta)).position;
  }

  /** Keystone drops the grants of a deleted project, user or role with it. */
  async unassignAll(grants: RoleAssignment[], meta: CommandMetadata): Promise<Position | null> {
    let last: Position | null = null;
    for (const grant of grants) last = (await this.unassignRole(grant, meta)) ?? last;
    return last;
  }

  async createGroup(input: { name: string; domainId: string; description?: string | null }, meta: CommandMetadata): Promise<{ groupId: string; position: Position | null }> {
    if (!this.tokens.model.domain(input.domainId)) throw notFound('domain', input.domainId);
    const groupId = newEntityId('group', meta);
    const reservation = uniqueGroupNameStream(input.domainId, input.name);
    try {
      await this.reserve(reservation, groupStream(groupId), 'group', input.name, meta);
    } catch (e) {
      if (e instanceof Conflict) throw new KeystoneError(409, `Conflict occurred attempting to store group - Duplicate entry found with name ${input.name} at domain ID ${input.domainId}.`);
      throw e;
    }
    try {
      const result = await runCommand(this.store, groupDecider, groupStream(groupId), 'CreateGroup', { groupId, domainId: input.domainId, name: input.name, description: input.description }, meta);
      return { groupId, position: result.position };
    } catch (e) {
      await this.release(reservation, groupStream(groupId), meta);
      throw e;
    }
  }

  /** `current` is the group as read (rm.identity_groups): its domain and name hold the reservation. */
  async updateGroup(groupId: string, current: { name: string; domainId: string }, patch: { name?: string; description?: string | null }, meta: CommandMetadata): Promise<Position | null> {
    return this.renamed(
      {
        from: uniqueGroupNameStream(current.domainId, current.name),
        to: patch.name === undefined ? null : uniqueGroupNameStream(current.domainId, patch.name),
        owner: groupStream(groupId),
        resource: 'group',
        name: patch.name,
      },
      () => new KeystoneError(409, `Conflict occurred attempting to store group - Duplicate entry found with name ${patch.name} at domain ID ${current.domainId}.`),
      async () => (await runCommand(this.store, groupDecider, groupStream(groupId), 'UpdateGroup', { groupId, name: patch.name, description: patch.description }, meta)).position,
      meta,
    );
  }

  async deleteGroup(groupId: string, meta: CommandMetadata): Promise<Position | null> {
    const result = await runCommand(this.store, groupDecider, groupStream(groupId), 'DeleteGroup', { groupId }, meta);
    const deleted = result.events.find((e) => e.type === 'GroupDeleted');
    if (!deleted || deleted.type !== 'GroupDeleted') return result.position;
    return (await this.release(uniqueGroupNameStream(deleted.data.domainId, deleted.data.name), groupStream(groupId), meta)).position;
  }

  async groupMembership(groupId: string, userId: string, add: boolean, meta: CommandMetadata): Promise<Position | null> {
    if (!this.tokens.model.user(userId)) throw notFound('user', userId);
    const type = add ? 'AddUserToGroup' : 'RemoveUserFromGroup';
    return (await runCommand(this.store, groupDecider, groupStream(groupId), type, { groupId, userId }, meta)).position;
  }

  async createApplicationCredential(
    input: { userId: string; projectId: string; name: string; description?: string | null; secretHash: string; roleIds: string[]; expiresAt?: string | null; unrestricted?: boolean; accessRules?: AccessRule[] },
    meta: CommandMetadata,
  ): Promise<{ id: string; position: Position | null }> {
    const id = newEntityId('appcred', meta);
    const reservation = uniqueApplicationCredentialNameStream(input.userId, input.name);
    try {
      await this.reserve(reservation, applicationCredentialStream(id), 'application_credential', input.name, meta);
    } catch (e) {
      if (e instanceof Conflict) throw new KeystoneError(409, `Conflict occurred attempting to store application_credential - Duplicate entry found with name ${input.name}.`);
      throw e;
    }
    try {
      const result = await runCommand(this.store, applicationCredentialDecider, applicationCredentialStream(id), 'CreateApplicationCredential', { id, ...input }, meta);
      return { id, position: result.position };
    } catch (e) {
      await this.release(reservation, applicationCredentialStream(id), meta);
      throw e;
    }
  }

  /** The user's access rule for (service, method, path): created on first use, then shared by every credential naming it. */
  async ensureAccessRule(userId: string, rule: { service: string; method: AccessRule['method']; path: string }, meta: CommandMetadata): Promise<{ id: string; position: Position | null }> {
    const id = keystoneId(uuidFromName(`access-rule\u0000${userId}\u0000${rule.service}\u0000${rule.method}\u0000${rule.path}`));
    const result = await runCommand(this.store, accessRuleDecider, accessRuleStream(id), 'CreateAccessRule', { id, userId, ...rule }, meta);
    return { id, position: result.position };
  }

  async deleteAccessRule(id: string, userId: string, usedBy: string[], meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, accessRuleDecider, accessRuleStream(id), 'DeleteAccessRule', { id, userId, usedBy }, meta)).position;
  }

  async deleteApplicationCredential(id: string, meta: CommandMetadata): Promise<Position | null> {
    const result = await runCommand(this.store, applicationCredentialDecider, applicationCredentialStream(id), 'DeleteApplicationCredential', { id }, meta);
    const deleted = result.events.find((e) => e.type === 'ApplicationCredentialDeleted');
    if (!deleted || deleted.type !== 'ApplicationCredentialDeleted') return result.position;
    return (await this.release(uniqueApplicationCredentialNameStream(deleted.data.userId, deleted.data.name), applicationCredentialStream(id), meta)).position;
  }

  async createRegion(input: { id?: string; description?: string | null; parentRegionId?: string | null }, meta: CommandMetadata): Promise<{ regionId: string; position: Position | null }> {
    const regionId = input.id ?? newEntityId('region', meta);
    const result = await runCommand(this.store, regionDecider, regionStream(regionId), 'CreateRegion', { regionId, description: input.description, parentRegionId: input.parentRegionId }, meta);
    return { regionId, position: result.position };
  }

  async updateRegion(regionId: string, patch: { description?: string | null; parentRegionId?: string | null }, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, regionDecider, regionStream(regionId), 'UpdateRegion', { regionId, ...patch }, meta)).position;
  }

  deleteRegion(regionId: string, meta: CommandMetadata): Promise<Position | null> {
    return runCommand(this.store, regionDecider, regionStream(regionId), 'DeleteRegion', { regionId }, meta).then((r) => r.position);
  }

  async createService(input: { type: string; name?: string | null; description?: string | null; enabled?: boolean }, meta: CommandMetadata): Promise<{ serviceId: string; position: Position | null }> {
    const serviceId = newEntityId('service', meta);
    const result = await runCommand(this.store, serviceDecider, serviceStream(serviceId), 'CreateService', { serviceId, ...input }, meta);
    return { serviceId, position: result.position };
  }

  async updateService(serviceId: string, patch: { type?: string; name?: string | null; description?: string | null; enabled?: boolean }, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, serviceDecider, serviceStream(serviceId), 'UpdateService', { serviceId, ...patch }, meta)).position;
  }

  deleteService(serviceId: string, meta: CommandMetadata): Promise<Position | null> {
    return runCommand(this.store, serviceDecider, serviceStream(serviceId), 'DeleteService', { serviceId }, meta).then((r) => r.position);
  }

  async createEndpoint(
    input: { serviceId: string; interface: EndpointInterface; url: string; regionId?: string | null; enabled?: boolean },
    meta: CommandMetadata,
  ): Promise<{ endpointId: string; position: Position | null }> {
    const endpointId = newEntityId('endpoint', meta);
    const result = await runCommand(this.store, endpointDecider, endpointStream(endpointId), 'CreateEndpoint', { endpointId, ...input }, meta);
    return { endpointId, position: result.position };
  }

  async updateEndpoint(
    endpointId: string,
    patch: { serviceId?: string; interface?: EndpointInterface; url?: string; regionId?: string | null; enabled?: boolean },
    meta: CommandMetadata,
  ): Promise<Position | null> {
    return (await runCommand(this.store, endpointDecider, endpointStream(endpointId), 'UpdateEndpoint', { endpointId, ...patch }, meta)).position;
  }

  deleteEndpoint(endpointId: string, meta: CommandMetadata): Promise<Position | null> {
    return runCommand(this.store, endpointDecider, endpointStream(endpointId), 'DeleteEndpoint', { endpointId }, meta).then((r) => r.position);
  }

  /** The role's and the project's domains go with the command: Keystone refuses a domain-specific role elsewhere. */
  async assignRole(grant: RoleAssignment, meta: CommandMetadata): Promise<Position | null> {
    const role = this.tokens.model.role(grant.roleId);
    const project = grant.targetType === 'project' ? this.tokens.model.project(grant.targetId) : undefined;
    const context = role ? { roleDomainId: role.domainId, ...(project ? { projectDomainId: project.domainId } : {}) } : undefined;
    return (await runCommand(this.store, assignmentDecider, assignmentStreamOf(grant), 'AssignRole', { ...grant, context }, meta)).position;
  }

  async unassignRole(grant: RoleAssignment, meta: CommandMetadata): Promise<Position | null> {
    return (await runCommand(this.store, assignmentDecider, assignmentStreamOf(grant), 'UnassignRole', grant, meta)).position;
  }
}

/** A cascade step whose target is already gone (a concurrent delete) has nothing left to do. */
async function ignoreNotFound<T>(step: Promise<T>): Promise<T | null> {
  try {
    return await step;
  } catch (e) {
    if (e instanceof NotFound) return null;
    throw e;
  }
}

/** Keystone stores a domain as a project acting as a domain, and says so. */
function domainNameConflict(name: string): KeystoneError {
  return new KeystoneError(409, `Conflict occurred attempting to store project - it is not permitted to have two projects acting as domains with the same name: ${name}.`);
}
