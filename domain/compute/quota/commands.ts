import { Command } from '../../kernel';
import { QuotaLimits, QuotaResource } from './quotas';

/** `inUse`: the project's usage of each resource set, counted by the caller (Nova refuses limits below it unless forced). */
export type UpdateQuotaSet = Command<'UpdateQuotaSet', { projectId: string; limits: Partial<QuotaLimits>; inUse: Partial<Record<QuotaResource, number>>; force: boolean }>;
export type RevertQuotaSet = Command<'RevertQuotaSet', { projectId: string }>;

export type QuotaCommand = UpdateQuotaSet | RevertQuotaSet;

/**
 * os-quota-class-sets PUT: the class's limits (the `default` class: every project's defaults), by
 * Nova resource name: Nova records the nova-network ones too (shown before 2.50), though none is enforced.
 */
export type UpdateQuotaClassSet = Command<'UpdateQuotaClassSet', { className: string; limits: Record<string, number> }>;
export type QuotaClassCommand = UpdateQuotaClassSet;
