import { Body, Controller, Delete, Get, HttpCode, Param, Put, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerRow } from '../../../../../projections/compute/servers';
import { authorize, commandMetadata, CurrentToken, hasRole, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, NovaExceptionFilter, notFound } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { computeBase } from '../resources/links';
import { NovaSchema, validateBody } from '../resources/nova-schema';
import { ServerReads } from './server-reads';
import { ServerWrites } from './server-writes';

/** nova/api/validation/parameter_types.py `tag` */
const TAG: NovaSchema = { type: 'string', minLength: 1, maxLength: 60, pattern: '^[^,/]*$' };
/** nova/api/openstack/compute/schemas/server_tags.py `update_all` */
const UPDATE_ALL: NovaSchema = { type: 'object', properties: { tags: { type: 'array', items: TAG, maxItems: 50 } }, required: ['tags'], additionalProperties: false };

/** The server's visibility and the 2.26 gate shared by os-server-tags and os-server-password. */
abstract class ServerSubresource {
  constructor(
    protected readonly reads: ServerReads,
    protected readonly writes: ServerWrites,
  ) {}

  protected visible(token: TokenContext, serverId: string): Promise<ServerRow> {
    return this.reads.visible(token, serverId);
  }

  protected mayChange(token: TokenContext, rule: string): void {
    authorize(rule, isAdmin(token) || hasRole(token, 'member'));
  }
}

/** nova/api/openstack/compute/server_tags.py (2.26). */
@Controller('compute/v2.1/servers/:serverId/tags')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class ServerTagsController extends ServerSubresource {
  constructor(reads: ServerReads, writes: ServerWrites) {
    super(reads, writes);
  }

  private gate(v: ApiVersion): void {
    if (v.below('2.26')) throw notFound('The resource could not be found.');
  }

  private async change(token: TokenContext, request: FastifyRequest, row: ServerRow, add: string[], remove: string[], replace: boolean): Promise<string[]> {
    const { position } = await this.writes.run('ChangeServerTags', { serverId: row.id, add, remove, replace, byAdmin: isAdmin(token) }, commandMetadata(request, token));
    await this.reads.rm.waitFor(position, ['compute_servers']);
    return (await this.reads.server(row.id))!.tags;
  }

  @Get()
  async index(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Param('serverId') serverId: string) {
    this.gate(v);
    return { tags: (await this.visible(token, serverId)).tags };
  }

  @Put()
  async updateAll(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Param('serverId') serverId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    this.gate(v);
    validateBody(UPDATE_ALL, body);
    this.mayChange(token, 'os_compute_api:os-server-tags:update_all');
    const row = await this.visible(token, serverId);
    return { tags: await this.change(token, request, row, (body as { tags: string[] }).tags, [], true) };
  }

  @Delete()
  @HttpCode(204)
  async deleteAll(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Param('serverId') serverId: string, @Req() request: FastifyRequest) {
    this.gate(v);
    this.mayChange(token, 'os_compute_api:os-server-tags:delete_all');
    const row = await this.visible(token, serverId);
    await this.change(token, request, row, [], [], true);
  }

  @Get(':tag')
  @HttpCode(204)
  async show(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Param('serverId') serverId: string, @Param('tag') tag: string) {
    this.gate(v);
    const row = await this.visible(token, serverId);
    if (!row.tags.includes(tag)) throw notFound(`Server ${serverId} has no tag '${tag}'`);
  }

  @Put(':tag')
  async update(
    @CurrentToken() token: TokenContext,
    @Microversion() v: ApiVersion,
    @Param('serverId') serverId: string,
    @Param('tag') tag: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    this.gate(v);
    this.mayChange(token, 'os_compute_api:os-server-tags:update');
    if (tag.length === 0 || [...tag].length > 60 || /[,/]/.test(tag)) {
      throw badRequest(`Tag '${tag}' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: '${tag}' does not match '^[^,/]*$'`);
    }
    const row = await this.visible(token, serverId);
    // An existing tag: 204 and nothing else (server_tags.py `update`).
    if (row.tags.includes(tag)) {
      reply.status(204);
      return undefined;
    }
    await this.change(token, request, row, [tag], [], false);
    reply.status(201).header('Location', `${computeBase(request)}/v2.1/servers/${row.id}/tags/${encodeURIComponent(tag)}`);
    return undefined;
  }

  @Delete(':tag')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Param('serverId') serverId: string, @Param('tag') tag: string, @Req() request: FastifyRequest) {
    this.gate(v);
    this.mayChange(token, 'os_compute_api:os-server-tags:delete');
    const row = await this.visible(token, serverId);
    await this.change(token, request, row, [], [tag], false);
  }
}

/**
 * nova/api/openstack/compute/server_password.py. Strata's guests post no encrypted password (no
 * metadata service yet), so there is never one to show and clearing changes nothing.
 */
@Controller('compute/v2.1/servers/:serverId/os-server-password')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class ServerPasswordController extends ServerSubresource {
  constructor(reads: ServerReads, writes: ServerWrites) {
    super(reads, writes);
  }

  @Get()
  async index(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string) {
    await this.visible(token, serverId);
    return { password: '' };
  }

  @Delete()
  @HttpCode(204)
  async clear(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string) {
    this.mayChange(token, 'os_compute_api:os-server-password:clear');
    await this.visible(token, serverId);
  }
}
