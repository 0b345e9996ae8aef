import { Controller, Get, Param, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { InstanceActionRow } from '../../../../../projections/compute/instance-actions';
import { authorize, CurrentToken, hasRole, isAdmin, scopedProjectId, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ApiVersion, Microversion } from '../microversion';
import { NovaExceptionFilter, notFound } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { instanceActionsList, instanceActionView } from './instance-action-views';
import { ServerReads } from './server-reads';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** os-instance-actions, served from the log's projection: who did what, with which request, when, and how it ended. */
@Controller('compute/v2.1/servers/:serverId/os-instance-actions')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class InstanceActionsController {
  constructor(private readonly reads: ServerReads) {}

  /** 2.21: the actions of a deleted server stay readable. */
  private async server(token: TokenContext, v: ApiVersion, serverId: string) {
    authorize('os_compute_api:os-instance-actions:list', isAdmin(token) || hasRole(token, 'reader'));
    const row = UUID.test(serverId) ? await this.reads.server(serverId) : null;
    if (!row || (row.deleted && v.below('2.21')) || (!isAdmin(token) && row.project_id !== scopedProjectId(token))) throw notFound(`Instance ${serverId} could not be found.`);
    return row;
  }

  @Get()
  async index(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Param('serverId') serverId: string) {
    const row = await this.server(token, v, serverId);
    const actions = await this.reads.instanceActions<InstanceActionRow>(row.id);
    return { instanceActions: instanceActionsList(actions, { version: v }) };
  }

  @Get(':requestId')
  async show(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Param('serverId') serverId: string, @Param('requestId') requestId: string) {
    const row = await this.server(token, v, serverId);
    const action = await this.reads.instanceAction<InstanceActionRow>(row.id, requestId);
    if (!action) throw notFound(`Action ${requestId} on instance ${row.id} could not be found.`);
    return { instanceAction: instanceActionView(action, { version: v, isAdmin: isAdmin(token), serverProjectId: row.project_id }) };
  }
}
