import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { effectiveLimits, quotaClassDecider, quotaDecider, QuotaLimits, QuotaResource, QUOTA_RESOURCES } from '../../../../../domain/compute/quota';
import { quotaClassStream, quotaStream } from '../../../../../domain/compute/streams';
import { uuidFromName } from '../../../../../infra/ids/ids';
import { QUOTAS_TABLE } from '../../../../../projections/compute/quotas';
import { authorize, commandMetadata, CurrentToken, hasRole, isAdmin, scopedProjectId, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ComputeReadModel } from '../compute-read-model';
import { ComputeWrites } from '../compute-writes';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, NovaExceptionFilter } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { ComputeUsage } from './compute-usage';
import { asBoolean, member, NovaSchema, PARAMETER_TYPES, queryValue, RawQuery, validateBody, validateQuery } from './nova-schema';
import { ResourceReads } from './resource-reads';

/** Nova-network's quotas: shown (as unlimited) before 2.36, never enforced by Strata. */
const NETWORK_QUOTAS = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'] as const;
const INJECTED = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

/** The quota resources a microversion shows (quota_sets.py FILTERED_QUOTAS_2_36 / _2_57), in Nova's (sorted) order. */
function shownResources(v: ApiVersion): string[] {
  const all = [...QUOTA_RESOURCES, ...(v.below('2.36') ? NETWORK_QUOTAS : [])];
  return all.filter((r) => !(v.atLeast('2.57') && INJECTED.includes(r))).sort();
}

function quotaValues(v: ApiVersion, limits: QuotaLimits): Record<string, number> {
  return Object.fromEntries(shownResources(v).map((r) => [r, r in limits ? limits[r as QuotaResource] : -1]));
}

// nova/api/openstack/compute/schemas/quota_sets.py
function updateSchema(v: ApiVersion): NovaSchema {
  const properties: Record<string, NovaSchema> = {};
  for (const r of [...shownResources(v), ...(v.below('2.36') ? ['networks'] : [])]) properties[r] = PARAMETER_TYPES.quotaLimit;
  properties.force = PARAMETER_TYPES.boolean;
  return { type: 'object', properties: { quota_set: { type: 'object', properties, additionalProperties: false } }, required: ['quota_set'], additionalProperties: false };
}
// nova/api/openstack/compute/schemas/quota_classes.py: the quota_sets resources, without force.
function classUpdateSchema(v: ApiVersion): NovaSchema {
  const properties: Record<string, NovaSchema> = {};
  const resources = QUOTA_RESOURCES.filter((r) => !(v.atLeast('2.57') && INJECTED.includes(r)));
  for (const r of [...resources, ...(v.below('2.50') ? [...NETWORK_QUOTAS, 'networks'] : [])]) properties[r] = PARAMETER_TYPES.quotaLimit;
  return { type: 'object', properties: { quota_class_set: { type: 'object', properties, additionalProperties: false } }, required: ['quota_class_set'], additionalProperties: false };
}
const QUERY: Record<string, NovaSchema> = { user_id: { type: 'string' } };

