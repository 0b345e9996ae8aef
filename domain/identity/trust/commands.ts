import { Command } from '../../kernel';

/** What the new trust needs to know about the trust its creator's token was scoped to (redelegation). */
export interface RedelegatedTrust {
  id: string;
  trusteeUserId: string;
  impersonation: boolean;
  roleIds: string[];
  expiresAt: string | null;
  redelegationCount: number;
}

/**
 * POST /v3/OS-TRUST/trusts. Infra resolves role names to ids and checks that the trustor holds
 * every role on the project and that the trustee exists; `now` (metadata) judges `expiresAt`.
 */
export type CreateTrust = Command<
  'CreateTrust',
  {
    id: string;
    trustorUserId: string;
    trusteeUserId: string;
    projectId: string | null;
    impersonation: boolean;
    roleIds: string[];
    expiresAt?: string | null;
    remainingUses?: number | null;
    allowRedelegation?: boolean | null;
    redelegationCount?: number | null;
    /** Set when the creator authenticated with a token scoped to this trust. */
    redelegatedFrom?: RedelegatedTrust | null;
  }
>;

/** Issuing a token through the trust: fails once it is expired or used up. */
export type ConsumeTrustUse = Command<'ConsumeTrustUse', { id: string }>;

export type DeleteTrust = Command<'DeleteTrust', { id: string }>;

export type TrustCommand = CreateTrust | ConsumeTrustUse | DeleteTrust;
