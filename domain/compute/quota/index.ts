import { Decider } from '../../kernel';
import { QuotaCommand } from './commands';
import { decideQuota } from './decide';
import { QuotaEvent } from './events';
import { evolveQuota, initialQuotaState, QuotaState } from './state';

export * from './commands';
export * from './events';
export * from './quotas';
export type { QuotaState } from './state';

export const quotaDecider: Decider<QuotaCommand, QuotaEvent, QuotaState> = {
  initialState: initialQuotaState,
  evolve: evolveQuota,
  decide: decideQuota,
};
