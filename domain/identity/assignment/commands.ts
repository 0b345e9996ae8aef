import { Command } from '../../kernel';
import { RoleAssignment } from './events';

/** Actor, target and role existence are checked by infra before the command (Keystone answers 404). */
export type AssignRole = Command<'AssignRole', RoleAssignment>;
export type UnassignRole = Command<'UnassignRole', RoleAssignment>;

export type AssignmentCommand = AssignRole | UnassignRole;
