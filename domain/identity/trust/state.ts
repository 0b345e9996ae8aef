import { TrustCreated, TrustEvent } from './events';

export type Trust = TrustCreated['data'];

export type TrustState = { status: 'absent' } | { status: 'active'; trust: Trust } | { status: 'deleted'; trust: Trust };

export const initialTrustState: TrustState = { status: 'absent' };

export function evolveTrust(state: TrustState, event: TrustEvent): TrustState {
  switch (event.type) {
    case 'TrustCreated':
      return { status: 'active', trust: event.data };
    case 'TrustUseConsumed':
      return state.status === 'active' ? { status: 'active', trust: { ...state.trust, remainingUses: event.data.remainingUses } } : state;
    case 'TrustDeleted':
      return state.status === 'active' ? { status: 'deleted', trust: state.trust } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** Keystone's `get_trust`: a trust past its expiry or out of uses is not found. */
export function isUsable(trust: Trust, nowMs: number): boolean {
  if (trust.expiresAt !== null && !(nowMs < Date.parse(trust.expiresAt))) return false;
  return trust.remainingUses === null || trust.remainingUses > 0;
}
