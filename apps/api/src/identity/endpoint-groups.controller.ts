import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { EndpointGroupFilters } from '../../../../domain/identity';
import { TokenContext } from '../../../../infra/identity/identity-model';
import type { EndpointGroupRow } from '../../../../projections/identity';
import { commandMetadata, CurrentToken, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { ExtensionReads } from './extension-reads';
import { entityOf, ExtensionWrites, JsonObject, requireMatchingId, requireProperties, stringField } from './extension-writes';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { identityBaseUrl, listLinks } from './keystone-views';
import { one } from './query';

const PROPERTIES = ['name', 'description', 'filters'];

function groupView(base: string, g: EndpointGroupRow) {
  return { id: g.id, name: g.name, description: g.description, filters: g.filters, links: { self: `${base}/OS-EP-FILTER/endpoint_groups/${g.id}` } };
}

/** Keystone catalog/schema.py endpoint_group_*_request_body: no other properties; filters an object. */
function checkBody(g: JsonObject): { name?: string; description?: string | null; filters?: EndpointGroupFilters } {
  const unknown = Object.keys(g).filter((k) => !PROPERTIES.includes(k));
  if (unknown.length) throw new KeystoneError(400, `Invalid input for field 'endpoint_group': Additional properties are not allowed (${unknown.map((k) => `'${k}'`).join(', ')} ${unknown.length > 1 ? 'were' : 'was'} unexpected)`);
  const filters = g.filters;
  if (filters !== undefined && (filters === null || typeof filters !== 'object' || Array.isArray(filters))) {
    throw new KeystoneError(400, `Invalid input for field 'filters': ${JSON.stringify(filters)} is not of type 'object'`);
  }
  return { name: stringField(g, 'name', { maxLength: 255 }) ?? undefined, description: stringField(g, 'description', { nullable: true }), filters: filters as EndpointGroupFilters | undefined };
}

/** OS-EP-FILTER endpoint groups (create, list, show, check, update, delete), admin only. */
@Controller('identity/v3/OS-EP-FILTER/endpoint_groups')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class EndpointGroupsController {
  constructor(
    private readonly reads: ExtensionReads,
    private readonly writes: ExtensionWrites,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentToken() token: TokenContext, @Body() body: unknown, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_endpoint_group');
    const g = entityOf(body, 'endpoint_group');
    requireProperties(g, ['name', 'filters']);
    const input = checkBody(g);
    const { endpointGroupId, position } = await this.writes.createEndpointGroup({ name: input.name!, description: input.description, filters: input.filters! }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_endpoint_groups']);
    return { endpoint_group: groupView(identityBaseUrl(request), (await this.reads.endpointGroup(endpointGroupId))!) };
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_endpoint_groups');
    const base = identityBaseUrl(request);
    return { endpoint_groups: (await this.reads.endpointGroups(one(q.name))).map((g) => groupView(base, g)), links: listLinks(request) };
  }

  /** GET shows; HEAD (Fastify answers it from this route) is Keystone's check_endpoint_group. */
  @Get(':endpointGroupId')
  async show(@CurrentToken() token: TokenContext, @Param('endpointGroupId') endpointGroupId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, request.method === 'HEAD' ? 'identity:check_endpoint_group' : 'identity:get_endpoint_group');
    const row = await this.reads.endpointGroup(endpointGroupId);
    if (!row) throw notFound('endpoint group', endpointGroupId);
    return { endpoint_group: groupView(identityBaseUrl(request), row) };
  }

  @Patch(':endpointGroupId')
  async update(@CurrentToken() token: TokenContext, @Param('endpointGroupId') endpointGroupId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_endpoint_group');
    const g = entityOf(body, 'endpoint_group', { minProperties: 1 });
    requireMatchingId(g, endpointGroupId);
    const patch = checkBody(g);
    if (!(await this.reads.endpointGroup(endpointGroupId))) throw notFound('endpoint group', endpointGroupId);
    const position = await this.writes.updateEndpointGroup(endpointGroupId, patch, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_endpoint_groups']);
    return { endpoint_group: groupView(identityBaseUrl(request), (await this.reads.endpointGroup(endpointGroupId))!) };
  }

  @Delete(':endpointGroupId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('endpointGroupId') endpointGroupId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_endpoint_group');
    const position = await this.writes.deleteEndpointGroup(endpointGroupId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_endpoint_groups']);
  }
}
