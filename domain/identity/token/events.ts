import { DomainEvent } from '../../kernel';

export type TokenScope =
  | { type: 'project'; projectId: string; domainId?: string }
  | { type: 'domain'; domainId: string }
  | { type: 'system'; system: 'all' }
  | { type: 'unscoped' };

export type TokenIssued = DomainEvent<
  'TokenIssued',
  {
    tokenId: string;
    /** SHA-256 (hex) of the random token value, computed in infra; the value itself never enters the log. */
    tokenHash: string;
    userId: string;
    methods: string[];
    scope: TokenScope;
    roleIds: string[];
    issuedAt: string;
    expiresAt: string;
    auditIds: string[];
    applicationCredentialId?: string;
    /** Audit id of the token this one was rescoped from (`token` method). */
    parentAuditId?: string;
    /** OS-TRUST: the trust this token was issued through; `userId` is then the trustee, `scope` the trust's project. */
    trustId?: string;
  }
>;

export type TokenRevoked = DomainEvent<'TokenRevoked', { tokenId: string; userId: string; auditIds: string[]; reason: string }>;

export type TokenEvent = TokenIssued | TokenRevoked;
