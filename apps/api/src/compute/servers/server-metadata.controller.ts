import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Position } from '../../../../../domain/kernel';
import type { ServerRow } from '../../../../../projections/compute/servers';
import { authorize, commandMetadata, CurrentToken, hasRole, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { badRequest, forbidden, NovaExceptionFilter, notFound } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { ComputeUsage } from '../resources/compute-usage';
import { validateBody } from '../resources/nova-schema';
import { ServerReads } from './server-reads';
import { metadataSchema } from './server-requests';
import { ServerWrites } from './server-writes';


/** nova/api/openstack/compute/server_metadata.py */
@Controller('compute/v2.1/servers/:serverId/metadata')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class ServerMetadataController {
  constructor(
    private readonly reads: ServerReads,
    private readonly writes: ServerWrites,
    private readonly usage: ComputeUsage,
  ) {}

  private visible(token: TokenContext, serverId: string): Promise<ServerRow> {
    return this.reads.visible(token, serverId);
  }

  private async change(token: TokenContext, request: FastifyRequest, row: ServerRow, set: Record<string, string>, remove: string[], replace: boolean): Promise<Record<string, string>> {
    authorize('os_compute_api:server-metadata:update', isAdmin(token) || hasRole(token, 'member'));
    const after = replace ? { ...set } : { ...row.metadata, ...set };
    const limit = (await this.usage.limits(row.project_id)).metadata_items;
    // nova/compute/api.py `_check_metadata_properties_quota`
    if (limit >= 0 && Object.keys(after).length > limit) throw forbidden(`Quota exceeded for metadata_items: Requested ${Object.keys(after).length}, but already used 0 of ${limit} metadata_items`);
    const { position } = await this.writes.run('ChangeServerMetadata', { serverId: row.id, set, remove, replace, byAdmin: isAdmin(token) }, commandMetadata(request, token));
    await this.wait(position);
    return (await this.reads.server(row.id))!.metadata;
  }

  private wait(position: Position | null) {
    return this.reads.rm.waitFor(position, ['compute_servers']);
  }

  @Get()
  async index(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string) {
    return { metadata: (await this.visible(token, serverId)).metadata };
  }

  @Post()
  @HttpCode(200)
  async create(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    validateBody(metadataSchema('metadata'), body);
    const row = await this.visible(token, serverId);
    return { metadata: await this.change(token, request, row, (body as { metadata: Record<string, string> }).metadata, [], false) };
  }

  @Put()
  async replace(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    validateBody(metadataSchema('metadata'), body);
    const row = await this.visible(token, serverId);
    return { metadata: await this.change(token, request, row, (body as { metadata: Record<string, string> }).metadata, [], true) };
  }

  @Get(':key')
  async show(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string, @Param('key') key: string) {
    const row = await this.visible(token, serverId);
    if (!(key in row.metadata)) throw notFound('Metadata item was not found');
    return { meta: { [key]: row.metadata[key] } };
  }

  @Put(':key')
  async update(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string, @Param('key') key: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    validateBody(metadataSchema('meta'), body);
    const meta = (body as { meta: Record<string, string> }).meta;
    if (!(key in meta)) throw badRequest('Request body and URI mismatch');
    const row = await this.visible(token, serverId);
    await this.change(token, request, row, { [key]: meta[key] }, [], false);
    return { meta: { [key]: meta[key] } };
  }

  @Delete(':key')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string, @Param('key') key: string, @Req() request: FastifyRequest) {
    const row = await this.visible(token, serverId);
    if (!(key in row.metadata)) throw notFound('Metadata item was not found');
    await this.change(token, request, row, {}, [key], false);
  }
}
