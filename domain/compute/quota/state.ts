import { QuotaClassEvent, QuotaEvent } from './events';
import { QuotaLimits } from './quotas';

export interface QuotaState {
  limits: Partial<QuotaLimits>;
}

export const initialQuotaState: QuotaState = { limits: {} };

export function evolveQuota(state: QuotaState, event: QuotaEvent): QuotaState {
  switch (event.type) {
    case 'QuotaSetUpdated':
      return { limits: { ...state.limits, ...event.data.limits } };
    case 'QuotaSetReverted':
      return { limits: {} };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** A quota class: only the limits set on it (the configured defaults stand for the rest). */
export interface QuotaClassState {
  limits: Record<string, number>;
}

export const initialQuotaClassState: QuotaClassState = { limits: {} };

export function evolveQuotaClass(state: QuotaClassState, event: QuotaClassEvent): QuotaClassState {
  switch (event.type) {
    case 'QuotaClassSetUpdated':
      return { limits: { ...state.limits, ...event.data.limits } };
    default:
      return state;
  }
}
