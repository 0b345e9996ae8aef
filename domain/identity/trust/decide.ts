import { assertNever, Conflict, Forbidden, InvalidInput, NotFound } from '../../kernel';
import { requireInstant, requireNonEmpty } from '../validation';
import { ConsumeTrustUse, CreateTrust, DeleteTrust, RedelegatedTrust, TrustCommand } from './commands';
import { TrustEvent } from './events';
import { isUsable, TrustState } from './state';

/** Keystone's `[trust] max_redelegation_count` default. */
export const MAX_REDELEGATION_COUNT = 3;

// Keystone's ForbiddenAction and ValidationError texts (keystone/exception.py).
const forbidden = (action: string) => new Forbidden(`You are not authorized to perform the requested action: ${action}.`);
const CLIENT_ERROR = 'The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

const trustNotFound = (id: string) => new NotFound(`Could not find trust: ${id}.`, { id });

/** Keystone trust/core.py `_validate_redelegation`, against the trust the creator's token came from. */
function requireWithin(parent: RedelegatedTrust, roleIds: string[], impersonation: boolean, expiresAt: string | null, remainingUses: number | null): string | null {
  if (!(parent.redelegationCount > 0 && parent.redelegationCount <= MAX_REDELEGATION_COUNT)) {
    throw new Forbidden(`Remaining redelegation depth of ${parent.redelegationCount} out of allowed range of [0..${MAX_REDELEGATION_COUNT}]`);
  }
  if (remainingUses !== null) throw new Forbidden(`Field "remaining_uses" is set to ${remainingUses} while it must not be set in order to redelegate a trust`);
  if (expiresAt !== null && parent.expiresAt !== null && Date.parse(parent.expiresAt) < Date.parse(expiresAt)) {
    throw new Forbidden('Requested expiration time is more than redelegated trust can provide');
  }
  const parentRoles = new Set(parent.roleIds);
  if (!roleIds.every((id) => parentRoles.has(id))) throw new Forbidden('Some of requested roles are not in redelegated trust');
  if (!parent.impersonation && impersonation) {
    throw new Forbidden(`Impersonation is not allowed because redelegated trust does not specify impersonation. Redelegated trust id: ${parent.id}`);
  }
  return expiresAt ?? parent.expiresAt;
}

export function createTrust(command: CreateTrust, state: TrustState): TrustEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store trust - Duplicate ID, ${d.id}.`, { id: d.id });
  requireNonEmpty(d.trustorUserId, 'trustor_user_id');
  requireNonEmpty(d.trusteeUserId, 'trustee_user_id');
  if (typeof d.impersonation !== 'boolean') throw new InvalidInput("Invalid input for field 'impersonation': a boolean is required.", { field: 'impersonation' });
  const roleIds = [...new Set(d.roleIds)];
  if (d.projectId !== null && roleIds.length === 0) throw forbidden('At least one role should be specified');
  let expiresAt = d.expiresAt ?? null;
  if (expiresAt !== null && requireInstant(expiresAt, 'expires_at') < requireInstant(command.metadata.now, 'now')) {
    throw new InvalidInput(`The 'expires_at' must not be before now. ${CLIENT_ERROR}`, { field: 'expires_at' });
  }
  const remainingUses = d.remainingUses ?? null;
  if (remainingUses !== null && !(Number.isInteger(remainingUses) && remainingUses >= 1)) {
    throw new InvalidInput(`Invalid input for field 'remaining_uses': ${remainingUses} is less than the minimum of 1`, { field: 'remaining_uses' });
  }
  const requested = d.redelegationCount ?? null;
  if (requested !== null && !(Number.isInteger(requested) && requested >= 0)) {
    throw new InvalidInput(`Invalid input for field 'redelegation_count': ${requested} is less than the minimum of 0`, { field: 'redelegation_count' });
  }
  // Keystone trust/core.py `create_trust`: a trust is redelegatable only when asked for and not capped at 0.
  const redelegatable = d.allowRedelegation === true && requested !== 0;
  if (redelegatable) {
    if (requested !== null && requested > MAX_REDELEGATION_COUNT) {
      throw new Forbidden(`Requested redelegation depth of ${requested} is greater than allowed ${MAX_REDELEGATION_COUNT}`);
    }
    if (remainingUses !== null) throw new InvalidInput(`remaining_uses must not be set if redelegation is allowed ${CLIENT_ERROR}`, { field: 'remaining_uses' });
  }
  let redelegationCount = redelegatable ? (requested ?? MAX_REDELEGATION_COUNT) : 0;
  const parent = d.redelegatedFrom ?? null;
  if (parent !== null) {
    const remaining = parent.redelegationCount - 1;
    if (redelegatable && requested !== null && requested !== remaining) {
      throw new Forbidden('Modifying "redelegation_count" upon redelegation is forbidden. Omitting this parameter is advised.');
    }
    if (redelegatable) redelegationCount = remaining;
    expiresAt = requireWithin(parent, roleIds, d.impersonation, expiresAt, remainingUses);
  }
  return [
    {
      type: 'TrustCreated',
      data: {
        id: d.id,
        trustorUserId: d.trustorUserId,
        trusteeUserId: d.trusteeUserId,
        projectId: d.projectId,
        impersonation: d.impersonation,
        roleIds,
        expiresAt,
        remainingUses,
        redelegationCount,
        redelegatedTrustId: parent?.id ?? null,
      },
    },
  ];
}

export function consumeTrustUse(command: ConsumeTrustUse, state: TrustState): TrustEvent[] {
  const { id } = command.data;
  if (state.status !== 'active' || !isUsable(state.trust, requireInstant(command.metadata.now, 'now'))) throw trustNotFound(id);
  // An unlimited trust keeps no count: issuing through it changes nothing on the trust.
  if (state.trust.remainingUses === null) return [];
  return [{ type: 'TrustUseConsumed', data: { id, remainingUses: state.trust.remainingUses - 1 } }];
}

/** Keystone looks the trust up first: an expired or used-up trust is not found, even to its trustor. */
export function deleteTrust(command: DeleteTrust, state: TrustState): TrustEvent[] {
  const { id } = command.data;
  if (state.status !== 'active' || !isUsable(state.trust, requireInstant(command.metadata.now, 'now'))) throw trustNotFound(id);
  return [{ type: 'TrustDeleted', data: { id, trustorUserId: state.trust.trustorUserId, trusteeUserId: state.trust.trusteeUserId } }];
}

export function decideTrust(command: TrustCommand, state: TrustState): TrustEvent[] {
  switch (command.type) {
    case 'CreateTrust':
      return createTrust(command, state);
    case 'ConsumeTrustUse':
      return consumeTrustUse(command, state);
    case 'DeleteTrust':
      return deleteTrust(command, state);
    default:
      return assertNever(command);
  }
}
