import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { serverGroupDecider, ServerGroupPolicy } from '../../../../../domain/compute/server-group';
import { serverGroupStream } from '../../../../../domain/compute/streams';
import { uuidFromName } from '../../../../../infra/ids/ids';
import { ServerGroupRow, SERVER_GROUPS_TABLE } from '../../../../../projections/compute/server-groups';
import { authorize, commandMetadata, CurrentToken, hasRole, isAdmin, scopedProjectId, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ComputeWrites } from '../compute-writes';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, forbidden, notFound, NovaExceptionFilter } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { ComputeUsage } from './compute-usage';
import { member, NovaSchema, PARAMETER_TYPES, queryValue, RawQuery, validateBody, validateQuery } from './nova-schema';
import { ResourceReads } from './resource-reads';
import { ServerGroupLookup } from './server-group-lookup';

// nova/api/openstack/compute/schemas/server_groups.py
function createSchema(v: ApiVersion): NovaSchema {
  const policies = v.atLeast('2.15') ? ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'] : ['anti-affinity', 'affinity'];
  const group = v.atLeast('2.64')
    ? {
        type: 'object',
        properties: {
          name: PARAMETER_TYPES.name,
          policy: { type: 'string', enum: ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'] },
          rules: { type: 'object', properties: { max_server_per_host: PARAMETER_TYPES.positiveInteger }, additionalProperties: false },
        },
        required: ['name', 'policy'],
        additionalProperties: false,
      }
    : {
        type: 'object',
        properties: {
          name: PARAMETER_TYPES.name,
          policies: { type: 'array', items: [{ type: 'string', enum: policies }], uniqueItems: true, minItems: 1, maxItems: 1, additionalItems: false },
        },
        required: ['name', 'policies'],
        additionalProperties: false,
      };
  return { type: 'object', properties: { server_group: group }, required: ['server_group'], additionalProperties: false };
}
const LIST_QUERY: Record<string, NovaSchema> = { all_projects: { type: 'string' }, limit: PARAMETER_TYPES.nonNegativeInteger, offset: PARAMETER_TYPES.nonNegativeInteger };

const groupNotFound = (id: string) => notFound(`Instance group ${id} could not be found.`);

/** Nova's os-server-groups (nova/api/openstack/compute/server_groups.py). */
@Controller('compute/v2.1/os-server-groups')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class ServerGroupsController {
  constructor(
    private readonly reads: ResourceReads,
    private readonly writes: ComputeWrites,
    private readonly usage: ComputeUsage,
    private readonly lookup: ServerGroupLookup,
  ) {}

  private view(g: ServerGroupRow, v: ApiVersion) {
    const owner = v.atLeast('2.13') ? { project_id: g.project_id, user_id: g.user_id } : {};
    if (v.atLeast('2.64')) return { id: g.id, name: g.name, policy: g.policy, rules: g.rules, members: g.members, ...owner };
    return { id: g.id, name: g.name, policies: [g.policy], members: g.members, metadata: {}, ...owner };
  }

  /** The group, if it exists and is the caller's project's (another project's is a 404, as Nova scopes the lookup); `role` within it for `rule`. */
  private async owned(id: string, token: TokenContext, rule: string, role: 'reader' | 'member'): Promise<ServerGroupRow> {
    const g = await this.lookup.row(id);
    if (!g || (!isAdmin(token) && scopedProjectId(token) !== g.project_id)) throw groupNotFound(id);
    authorize(rule, isAdmin(token) || hasRole(token, role));
    return g;
  }

  @Get()
  async index(@Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-server-groups:index', hasRole(token, 'reader'));
    validateQuery(LIST_QUERY, query, v.atLeast('2.75'));
    let rows: ServerGroupRow[];
    if (query.all_projects !== undefined) {
      authorize('os_compute_api:os-server-groups:index:all_projects', isAdmin(token));
      rows = await this.reads.rows<ServerGroupRow>(SERVER_GROUPS_TABLE, `SELECT * FROM rm.${SERVER_GROUPS_TABLE} ORDER BY created_at, id`);
    } else {
      rows = await this.reads.rows<ServerGroupRow>(SERVER_GROUPS_TABLE, `SELECT * FROM rm.${SERVER_GROUPS_TABLE} WHERE project_id = $1 ORDER BY created_at, id`, [scopedProjectId(token)]);
    }
    const offset = Number(queryValue(query, 'offset') ?? 0);
    const limit = Math.min(1000, Number(queryValue(query, 'limit') ?? 0) || 1000);
    return { server_groups: rows.slice(offset, offset + limit).map((g) => this.view(g, v)) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    return { server_group: this.view(await this.owned(id, token, 'os_compute_api:os-server-groups:show', 'reader'), v) };
  }

  @Post()
  @HttpCode(200)
  async create(@Req() request: FastifyRequest, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    const projectId = scopedProjectId(token);
    authorize('os_compute_api:os-server-groups:create', projectId !== null && hasRole(token, 'member'));
    validateBody(createSchema(v), body);
    const g = member<{ name: string; policy?: ServerGroupPolicy; policies?: ServerGroupPolicy[]; rules?: { max_server_per_host?: unknown } }>(body, 'server_group');
    const policy = g.policy ?? g.policies![0];
    const rules: { max_server_per_host?: number } = {};
    if (g.rules?.max_server_per_host !== undefined) {
      if (policy !== 'anti-affinity') throw badRequest('Only anti-affinity policy supports rules.');
      rules.max_server_per_host = Number(g.rules.max_server_per_host);
    }
    const limit = (await this.usage.limits(projectId!)).server_groups;
    // nova/api/openstack/compute/server_groups.py: objects.Quotas.check_deltas → QuotaError
    if (limit >= 0 && (await this.usage.serverGroupCount(projectId!)) + 1 > limit) throw forbidden('Quota exceeded, too many server groups.');
    const meta = commandMetadata(request, token);
    const groupId = uuidFromName(`server-group-create\u0000${meta.requestId}\u0000${token.user.id}`);
    const { position } = await this.writes.run(serverGroupDecider, serverGroupStream(groupId), 'CreateServerGroup', { groupId, name: g.name, policy, rules, projectId: projectId!, userId: token.user.id }, meta);
    await this.reads.waitFor(position, SERVER_GROUPS_TABLE);
    const row = await this.lookup.row(groupId);
    return { server_group: this.view(row!, v) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Req() request: FastifyRequest, @Param('id') id: string, @CurrentToken() token: TokenContext): Promise<void> {
    await this.owned(id, token, 'os_compute_api:os-server-groups:delete', 'member');
    const { position } = await this.writes.run(serverGroupDecider, serverGroupStream(id), 'DeleteServerGroup', { groupId: id }, commandMetadata(request, token));
    await this.reads.waitFor(position, SERVER_GROUPS_TABLE);
  }
}