/** Nova's os-quota-sets (quota_sets.py) and os-quota-class-sets (quota_classes.py). */
@Controller('compute/v2.1')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class QuotasController {
  constructor(
    private readonly usage: ComputeUsage,
    private readonly writes: ComputeWrites,
    private readonly reads: ResourceReads,
    private readonly rm: ComputeReadModel,
  ) {}

  private mayRead(token: TokenContext, projectId: string, rule: string): void {
    authorize(rule, isAdmin(token) || (scopedProjectId(token) === projectId && hasRole(token, 'reader')));
  }

  /** nova/api/openstack/identity.py `verify_project_id`. */
  private async verifyProject(projectId: string): Promise<void> {
    const rows = await this.rm.query('SELECT 1 FROM rm.identity_projects WHERE id = $1', [projectId]).catch(() => [{}]);
    if (rows.length === 0) throw badRequest(`Project ID ${projectId} is not a valid project.`);
  }

  @Get('os-quota-sets/:projectId')
  async show(@Param('projectId') projectId: string, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    validateQuery(QUERY, query, v.atLeast('2.75'));
    this.mayRead(token, projectId, 'os_compute_api:os-quota-sets:show');
    await this.verifyProject(projectId);
    return { quota_set: { id: projectId, ...quotaValues(v, await this.usage.limits(projectId)) } };
  }

  @Get('os-quota-sets/:projectId/detail')
  async detail(@Param('projectId') projectId: string, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    validateQuery(QUERY, query, v.atLeast('2.75'));
    this.mayRead(token, projectId, 'os_compute_api:os-quota-sets:detail');
    await this.verifyProject(projectId);
    const limits = await this.usage.limits(projectId);
    const inUse = await this.usage.inUse(projectId, queryValue(query, 'user_id'));
    const values = quotaValues(v, limits);
    return {
      quota_set: { id: projectId, ...Object.fromEntries(Object.entries(values).map(([r, limit]) => [r, { in_use: inUse[r as QuotaResource] ?? 0, limit, reserved: 0 }])) },
    };
  }

  @Get('os-quota-sets/:projectId/defaults')
  async defaults(@Param('projectId') projectId: string, @Microversion() v: ApiVersion) {
    return { quota_set: { id: projectId, ...quotaValues(v, await this.usage.defaults()) } };
  }

  @Put('os-quota-sets/:projectId')
  async update(@Req() request: FastifyRequest, @Param('projectId') projectId: string, @Query() query: RawQuery, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-quota-sets:update', isAdmin(token));
    validateQuery(QUERY, query, v.atLeast('2.75'));
    validateBody(updateSchema(v), body);
    await this.verifyProject(projectId);
    const asked = member(body, 'quota_set');
    const force = asked.force !== undefined && asBoolean(asked.force);
    const limits: Partial<QuotaLimits> = {};
    for (const [k, value] of Object.entries(asked)) if ((QUOTA_RESOURCES as string[]).includes(k)) limits[k as QuotaResource] = Number(value);
    const inUse = await this.usage.inUse(projectId);
    const { position } = await this.writes.run(quotaDecider, quotaStream(projectId), 'UpdateQuotaSet', { projectId, limits, inUse, force }, commandMetadata(request, token));
    await this.reads.waitFor(position, QUOTAS_TABLE);
    return { quota_set: quotaValues(v, await this.usage.limits(projectId)) };
  }

  @Delete('os-quota-sets/:projectId')
  @HttpCode(202)
  async revert(@Req() request: FastifyRequest, @Param('projectId') projectId: string, @CurrentToken() token: TokenContext): Promise<void> {
    authorize('os_compute_api:os-quota-sets:delete', isAdmin(token));
    const { position } = await this.writes.run(quotaDecider, quotaStream(projectId), 'RevertQuotaSet', { projectId }, commandMetadata(request, token));
    await this.reads.waitFor(position, QUOTAS_TABLE);
  }

  /** A class's limits over the configured defaults (only the `default` class is applied to projects). */
  @Get('os-quota-class-sets/:id')
  async quotaClass(@Param('id') id: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-quota-class-sets:show', isAdmin(token) || id === scopedProjectId(token));
    return { quota_class_set: { id, ...quotaValues(v, effectiveLimits({}, await this.usage.classLimits(id))) } };
  }

  /** quota_classes.py `update`: admin only; the answer has no id. */
  @Put('os-quota-class-sets/:id')
  async updateQuotaClass(@Req() request: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-quota-class-sets:update', isAdmin(token));
    validateBody(classUpdateSchema(v), body);
    if (id.length > 255) throw badRequest('quota_class name is too long');
    const asked = member(body, 'quota_class_set');
    // Every resource the schema takes is recorded, the nova-network ones included (quota_classes.py `update`).
    const limits = Object.fromEntries(Object.entries(asked).map(([k, value]) => [k, Number(value)]));
    const stream = quotaClassStream(uuidFromName(`quota-class\u0000${id}`));
    const { position } = await this.writes.run(quotaClassDecider, stream, 'UpdateQuotaClassSet', { className: id, limits }, commandMetadata(request, token));
    await this.reads.waitFor(position, QUOTAS_TABLE);
    return { quota_class_set: quotaValues(v, effectiveLimits({}, await this.usage.classLimits(id))) };
  }

  // --- limits (nova/api/openstack/compute/limits.py, views/limits.py) ---

  @Get('limits')
  async limits(@Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    validateQuery({ tenant_id: { type: 'string' }, reserved: { type: 'string' } }, query, v.atLeast('2.75'));
    const asked = queryValue(query, 'tenant_id');
    const own = scopedProjectId(token) ?? '';
    if (asked !== undefined && asked !== own) authorize('os_compute_api:limits:other_project', isAdmin(token));
    const projectId = asked ?? own;
    const [limits, used] = await Promise.all([this.usage.limits(projectId), this.usage.projectUsage(projectId)]);
    const absolute: Record<string, number> = {
      maxServerMeta: limits.metadata_items,
      ...(v.below('2.39') ? { maxImageMeta: limits.metadata_items } : {}),
      ...(v.below('2.57') ? { maxPersonality: limits.injected_files, maxPersonalitySize: limits.injected_file_content_bytes } : {}),
      maxTotalKeypairs: limits.key_pairs,
      maxServerGroups: limits.server_groups,
      maxServerGroupMembers: limits.server_group_members,
      maxTotalCores: limits.cores,
      maxTotalInstances: limits.instances,
      maxTotalRAMSize: limits.ram,
      totalCoresUsed: used.cores,
      totalInstancesUsed: used.instances,
      totalRAMUsed: used.ram,
      totalServerGroupsUsed: used.server_groups,
      ...(v.below('2.36') ? { maxSecurityGroups: -1, maxSecurityGroupRules: -1, maxTotalFloatingIps: -1, totalFloatingIpsUsed: 0, totalSecurityGroupsUsed: 0 } : {}),
    };
    return { limits: { rate: [], absolute } };
  }
}
