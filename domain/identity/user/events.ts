import { DomainEvent } from '../../kernel';
import { ResourceOptions } from '../validation';

export type UserCreated = DomainEvent<
  'UserCreated',
  {
    userId: string;
    domainId: string;
    name: string;
    enabled: boolean;
    defaultProjectId: string | null;
    description: string | null;
    email?: string;
    options: ResourceOptions;
    /** Keystone's extra attributes; absent when none were given (and in events recorded before they existed). */
    extra?: Record<string, unknown>;
    /** Salted hash made in infra (scrypt); null for a user without a password. Never the password. */
    passwordHash: string | null;
    passwordCreatedAt: string | null;
  }
>;

/** Only the fields that changed, with their new values; `enabled` travels in UserEnabled/UserDisabled. */
export type UserUpdated = DomainEvent<
  'UserUpdated',
  {
    userId: string;
    name?: string;
    defaultProjectId?: string | null;
    description?: string | null;
    email?: string | null;
    /** The whole option set after the merge. */
    options?: ResourceOptions;
    /** The whole set of extra attributes after the merge. */
    extra?: Record<string, unknown>;
  }
>;

// Own events so that auditors and the token index see a disablement without diffing updates.
export type UserDisabled = DomainEvent<'UserDisabled', { userId: string }>;
export type UserEnabled = DomainEvent<'UserEnabled', { userId: string }>;

export type UserPasswordChanged = DomainEvent<
  'UserPasswordChanged',
  { userId: string; passwordHash: string | null; changedAt: string; selfService: boolean }
>;

export type UserDeleted = DomainEvent<'UserDeleted', { userId: string; domainId: string; name: string }>;

export type UserEvent = UserCreated | UserUpdated | UserDisabled | UserEnabled | UserPasswordChanged | UserDeleted;
