import { Controller, Get, Query, UseFilters, UseGuards } from '@nestjs/common';
import { AuditFilter, AuditRecord, queryAudit } from '../../../../infra/audit/audit-query';
import { authorize, CurrentToken, TokenContext, TokenGuard } from '../../../shared/src/auth';
import { maskFields } from '../../../../domain/kernel';
import { auditScope, hiddenFrom } from './audit-access';
import { StrataExceptionFilter } from './strata-errors';
import { StrataReadModel } from './strata-read-model';
import { limitParam, RawQuery, readQuery, timeParam } from './strata-query';

const PARAMETERS = ['user_id', 'project_id', 'resource_type', 'resource_id', 'event_type', 'since', 'until', 'request_id', 'correlation_id', 'limit', 'marker'] as const;

export function auditRecordView(e: AuditRecord, hidden: (key: string) => boolean = () => false) {
  return {
    position: e.position,
    event_id: e.eventId,
    occurred_at: e.occurredAt,
    type: e.type,
    resource: { type: e.resource.type, id: e.resource.id, stream: e.resource.stream, version: e.resource.version, project_id: e.resource.projectId },
    actor: { user_id: e.actor.userId, project_id: e.actor.projectId, domain_id: e.actor.domainId, roles: e.actor.roles },
    request_id: e.requestId,
    correlation_id: e.correlationId,
    causation_id: e.causationId,
    ...(e.depth !== undefined ? { depth: e.depth } : {}),
    data: maskFields(e.data, hidden),
  };
}

/**
 * `GET /strata/v1/audit`: the audit trail, filtered by actor, resource, event type, time, request
 * or correlation, in log order, paged by position (`marker`). `request_id` gives everything one
 * API call caused, across services, in causal order. Admins and auditors see every project; a
 * reader of a project sees only events on its resources.
 */
@Controller('strata/v1/audit')
@UseFilters(StrataExceptionFilter)
@UseGuards(TokenGuard)
export class AuditController {
  constructor(private readonly rm: StrataReadModel) {}

  @Get()
  async audit(@CurrentToken() token: TokenContext, @Query() raw: RawQuery) {
    const scope = auditScope(token);
    authorize('strata:audit:list', scope.kind !== 'none');
    const q = readQuery(raw, PARAMETERS);
    const filter: AuditFilter = {
      userId: q.user_id,
      projectId: q.project_id,
      resourceType: q.resource_type,
      resourceId: q.resource_id,
      eventType: q.event_type,
      since: timeParam('since', q.since),
      until: timeParam('until', q.until),
      causedByRequest: q.request_id,
      correlationId: q.correlation_id,
      resourceProjectId: scope.kind === 'project' ? scope.projectId : undefined,
    };
    const page = await queryAudit(this.rm.pool, filter, { limit: limitParam(q.limit, 100, 1000), marker: q.marker });
    const hidden = hiddenFrom(scope);
    return { events: page.events.map((e) => auditRecordView(e, hidden)), next_marker: page.next };
  }
}
