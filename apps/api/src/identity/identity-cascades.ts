import { Injectable } from '@nestjs/common';
import { CommandMetadata, NotFound, Position } from '../../../../domain/kernel';
import { ExtensionReads } from './extension-reads';
import { ExtensionWrites } from './extension-writes';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { KeystoneError, notFound } from './keystone-errors';
import { TrustReads } from './trust-reads';
import { TrustWrites } from './trust-writes';

/**
 * What Keystone deletes along with a user, a project or a domain, done here as events: every
 * dependent goes by its own command on its own stream (dependents first, the owner last), all
 * under the request's metadata so one correlation id ties the cascade together for auditors, and
 * the call returns only once every read model and the token index have applied the lot.
 *
 * The cascade is driven by the API process, not by a saga: a crash half-way leaves the dependents
 * already deleted deleted (each step is a complete event) and the owner still there; the client's
 * retry with the same request id replays the steps done and finishes the rest.
 */
@Injectable()
export class IdentityCascades {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
    private readonly extensionReads: ExtensionReads,
    private readonly extensionWrites: ExtensionWrites,
    private readonly trustReads: TrustReads,
    private readonly trustWrites: TrustWrites,
  ) {}

  /**
   * Keystone identity core `delete_user` and its callbacks: the user leaves every group, loses
   * every grant, and their application credentials, access rules, credentials (EC2 included) and
   * the trusts they gave or hold are deleted; then the user.
   */
  async deleteUser(userId: string, meta: CommandMetadata): Promise<void> {
    await this.wait(await this.userSteps(userId, meta));
  }

  private async userSteps(userId: string, meta: CommandMetadata): Promise<Position | null> {
    if (!(await this.reads.user(userId))) throw notFound('user', userId);
    const steps = new Steps();
    for (const group of await this.reads.groups({ memberId: userId })) steps.add(await ignoreNotFound(this.writes.groupMembership(group.id, userId, false, meta)));
    steps.add(await this.writes.unassignAll(await this.reads.grantsOn('actor_id', userId), meta));
    for (const credential of await this.reads.applicationCredentials(userId)) steps.add(await ignoreNotFound(this.writes.deleteApplicationCredential(credential.id, meta)));
    for (const rule of await this.reads.accessRules(userId)) steps.add(await ignoreNotFound(this.writes.deleteAccessRule(rule.id, userId, [], meta)));
    for (const credential of await this.extensionReads.credentials({ user_id: userId })) steps.add(await ignoreNotFound(this.extensionWrites.deleteCredential(credential.id, meta)));
    const trusts = [...(await this.trustReads.trusts({ trustorUserId: userId })), ...(await this.trustReads.trusts({ trusteeUserId: userId }))];
    for (const id of new Set(trusts.map((t) => t.id))) steps.add(await ignoreNotFound(this.trustWrites.delete(id, meta)));
    steps.add(await this.writes.deleteUser(userId, meta));
    return steps.last;
  }

  /** Keystone `delete_project` (a leaf): its grants and the application credentials on it go with it. */
  async deleteProject(projectId: string, hasChildren: boolean, meta: CommandMetadata): Promise<void> {
    await this.wait(await this.projectSteps(projectId, hasChildren, meta));
  }

  private async projectSteps(projectId: string, hasChildren: boolean, meta: CommandMetadata): Promise<Position | null> {
    const steps = new Steps();
    steps.add(await this.writes.deleteProject(projectId, hasChildren, meta));
    steps.add(await this.writes.unassignAll(await this.reads.grantsOn('target_id', projectId), meta));
    for (const credential of await this.reads.applicationCredentialsOnProject(projectId)) steps.add(await ignoreNotFound(this.writes.deleteApplicationCredential(credential.id, meta)));
    return steps.last;
  }

  /**
   * Keystone resource core `delete_domain`: refused (403) while the domain is enabled; otherwise its
   * projects (leaves first), users and groups go first, each with what hangs on it, then its
   * domain-specific roles, the grants on the domain, its configuration, and the domain itself.
   */
  async deleteDomain(domainId: string, meta: CommandMetadata): Promise<void> {
    const domain = await this.reads.domain(domainId);
    if (!domain) throw notFound('domain', domainId);
    if (domain.enabled) throw new KeystoneError(403, 'Cannot delete a domain that is enabled, please disable it first.');
    const steps = new Steps();
    const remaining = new Map((await this.reads.projects({ domain_id: domainId })).map((p) => [p.id, p]));
    while (remaining.size > 0) {
      const parents = new Set([...remaining.values()].map((p) => p.parent_id));
      for (const project of [...remaining.values()].filter((p) => !parents.has(p.id))) {
        steps.add(await this.projectSteps(project.id, false, meta));
        remaining.delete(project.id);
      }
    }
    for (const user of await this.reads.users({ domain_id: domainId })) steps.add(await this.userSteps(user.id, meta));
    for (const group of await this.reads.groups({ domain_id: domainId })) {
      steps.add(await this.writes.unassignAll(await this.reads.grantsOn('actor_id', group.id), meta));
      steps.add(await this.writes.deleteGroup(group.id, meta));
    }
    for (const role of await this.reads.roles(undefined, domainId)) steps.add(await this.writes.deleteRole(role.id, meta));
    steps.add(await this.writes.unassignAll(await this.reads.grantsOn('target_id', domainId), meta));
    if (await this.extensionReads.domainConfig(domainId)) steps.add(await ignoreNotFound(this.extensionWrites.deleteDomainConfig(domainId, null, null, meta)));
    steps.add(await this.writes.deleteDomain(domainId, meta));
    await this.wait(steps.last);
  }

  private async wait(position: Position | null): Promise<void> {
    await Promise.all([
      this.reads.waitFor(position, ['identity_resources', 'identity_users', 'identity_assignments', 'identity_application_credentials']),
      this.extensionReads.waitFor(position, ['identity_credentials', 'identity_domain_configs']),
      this.trustReads.waitFor(position),
    ]);
  }
}

/** The position of the last event a cascade wrote (positions only grow). */
class Steps {
  last: Position | null = null;
  add(position: Position | null): void {
    if (position !== null) this.last = position;
  }
}

/** A step whose target is already gone (a concurrent delete, an expired trust) has nothing left to do. */
async function ignoreNotFound<T>(step: Promise<T>): Promise<T | null> {
  try {
    return await step;
  } catch (e) {
    if (e instanceof NotFound) return null;
    throw e;
  }
}
