import { DomainEvent } from '../../kernel';

export type ActorType = 'user' | 'group';
export type TargetType = 'project' | 'domain' | 'system';

/** One grant of a role; for the system target, `targetId` is `all` (Keystone's only system scope). */
export interface RoleAssignment {
  actorType: ActorType;
  actorId: string;
  targetType: TargetType;
  targetId: string;
  roleId: string;
  /** OS-INHERIT: a grant on a domain or project that applies to the projects below it. */
  inherited: boolean;
}

export type RoleAssigned = DomainEvent<'RoleAssigned', RoleAssignment>;
export type RoleUnassigned = DomainEvent<'RoleUnassigned', RoleAssignment>;

export type AssignmentEvent = RoleAssigned | RoleUnassigned;
