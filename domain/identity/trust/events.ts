import { DomainEvent } from '../../kernel';

/** Keystone's trust row (trust/backends/sql.py `TrustModel`) with its delegated role ids. */
export type TrustCreated = DomainEvent<
  'TrustCreated',
  {
    id: string;
    trustorUserId: string;
    trusteeUserId: string;
    /** null: a trust on no project (Keystone allows it; its tokens carry no roles). */
    projectId: string | null;
    impersonation: boolean;
    roleIds: string[];
    expiresAt: string | null;
    /** null: unlimited. */
    remainingUses: number | null;
    /** How many more times the trustee may redelegate (0: not redelegatable). */
    redelegationCount: number;
    redelegatedTrustId: string | null;
  }
>;

/** A token was issued through a trust with limited uses; `remainingUses` is what is left after it. */
export type TrustUseConsumed = DomainEvent<'TrustUseConsumed', { id: string; remainingUses: number }>;

export type TrustDeleted = DomainEvent<'TrustDeleted', { id: string; trustorUserId: string; trusteeUserId: string }>;

export type TrustEvent = TrustCreated | TrustUseConsumed | TrustDeleted;
