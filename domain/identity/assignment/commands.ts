import { Command } from '../../kernel';
import { RoleAssignment } from './events';

/** What Keystone's `create_grant` checks about the role and target, loaded by infra from their aggregates. */
export interface GrantContext {
  /** The role's domain; null for a global role. */
  roleDomainId: string | null;
  /** For a project target: the project's domain. */
  projectDomainId?: string;
}

/** Actor, target and role existence are checked by infra before the command (Keystone answers 404). */
export type AssignRole = Command<'AssignRole', RoleAssignment & { context?: GrantContext }>;
export type UnassignRole = Command<'UnassignRole', RoleAssignment>;

export type AssignmentCommand = AssignRole | UnassignRole;
