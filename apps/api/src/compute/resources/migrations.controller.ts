import { Controller, Get, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { sqlParams } from '../../../../../infra/persistence/sql-params';
import { MIGRATION_SERVERS_TABLE, MigrationRow, MIGRATIONS_TABLE } from '../../../../../projections/compute/migrations';
import { authorize, CurrentToken, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, NovaExceptionFilter } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { MAX_LIMIT, nextLink } from './links';
import { NovaSchema, PARAMETER_TYPES, parseIsoTime, queryValue, RawQuery, validateQuery } from './nova-schema';
import { novaTime } from './nova-time';
import { ResourceReads } from './resource-reads';

// nova/api/openstack/compute/schemas/migrations.py (Zed): any parameter up to 2.58, only these from 2.59.
const V20: Record<string, NovaSchema> = { hidden: {}, host: {}, instance_uuid: {}, source_compute: {}, status: {}, migration_type: {} };
const DATE_TIME = { type: 'string', format: 'date-time' };
const V259 = { ...V20, limit: PARAMETER_TYPES.nonNegativeInteger, marker: { type: 'string' }, 'changes-since': DATE_TIME };
const V266 = { ...V259, 'changes-before': DATE_TIME };
const V280 = { ...V266, user_id: { type: 'string' }, project_id: { type: 'string' } };

/**
 * Nova's os-migrations (nova/api/openstack/compute/migrations.py), admin only: the resizes of every
 * server, from the compute_migrations read model. Up to 2.58 in the database's order; from 2.59
 * newest first, paged by the migration's uuid; `migration_type` from 2.23, `uuid` from 2.59, the
 * requester's `user_id` and `project_id` from 2.80. `dest_host` is the destination's host IP.
 */
@Controller('compute/v2.1/os-migrations')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class MigrationsController {
  constructor(private readonly reads: ResourceReads) {}

  @Get()
  async index(@Req() request: FastifyRequest, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    validateQuery(v.atLeast('2.80') ? V280 : v.atLeast('2.66') ? V266 : v.atLeast('2.59') ? V259 : V20, query, v.atLeast('2.59'));
    authorize('os_compute_api:os-migrations:index', isAdmin(token));
    const paged = v.atLeast('2.59');
    const { params, p } = sqlParams();
    // A deleted server's migrations are gone with it (Nova soft-deletes them in `instance_destroy`).
    const where: string[] = [`NOT EXISTS (SELECT 1 FROM rm.${MIGRATION_SERVERS_TABLE} s WHERE s.server_id = m.instance_uuid AND s.deleted)`];
    const one = (name: string) => queryValue(query, name);
    const status = one('status');
    if (status !== undefined) where.push(`status = ${p(status)}`);
    const host = one('host');
    if (host !== undefined) where.push(`(source_compute = ${p(host)} OR dest_compute = ${p(host)})`);
    else if (one('source_compute') !== undefined) where.push(`source_compute = ${p(one('source_compute'))}`);
    if (one('migration_type') !== undefined) where.push(`migration_type = ${p(one('migration_type'))}`);
    if (one('instance_uuid') !== undefined) where.push(`instance_uuid = ${p(one('instance_uuid'))}`);
    // Nova never hides a migration of a single cell: hidden=true finds none.
    if (one('hidden') !== undefined && !['0', 'false', 'f', 'no', 'n', 'off'].includes(one('hidden')!.toLowerCase())) where.push('false');
    // Up to 2.58 Nova hands every query parameter to the database as a filter (`_index`: search_opts.update(req.GET)),
    // so node, uuid, user_id and project_id filter there too; from 2.59 the schema refuses them until 2.80 takes the last two.
    if (v.atLeast('2.80') || !paged) {
      if (one('user_id') !== undefined) where.push(`user_id = ${p(one('user_id'))}`);
      if (one('project_id') !== undefined) where.push(`project_id = ${p(one('project_id'))}`);
    }
    if (!paged) {
      if (one('node') !== undefined) where.push(`(source_node = ${p(one('node'))} OR dest_node = ${p(one('node'))})`);
      if (one('uuid') !== undefined) where.push(`uuid = ${p(one('uuid'))}`);
    }
    if (paged) {
      // The schema has checked both: parseIsoTime reads them.
      const sinceText = one('changes-since');
      const beforeText = v.atLeast('2.66') ? one('changes-before') : undefined;
      const since = sinceText === undefined ? null : parseIsoTime(sinceText)!;
      const before = beforeText === undefined ? null : parseIsoTime(beforeText)!;
      if (since !== null && before !== null && before < since) {
        throw badRequest('The value of changes-since must be less than or equal to changes-before.');
      }
      if (since !== null) where.push(`updated_at >= ${p(since.toISOString())}::timestamptz`);
      if (before !== null) where.push(`updated_at <= ${p(before.toISOString())}::timestamptz`);
    }
    const marker = paged ? one('marker') : undefined;
    if (marker !== undefined) {
      // nova/compute/migration_list.py `get_marker_record`: the marker is any migration, whatever the filters
      // (and a deleted server's too); the page goes on from its place in the order.
      const found = await this.reads.rows<{ uuid: string }>(MIGRATIONS_TABLE, `SELECT uuid FROM rm.${MIGRATIONS_TABLE} WHERE uuid = $1`, [marker]);
      if (found.length === 0) throw badRequest(`Marker ${marker} could not be found.`);
      where.push(`(m.created_at, m.id) < (SELECT k.created_at, k.id FROM rm.${MIGRATIONS_TABLE} k WHERE k.uuid = ${p(marker)} LIMIT 1)`);
    }
    // Up to 2.58 Nova lists in its table's order, which is the order migrations were made in.
    const order = paged ? 'm.created_at DESC, m.id DESC' : 'm.created_at, m.id';
    let rows = await this.reads.rows<MigrationRow>(MIGRATIONS_TABLE, `SELECT m.* FROM rm.${MIGRATIONS_TABLE} m WHERE ${where.join(' AND ')} ORDER BY ${order}`, params);
    let links: ReturnType<typeof nextLink> | null = null;
    if (paged) {
      const asked = one('limit');
      const limit = Math.min(asked === undefined ? MAX_LIMIT : Number(asked), MAX_LIMIT);
      rows = rows.slice(0, limit);
      if (limit && rows.length === limit) links = nextLink(request, 'os-migrations', query, rows[rows.length - 1].uuid);
    }
    const ips = new Map((await this.reads.hosts()).map((h) => [h.host, h.host_ip]));
    return { migrations: rows.map((m) => this.view(m, v, ips)), ...(links ? { migrations_links: links } : {}) };
  }

  private view(m: MigrationRow, v: ApiVersion, ips: Map<string, string>) {
    return {
      created_at: novaTime(m.created_at),
      dest_compute: m.dest_compute,
      dest_host: m.dest_compute === null ? null : (ips.get(m.dest_compute) ?? null),
      dest_node: m.dest_node,
      id: m.id,
      instance_uuid: m.instance_uuid,
      ...(v.atLeast('2.23') ? { migration_type: m.migration_type } : {}),
      new_instance_type_id: m.new_instance_type_id,
      old_instance_type_id: m.old_instance_type_id,
      ...(v.atLeast('2.80') ? { project_id: m.project_id, user_id: m.user_id } : {}),
      source_compute: m.source_compute,
      source_node: m.source_node,
      status: m.status,
      updated_at: m.updated_at === null ? null : novaTime(m.updated_at),
      ...(v.atLeast('2.59') ? { uuid: m.uuid } : {}),
    };
  }
}
