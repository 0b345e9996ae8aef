import { Controller, Get, Inject, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { EventStore, maskChanges, maskFields, summarizeChanges } from '../../../../domain/kernel';
import { InvalidAsOf, parseAsOf } from '../../../../infra/audit/as-of';
import { HistoryEntry, HistorySnapshots, readHistory } from '../../../../infra/audit/history';
import { RESOURCE_TYPES, resourceType } from '../../../../infra/audit/resource-types';
import { authorize, CurrentToken, TokenContext, TokenGuard } from '../../../shared/src/auth';
import { EVENT_STORE } from '../../../shared/src/runtime.tokens';
import { auditScope, hiddenFrom } from './audit-access';
import { limitParam, RawQuery, readQuery } from './strata-query';
import { badRequest, notFound, StrataExceptionFilter } from './strata-errors';

/** A page of history, as Nova's `max_limit`; `limit` asks for fewer, `marker` for the next page. */
const MAX_LIMIT = 1_000;

export function historyEntryView(e: HistoryEntry, hidden: (key: string) => boolean = () => false) {
  const changes = maskChanges(e.changes, hidden);
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
    summary: changes === e.changes ? e.summary : summarizeChanges(changes),
    changes,
    data: maskFields(e.data, hidden),
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
  /** States every 1,000 events of recently read streams: later pages of a long history start there. */
  private readonly snapshots = new HistorySnapshots();

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
    const history = await readHistory(this.store, type, id, { afterVersion: query.marker === undefined ? undefined : Number(query.marker), limit, asOf }, this.snapshots);
    const notTheirs = scope.kind === 'project' && history.ownerProject !== scope.projectId;
    if (history.total === 0 || notTheirs || (asOf && history.events.length === 0 && query.marker === undefined)) {
      throw notFound(`No history for ${type.name} ${id}${asOf ? ' at that time' : ''}`);
    }
    const last = history.events[history.events.length - 1];
    const hidden = hiddenFrom(scope);
    return {
      resource: { type: type.name, id, stream: history.stream, project_id: history.ownerProject, events: history.total },
      events: history.events.map((e) => historyEntryView(e, hidden)),
      state: maskFields(history.state, hidden),
      next_marker: history.more && last ? String(last.version) : null,
    };
  }
}
