import { assertNever, InvalidInput } from '../../kernel';
import { QuotaClassCommand, QuotaCommand, RevertQuotaSet, UpdateQuotaClassSet, UpdateQuotaSet } from './commands';
import { QuotaClassEvent, QuotaEvent } from './events';
import { effectiveLimits, QuotaLimits, QuotaResource } from './quotas';
import { QuotaClassState, QuotaState } from './state';

export function updateQuotaSet(command: UpdateQuotaSet, state: QuotaState): QuotaEvent[] {
  const current = effectiveLimits(state.limits);
  const changed: Partial<QuotaLimits> = {};
  for (const [resource, limit] of Object.entries(command.data.limits) as [QuotaResource, number][]) {
    const used = command.data.inUse[resource] ?? 0;
    // nova/api/openstack/compute/quota_sets.py `_validate_quota_limit`
    if (!command.data.force && limit !== -1 && limit < used) {
      throw new InvalidInput(`Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${used}.`, { resource });
    }
    if (current[resource] !== limit || state.limits[resource] === undefined) changed[resource] = limit;
  }
  if (Object.keys(changed).length === 0) return [];
  return [{ type: 'QuotaSetUpdated', data: { projectId: command.data.projectId, limits: changed } }];
}

export function revertQuotaSet(command: RevertQuotaSet, state: QuotaState): QuotaEvent[] {
  if (Object.keys(state.limits).length === 0) return [];
  return [{ type: 'QuotaSetReverted', data: { projectId: command.data.projectId } }];
}

export function decideQuota(command: QuotaCommand, state: QuotaState): QuotaEvent[] {
  switch (command.type) {
    case 'UpdateQuotaSet':
      return updateQuotaSet(command, state);
    case 'RevertQuotaSet':
      return revertQuotaSet(command, state);
    default:
      return assertNever(command);
  }
}

/** nova/api/openstack/compute/quota_classes.py `update`: no usage check, the values are recorded as given. */
export function updateQuotaClassSet(command: UpdateQuotaClassSet, state: QuotaClassState): QuotaClassEvent[] {
  const changed = Object.fromEntries(Object.entries(command.data.limits).filter(([resource, limit]) => state.limits[resource] !== limit));
  if (Object.keys(changed).length === 0) return [];
  return [{ type: 'QuotaClassSetUpdated', data: { className: command.data.className, limits: changed } }];
}

/** A quota class has one command so far. */
export function decideQuotaClass(command: QuotaClassCommand, state: QuotaClassState): QuotaClassEvent[] {
  return updateQuotaClassSet(command, state);
}
