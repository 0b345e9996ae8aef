import { Controller, Get, Inject, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { EventStore } from '../../../../domain/kernel';
import { InvalidAsOf, parseAsOf } from '../../../../infra/audit/as-of';
import { HistoryEntry, readHistory } from '../../../../infra/audit/history';
import { RESOURCE_TYPES, resourceType } from '../../../../infra/audit/resource-types';
import { authorize, CurrentToken, TokenContext, TokenGuard } from '../../../shared/src/auth';
import { EVENT_STORE } from '../../../shared/src/runtime.tokens';
import { auditScope } from './audit-access';
import { limitParam, RawQuery, readQuery } from './strata-query';
import { badRequest, notFound, StrataExceptionFilter } from './strata-errors';

const MAX_LIMIT = 10_000;

export function historyEntryView(e: HistoryEntry) {
  return {
    version: e.version,
    position: e.position,
    event_id: e.eventId,
    type: e.type,
    occurred_at: e.occurredAt,
    recorded_at: e.recordedAt,
    actor: { user_id: e.actor.userId, project_id: e.actor.projectId, domain_id: e.actor.domainId, roles: e.actor.roles },
    request_id: e.requestId,
    correlation_id: e.correlationId,
    causation_id: e.causationId,
    summary: e.summary,
    changes: e.changes,
    data: e.data,
  };
}

/**
 * `GET /strata/v1/history/{resource_type}/{id}`: every event of one resource, in order, with who
 * did it, in which request, and what changed. Admins and auditors read any resource; a reader of
 * a project reads its resources' histories; to anyone else a resource has no history (404).
 */
@Controller('strata/v1/history')
@UseFilters(StrataExceptionFilter)
@UseGuards(TokenGuard)
export class HistoryController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get(':type/:id')
  async history(@CurrentToken() token: TokenContext, @Param('type') typeName: string, @Param('id') id: string, @Query() raw: RawQuery) {
    const scope = auditScope(token);
    authorize('strata:history:get', scope.kind !== 'none');
    const query = readQuery(raw, ['limit', 'marker', 'as_of']);
    const type = resourceType(typeName);
    if (!type) throw notFound(`Unknown resource type ${typeName}; known: ${RESOURCE_TYPES.map((t) => t.name).join(', ')}`);
    const limit = limitParam(query.limit, MAX_LIMIT, MAX_LIMIT);
    if (query.marker !== undefined && !/^\d+$/.test(query.marker)) throw badRequest(`Invalid marker ${JSON.stringify(query.marker)}: the version of the last event of the previous page`);
    let asOf;
    try {
      asOf = query.as_of === undefined ? undefined : parseAsOf(query.as_of);
    } catch (error) {
      if (error instanceof InvalidAsOf) throw badRequest(error.message);
      throw error;
    }
    const history = await readHistory(this.store, type, id, { afterVersion: query.marker === undefined ? undefined : Number(query.marker), limit, asOf });
    const hidden = scope.kind === 'project' && history.ownerProject !== scope.projectId;
    if (history.total === 0 || hidden) throw notFound(`No history for ${type.name} ${id}${asOf ? ' at that time' : ''}`);
    const last = history.events[history.events.length - 1];
    const more = last !== undefined && history.events.length === limit && last.version < history.total - 1;
    return {
      resource: { type: type.name, id, stream: history.stream, project_id: history.ownerProject, events: history.total },
      events: history.events.map(historyEntryView),
      state: history.state,
      next_marker: more ? String(last.version) : null,
    };
  }
}
