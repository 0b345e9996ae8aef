import { DomainEvent } from '../../kernel';

/** Keystone access rule: which API call the credential may make. */
export interface AccessRule {
  /** The user's access rule this one is (accessRuleStream); absent in events recorded before rules had ids. */
  id?: string;
  service: string;
  method: 'POST' | 'GET' | 'HEAD' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
}

export type ApplicationCredentialCreated = DomainEvent<
  'ApplicationCredentialCreated',
  {
    id: string;
    userId: string;
    projectId: string;
    name: string;
    description: string | null;
    /** Salted hash of the secret made in infra; the secret is shown to the client once and never stored. */
    secretHash: string;
    roleIds: string[];
    expiresAt: string | null;
    unrestricted: boolean;
    accessRules?: AccessRule[];
  }
>;

export type ApplicationCredentialDeleted = DomainEvent<'ApplicationCredentialDeleted', { id: string; userId: string; name: string }>;

export type ApplicationCredentialEvent = ApplicationCredentialCreated | ApplicationCredentialDeleted;
