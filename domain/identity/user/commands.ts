import { Command } from '../../kernel';
import { ResourceOptions } from '../validation';

/** JSON values only: they travel in events as they are. */
export type UserExtra = Record<string, unknown>;

export type CreateUser = Command<
  'CreateUser',
  {
    userId: string;
    domainId: string;
    name: string;
    enabled?: boolean;
    defaultProjectId?: string | null;
    description?: string | null;
    email?: string;
    options?: ResourceOptions;
    /** Keystone's free-form attributes (any key the schema does not name), returned flat with the user. */
    extra?: UserExtra;
    /** Already hashed in infra; the domain never sees a password. */
    passwordHash?: string | null;
  }
>;

/** Keystone PATCH /v3/users/{id}: an admin may also reset the password without the original one. */
export type UpdateUser = Command<
  'UpdateUser',
  {
    userId: string;
    name?: string;
    enabled?: boolean;
    defaultProjectId?: string | null;
    description?: string | null;
    email?: string | null;
    options?: ResourceOptions;
    /** Merged into the stored extra attributes, as Keystone's update does. */
    extra?: UserExtra;
    passwordHash?: string | null;
  }
>;

/** POST /v3/users/{id}/password: infra checks `original_password` against the stored hash first. */
export type ChangeUserPassword = Command<
  'ChangeUserPassword',
  { userId: string; passwordHash: string; originalPasswordVerified: boolean }
>;

export type DeleteUser = Command<'DeleteUser', { userId: string }>;

export type UserCommand = CreateUser | UpdateUser | ChangeUserPassword | DeleteUser;
