import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { authorize, commandMetadata, CurrentToken, hasRole, isAdmin, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { DomainCreateBody, DomainUpdateBody } from './dto/domain.dto';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { IdentityCascades } from './identity-cascades';
import { IdentityReads } from './identity-reads';
import { IdentityWrites } from './identity-writes';
import { KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { domainView, identityBaseUrl, listLinks } from './keystone-views';
import { booleanFilter, one } from './query';

@Controller('identity/v3/domains')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class DomainsController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
    private readonly cascades: IdentityCascades,
  ) {}

  private async show(request: FastifyRequest, domainId: string) {
    const row = await this.reads.domain(domainId);
    if (!row) throw notFound('domain', domainId);
    return { domain: domainView(identityBaseUrl(request), row) };
  }

  @Post()
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async create(@CurrentToken() token: TokenContext, @Body() body: DomainCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_domain');
    const { domainId, position } = await this.writes.createDomain(body.domain, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_resources']);
    return this.show(request, domainId);
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_domains');
    const base = identityBaseUrl(request);
    const rows = await this.reads.domains({ name: one(q.name), enabled: booleanFilter('enabled', one(q.enabled)) });
    return { domains: rows.map((d) => domainView(base, d)), links: listLinks(request) };
  }

  /** Keystone: an admin, or a reader of a project or domain in that domain. */
  @Get(':domainId')
  async get(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Req() request: FastifyRequest) {
    const own = token.scope.type === 'project' ? token.scope.project.domain.id : token.scope.type === 'domain' ? token.scope.domain.id : null;
    authorize('identity:get_domain', isAdmin(token) || (own === domainId && hasRole(token, 'reader')));
    return this.show(request, domainId);
  }

  @Patch(':domainId')
  @UsePipes(keystoneValidationPipe)
  async update(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Body() body: DomainUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_domain');
    const position = await this.writes.updateDomain(domainId, body.domain, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_resources']);
    return this.show(request, domainId);
  }

  // Grants (PUT/HEAD/GET/DELETE .../users|groups/{id}/roles[/{role}]) live in grants.controller.ts.
  @Delete(':domainId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_domain');
    await this.cascades.deleteDomain(domainId, commandMetadata(request, token));
  }
}
