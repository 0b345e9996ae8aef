import { QuotaEvent } from './events';
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
