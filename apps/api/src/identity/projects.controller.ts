import { Body, Controller, Delete, Get, Head, HttpCode, Param, Patch, Post, Put, Query, Req, UseFilters, UseGuards, UsePipes, UseInterceptors } from '@nestjs/common';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import type { FastifyRequest } from 'fastify';
import { RoleAssignment } from '../../../../domain/identity';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { commandMetadata, CurrentToken, requireAdmin, requireProjectReader, TokenGuard } from '../../../shared/src/auth';
import { DEFAULT_DOMAIN_ID } from '../../../shared/src/identity-bootstrap';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { ProjectCreateBody, ProjectUpdateBody } from './dto/project.dto';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { KeystoneExceptionFilter, notFound } from './keystone-errors';
import { identityBaseUrl, listLinks, projectView } from './keystone-views';
import { booleanFilter, one } from './query';

/** The domain a token works in when a body names none (Keystone: the scope's domain). */
export function tokenDomainId(token: TokenContext): string {
  return token.scope.type === 'project' ? token.scope.project.domain.id : token.scope.type === 'domain' ? token.scope.domain.id : DEFAULT_DOMAIN_ID;
}

@Controller('identity/v3/projects')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class ProjectsController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
  ) {}

  private async show(request: FastifyRequest, projectId: string) {
    const row = await this.reads.project(projectId);
    if (!row) throw notFound('project', projectId);
    return { project: projectView(identityBaseUrl(request), row) };
  }

  @Post()
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Body() body: ProjectCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_project');
    const p = body.project;
    const { projectId, position } = await this.writes.createProject(
      { name: p.name, domainId: p.domain_id ?? tokenDomainId(token), description: p.description, enabled: p.enabled, parentId: p.parent_id, tags: p.tags, options: p.options },
      commandMetadata(request, token),
    );
    await this.reads.waitFor(position, ['identity_resources']);
    return this.show(request, projectId);
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() query: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_projects');
    const base = identityBaseUrl(request);
    const rows = await this.reads.projects({
      name: one(query.name),
      domain_id: one(query.domain_id),
      enabled: booleanFilter('enabled', one(query.enabled)),
      parent_id: one(query.parent_id),
    });
    return { projects: rows.map((p) => projectView(base, p)), links: listLinks(request) };
  }

  @Get(':projectId')
  async get(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Req() request: FastifyRequest) {
    requireProjectReader(token, projectId, 'identity:get_project');
    return this.show(request, projectId);
  }

  @Patch(':projectId')
  @UsePipes(keystoneValidationPipe)
  async update(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Body() body: ProjectUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_project');
    const p = body.project;
    const position = await this.writes.updateProject(projectId, { name: p.name, description: p.description, enabled: p.enabled, tags: p.tags }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_resources']);
    return this.show(request, projectId);
  }

  @Delete(':projectId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('projectId') projectId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_project');
    const children = await this.reads.projects({ parent_id: projectId });
    const meta = commandMetadata(request, token);
    const position = await this.writes.deleteProject(projectId, children.length > 0, meta);
    const unassigned = await this.writes.unassignAll(await this.reads.grantsOn('target_id', projectId), meta);
    await this.reads.waitFor(unassigned ?? position, ['identity_resources', 'identity_assignments']);
  }

  private async grant(projectId: string, actorId: string, roleId: string, actorType: 'user' | 'group' = 'user'): Promise<RoleAssignment> {
    if (!(await this.reads.project(projectId))) throw notFound('project', projectId);
    if (actorType === 'user' ? !(await this.reads.user(actorId)) : !(await this.reads.group(actorId))) throw notFound(actorType, actorId);
    if (!(await this.reads.role(roleId))) throw notFound('role', roleId);
    return { actorType, actorId, targetType: 'project', targetId: projectId, roleId, inherited: false };
  }

  @Put(':projectId/groups/:groupId/roles/:roleId')
  @HttpCode(204)
  async assignGroup(@CurrentToken() token: TokenContext, @Param() p: Record<'projectId' | 'groupId' | 'roleId', string>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_grant');
    const position = await this.writes.assignRole(await this.grant(p.projectId, p.groupId, p.roleId, 'group'), commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
  }

  @Delete(':projectId/groups/:groupId/roles/:roleId')
  @HttpCode(204)
  async unassignGroup(@CurrentToken() token: TokenContext, @Param() p: Record<'projectId' | 'groupId' | 'roleId', string>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:revoke_grant');
    const position = await this.writes.unassignRole(await this.grant(p.projectId, p.groupId, p.roleId, 'group'), commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
  }

  @Put(':projectId/users/:userId/roles/:roleId')
  @HttpCode(204)
  async assign(@CurrentToken() token: TokenContext, @Param() p: Record<'projectId' | 'userId' | 'roleId', string>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_grant');
    const position = await this.writes.assignRole(await this.grant(p.projectId, p.userId, p.roleId), commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
  }

  @Head(':projectId/users/:userId/roles/:roleId')
  @HttpCode(204)
  async check(@CurrentToken() token: TokenContext, @Param() p: Record<'projectId' | 'userId' | 'roleId', string>) {
    requireAdmin(token, 'identity:check_grant');
    const rows = await this.reads.assignments({ userId: p.userId, projectId: p.projectId, roleId: p.roleId });
    if (rows.length === 0) throw notFound('role', p.roleId);
  }

  @Delete(':projectId/users/:userId/roles/:roleId')
  @HttpCode(204)
  async unassign(@CurrentToken() token: TokenContext, @Param() p: Record<'projectId' | 'userId' | 'roleId', string>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:revoke_grant');
    const position = await this.writes.unassignRole(await this.grant(p.projectId, p.userId, p.roleId), commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
  }
}
