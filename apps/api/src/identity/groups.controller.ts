import { Body, Controller, Delete, Get, Head, HttpCode, Param, Patch, Post, Put, Query, Req, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { commandMetadata, CurrentToken, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { GroupCreateBody, GroupUpdateBody } from './dto/group.dto';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { groupView, identityBaseUrl, listLinks, userView } from './keystone-views';
import { tokenDomainId } from './projects.controller';
import { one } from './query';

@Controller('identity/v3/groups')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class GroupsController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
  ) {}

  @Post()
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Body() body: GroupCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_group');
    const g = body.group;
    const { groupId, position } = await this.writes.createGroup({ name: g.name, domainId: g.domain_id ?? tokenDomainId(token), description: g.description }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_users']);
    return this.get(token, groupId, request);
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_groups');
    const base = identityBaseUrl(request);
    return { groups: (await this.reads.groups({ name: one(q.name), domain_id: one(q.domain_id) })).map((g) => groupView(base, g)), links: listLinks(request) };
  }

  @Get(':groupId')
  async get(@CurrentToken() token: TokenContext, @Param('groupId') groupId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:get_group');
    const row = await this.reads.group(groupId);
    if (!row) throw notFound('group', groupId);
    return { group: groupView(identityBaseUrl(request), row) };
  }

  @Patch(':groupId')
  @UsePipes(keystoneValidationPipe)
  async update(@CurrentToken() token: TokenContext, @Param('groupId') groupId: string, @Body() body: GroupUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_group');
    const current = await this.reads.group(groupId);
    if (!current) throw notFound('group', groupId);
    const g = body.group;
    const position = await this.writes.updateGroup(groupId, { name: current.name, domainId: current.domain_id }, { name: g.name, description: g.description }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_users']);
    return this.get(token, groupId, request);
  }

  @Delete(':groupId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('groupId') groupId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_group');
    const meta = commandMetadata(request, token);
    const position = await this.writes.deleteGroup(groupId, meta);
    const unassigned = await this.writes.unassignAll(await this.reads.grantsOn('actor_id', groupId), meta);
    await this.reads.waitFor(unassigned ?? position, ['identity_users', 'identity_assignments']);
  }

  @Get(':groupId/users')
  async users(@CurrentToken() token: TokenContext, @Param('groupId') groupId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_users_in_group');
    if (!(await this.reads.group(groupId))) throw notFound('group', groupId);
    const base = identityBaseUrl(request);
    return { users: (await this.reads.groupMembers(groupId)).map((u) => userView(base, u)), links: listLinks(request) };
  }

  @Put(':groupId/users/:userId')
  @HttpCode(204)
  async add(@CurrentToken() token: TokenContext, @Param('groupId') groupId: string, @Param('userId') userId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:add_user_to_group');
    const position = await this.writes.groupMembership(groupId, userId, true, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_users']);
  }

  /** 204 for a member, 404 with an empty body otherwise (test/fixtures/keystone/group-contains-user-not.md). */
  @Head(':groupId/users/:userId')
  @HttpCode(204)
  async contains(@CurrentToken() token: TokenContext, @Param('groupId') groupId: string, @Param('userId') userId: string) {
    requireAdmin(token, 'identity:check_user_in_group');
    if (!(await this.reads.groupMembers(groupId)).some((u) => u.id === userId)) throw notFound('user', userId);
  }

  @Delete(':groupId/users/:userId')
  @HttpCode(204)
  async drop(@CurrentToken() token: TokenContext, @Param('groupId') groupId: string, @Param('userId') userId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:remove_user_from_group');
    const position = await this.writes.groupMembership(groupId, userId, false, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_users']);
  }
}
