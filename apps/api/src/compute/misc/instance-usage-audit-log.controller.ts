import { Controller, Get, Param, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { authorize, CurrentToken, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { badRequest, NovaExceptionFilter } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { ResourceReads } from '../resources/resource-reads';
import { lastCompletedAuditPeriod, NaiveTime, parseBeforeTimestamp, pythonStr } from './audit-period';

/** nova.conf `instance_usage_audit_period`'s default. */
const AUDIT_PERIOD = 'month';

/**
 * Nova's os-instance_usage_audit_log (nova/api/openstack/compute/instance_usage_audit_log.py), admin only:
 * how the compute hosts' instance-usage audit task went over the last completed audit period. Strata runs
 * no such task, so the answer is Nova's when the task has run on no host: every compute host (disabled ones
 * included, as Nova counts them) not run, nothing done, no instances, no errors.
 */
@Controller('compute/v2.1/os-instance_usage_audit_log')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class InstanceUsageAuditLogController {
  constructor(private readonly reads: ResourceReads) {}

  @Get()
  async list(@CurrentToken() token: TokenContext) {
    authorize('os_compute_api:os-instance-usage-audit-log:list', isAdmin(token));
    return { instance_usage_audit_logs: await this.auditLog({ ms: Date.now(), micros: 0 }) };
  }

  /** The period completed before the given time (`%Y-%m-%d %H:%M:%S[.%f]`, UTC). */
  @Get(':before')
  async show(@Param('before') before: string, @CurrentToken() token: TokenContext) {
    authorize('os_compute_api:os-instance-usage-audit-log:show', isAdmin(token));
    const at = parseBeforeTimestamp(before);
    if (!at) throw badRequest(`Invalid timestamp for date ${before}`);
    return { instance_usage_audit_log: await this.auditLog(at) };
  }

  /** `_get_audit_task_logs` with no task log in the period. */
  private async auditLog(before: NaiveTime) {
    const { begin, end } = lastCompletedAuditPeriod(before, AUDIT_PERIOD);
    const hosts = (await this.reads.hosts()).map((h) => h.host);
    const done = 0;
    return {
      period_beginning: pythonStr(begin),
      period_ending: pythonStr(end),
      num_hosts: hosts.length,
      num_hosts_done: done,
      num_hosts_running: 0,
      num_hosts_not_run: hosts.length,
      hosts_not_run: hosts,
      total_instances: 0,
      total_errors: 0,
      overall_status: `${done === hosts.length ? 'ALL' : `${done} of ${hosts.length}`} hosts done. 0 errors.`,
      log: {},
    };
  }
}
