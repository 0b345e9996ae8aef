import { Command } from '../../kernel';
import { QuotaLimits, QuotaResource } from './quotas';

/** `inUse`: the project's usage of each resource set, counted by the caller (Nova refuses limits below it unless forced). */
export type UpdateQuotaSet = Command<'UpdateQuotaSet', { projectId: string; limits: Partial<QuotaLimits>; inUse: Partial<Record<QuotaResource, number>>; force: boolean }>;
export type RevertQuotaSet = Command<'RevertQuotaSet', { projectId: string }>;

export type QuotaCommand = UpdateQuotaSet | RevertQuotaSet;
