import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TokenContext } from '../../../../infra/identity/identity-model';
import type { PolicyRow } from '../../../../projections/identity';
import { commandMetadata, CurrentToken, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { ExtensionReads } from './extension-reads';
import { entityOf, extraOf, ExtensionWrites, requireProperties, stringField } from './extension-writes';
import { KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { identityBaseUrl, listLinks } from './keystone-views';
import { one } from './query';

const KNOWN = ['type', 'blob'];

function policyView(base: string, p: PolicyRow) {
  return { ...p.extra, id: p.id, type: p.type, blob: p.blob, links: { self: `${base}/policies/${p.id}` } };
}

/** Keystone's (deprecated, still served) policy API: opaque blobs with a type, admin only. */
@Controller('identity/v3/policies')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class PoliciesController {
  constructor(
    private readonly reads: ExtensionReads,
    private readonly writes: ExtensionWrites,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentToken() token: TokenContext, @Body() body: unknown, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_policy');
    const p = entityOf(body, 'policy');
    requireProperties(p, KNOWN);
    const input = { blob: stringField(p, 'blob')!, type: stringField(p, 'type', { maxLength: 255 })!, extra: extraOf(p, KNOWN) };
    const { policyId, position } = await this.writes.createPolicy(input, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_policies']);
    return { policy: policyView(identityBaseUrl(request), (await this.reads.policy(policyId))!) };
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_policies');
    const base = identityBaseUrl(request);
    return { policies: (await this.reads.policies(one(q.type))).map((p) => policyView(base, p)), links: listLinks(request) };
  }

  @Get(':policyId')
  async show(@CurrentToken() token: TokenContext, @Param('policyId') policyId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:get_policy');
    const row = await this.reads.policy(policyId);
    if (!row) throw notFound('policy', policyId);
    return { policy: policyView(identityBaseUrl(request), row) };
  }

  @Patch(':policyId')
  async update(@CurrentToken() token: TokenContext, @Param('policyId') policyId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_policy');
    const p = entityOf(body, 'policy', { minProperties: 1 });
    const extra = extraOf(p, KNOWN);
    const patch = { blob: stringField(p, 'blob') ?? undefined, type: stringField(p, 'type', { maxLength: 255 }) ?? undefined, extra: Object.keys(extra).length ? extra : undefined };
    if (!(await this.reads.policy(policyId))) throw notFound('policy', policyId);
    const position = await this.writes.updatePolicy(policyId, patch, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_policies']);
    return { policy: policyView(identityBaseUrl(request), (await this.reads.policy(policyId))!) };
  }

  @Delete(':policyId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('policyId') policyId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_policy');
    const position = await this.writes.deletePolicy(policyId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_policies']);
  }
}
