import { Command } from '../../kernel';
import { AccessRule } from './events';

/**
 * POST /v3/users/{user_id}/application_credentials. `roleIds` are resolved by infra from the
 * request (or the token's roles when none are given) and checked against the user's grants.
 */
export type CreateApplicationCredential = Command<
  'CreateApplicationCredential',
  {
    id: string;
    userId: string;
    projectId: string;
    name: string;
    description?: string | null;
    secretHash: string;
    roleIds: string[];
    expiresAt?: string | null;
    unrestricted?: boolean;
    accessRules?: AccessRule[];
  }
>;

export type DeleteApplicationCredential = Command<'DeleteApplicationCredential', { id: string }>;

export type ApplicationCredentialCommand = CreateApplicationCredential | DeleteApplicationCredential;
