import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, UseFilters, UseGuards, UsePipes, UseInterceptors } from '@nestjs/common';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import type { FastifyRequest } from 'fastify';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { commandMetadata, CurrentToken, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { RoleCreateBody, RoleUpdateBody } from './dto/role.dto';
import { IdentityWrites } from './identity-writes';
import { IdentityReads } from './identity-reads';
import { KeystoneExceptionFilter, notFound } from './keystone-errors';
import { identityBaseUrl, listLinks, roleView } from './keystone-views';
import { booleanFilter, one } from './query';

@Controller('identity/v3')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class RolesController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
  ) {}

  @Post('roles')
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Body() body: RoleCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_role');
    const { roleId, position } = await this.writes.createRole(body.role, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
    return this.get(token, roleId, request);
  }

  @Patch('roles/:roleId')
  @UsePipes(keystoneValidationPipe)
  async update(@CurrentToken() token: TokenContext, @Param('roleId') roleId: string, @Body() body: RoleUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_role');
    const r = body.role;
    const position = await this.writes.updateRole(roleId, { name: r.name, description: r.description, options: r.options }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
    return this.get(token, roleId, request);
  }

  @Delete('roles/:roleId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('roleId') roleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_role');
    const meta = commandMetadata(request, token);
    const position = await this.writes.deleteRole(roleId, meta);
    const unassigned = await this.writes.unassignAll(await this.reads.grantsOn('role_id', roleId), meta);
    await this.reads.waitFor(unassigned ?? position, ['identity_assignments']);
  }

  @Get('roles')
  async list(@CurrentToken() token: TokenContext, @Query('name') name: string | undefined, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_roles');
    const base = identityBaseUrl(request);
    return { roles: (await this.reads.roles(name)).map((r) => roleView(base, r)), links: listLinks(request) };
  }

  @Get('roles/:roleId')
  async get(@CurrentToken() token: TokenContext, @Param('roleId') roleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:get_role');
    const row = await this.reads.role(roleId);
    if (!row) throw notFound('role', roleId);
    return { role: roleView(identityBaseUrl(request), row) };
  }

  /** 201 with a body, unlike every other PUT of Keystone (test/fixtures/keystone/implied-role-create.md). */
  @Put('roles/:priorRoleId/implies/:impliedRoleId')
  @HttpCode(201)
  async imply(@CurrentToken() token: TokenContext, @Param('priorRoleId') priorRoleId: string, @Param('impliedRoleId') impliedRoleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_implied_role');
    const position = await this.writes.implyRole(priorRoleId, impliedRoleId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
    const base = identityBaseUrl(request);
    const ref = async (id: string) => ({ id, links: { self: `${base}/roles/${id}` }, name: (await this.reads.role(id))?.name ?? '' });
    return { role_inference: { prior_role: await ref(priorRoleId), implies: await ref(impliedRoleId) }, links: { self: `${base}/roles/${priorRoleId}/implies/${impliedRoleId}` } };
  }

  @Delete('roles/:priorRoleId/implies/:impliedRoleId')
  @HttpCode(204)
  async unimply(@CurrentToken() token: TokenContext, @Param('priorRoleId') priorRoleId: string, @Param('impliedRoleId') impliedRoleId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_implied_role');
    const position = await this.writes.unimplyRole(priorRoleId, impliedRoleId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_assignments']);
  }

  @Get('role_inferences')
  async inferences(@CurrentToken() token: TokenContext, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_role_inference_rules');
    const base = identityBaseUrl(request);
    const names = new Map((await this.reads.roles()).map((r) => [r.id, r.name]));
    const ref = (id: string) => ({ id, links: { self: `${base}/roles/${id}` }, name: names.get(id) ?? '' });
    const byPrior = new Map<string, string[]>();
    for (const i of await this.reads.implications()) byPrior.set(i.prior_role_id, [...(byPrior.get(i.prior_role_id) ?? []), i.implied_role_id]);
    return { role_inferences: [...byPrior].map(([prior, implied]) => ({ prior_role: ref(prior), implies: implied.map(ref) })), links: { self: `${base}/role_inferences` } };
  }

  /** Direct assignments with Keystone's filters; `include_names` adds the names the CLI prints with --names. */
  @Get('role_assignments')
  async assignments(@CurrentToken() token: TokenContext, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_role_assignments');
    const base = identityBaseUrl(request);
    const includeNames = q.include_names !== undefined && booleanFilter('include_names', one(q.include_names) || 'true');
    const rows = await this.reads.assignments({
      userId: one(q['user.id']),
      groupId: one(q['group.id']),
      roleId: one(q['role.id']),
      projectId: one(q['scope.project.id']),
      domainId: one(q['scope.domain.id']),
      system: q['scope.system'] !== undefined,
    });
    const names = includeNames ? await this.names() : null;
    const assignments = rows
      .filter((a) => !a.inherited)
      .map((a) => {
        const scope =
          a.target_type === 'system' ? { system: { all: true } } : { [a.target_type]: { id: a.target_id, ...(names ? names.target(a.target_type, a.target_id) : {}) } };
        const actor = `${a.actor_type}s/${a.actor_id}`;
        const grant = a.target_type === 'system' ? `${base}/system/${actor}/roles/${a.role_id}` : `${base}/${a.target_type}s/${a.target_id}/${actor}/roles/${a.role_id}`;
        return {
          links: { assignment: grant },
          scope,
          [a.actor_type]: { id: a.actor_id, ...(names ? names.actor(a.actor_type, a.actor_id) : {}) },
          role: { id: a.role_id, ...(names ? names.role(a.role_id) : {}) },
        };
      });
    return { role_assignments: assignments, links: listLinks(request) };
  }

  private async names() {
    const [users, groups, projects, domains, roles] = await Promise.all([this.reads.users({}), this.reads.groups(), this.reads.projects({}), this.reads.domains(), this.reads.roles()]);
    const domainName = new Map(domains.map((d) => [d.id, d.name]));
    const dom = (id: string) => ({ domain: { id, name: domainName.get(id) ?? '' } });
    const actorById = new Map<string, { name: string; domain_id: string }>([...users, ...groups].map((a) => [a.id, a]));
    const projectById = new Map(projects.map((p) => [p.id, p]));
    const roleById = new Map(roles.map((r) => [r.id, r]));
    return {
      actor: (_type: string, id: string) => {
        const a = actorById.get(id);
        return a ? { name: a.name, ...dom(a.domain_id) } : {};
      },
      role: (id: string) => ({ name: roleById.get(id)?.name ?? '' }),
      target: (type: string, id: string) => {
        if (type === 'domain') return { name: domainName.get(id) ?? '' };
        const p = projectById.get(id);
        return p ? { name: p.name, ...dom(p.domain_id) } : {};
      },
    };
  }
}
