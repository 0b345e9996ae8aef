import { Decider } from '../../kernel';
import { QuotaClassCommand, QuotaCommand } from './commands';
import { decideQuota, decideQuotaClass } from './decide';
import { QuotaClassEvent, QuotaEvent } from './events';
import { evolveQuota, evolveQuotaClass, initialQuotaClassState, initialQuotaState, QuotaClassState, QuotaState } from './state';

export * from './commands';
export * from './events';
export * from './quotas';
export type { QuotaClassState, QuotaState } from './state';

export const quotaDecider: Decider<QuotaCommand, QuotaEvent, QuotaState> = {
  initialState: initialQuotaState,
  evolve: evolveQuota,
  decide: decideQuota,
};

export const quotaClassDecider: Decider<QuotaClassCommand, QuotaClassEvent, QuotaClassState> = {
  initialState: initialQuotaClassState,
  evolve: evolveQuotaClass,
  decide: decideQuotaClass,
};
