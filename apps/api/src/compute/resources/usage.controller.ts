import { Controller, Get, Param, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { authorize, CurrentToken, isAdmin, requireProjectReader, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ComputeReadModel } from '../compute-read-model';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, NovaExceptionFilter, notFound } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { MAX_LIMIT, nextLink } from './links';
import { NovaSchema, PARAMETER_TYPES, queryValue, RawQuery, validateQuery } from './nova-schema';
import { UNDEFINED_TABLE } from './resource-reads';

const COLLECTION = 'os-simple-tenant-usage';

// nova/api/openstack/compute/schemas/simple_tenant_usage.py
const PERIOD: Record<string, NovaSchema> = { start: { type: 'string' }, end: { type: 'string' } };
const PAGING: Record<string, NovaSchema> = { limit: PARAMETER_TYPES.nonNegativeInteger, marker: { type: 'string' } };

/** A server that ran in the period, as the usage report reads it. */
interface UsageRow {
  id: string;
  name: string;
  project_id: string;
  vm_state: string;
  flavor: { name?: string; ephemeralGb?: number } | null;
  vcpus: number;
  memory_mb: number;
  root_gb: number;
  launched_at: Date;
  terminated_at: Date | null;
}

interface ServerUsage {
  instance_id: string;
  name: string;
  tenant_id: string;
  flavor: string;
  hours: number;
  memory_mb: number;
  local_gb: number;
  vcpus: number;
  started_at: string;
  ended_at: string | null;
  state: string;
  uptime: number;
}

interface TenantUsage {
  tenant_id: string;
  server_usages?: ServerUsage[];
  total_local_gb_usage: number;
  total_vcpus_usage: number;
  total_memory_mb_usage: number;
  total_hours: number;
  start: string;
  stop: string;
}

/** A Python naive UTC datetime as oslo serialises it: microseconds always written. */
function pythonTime(ms: number, micros = 0): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(Math.floor(((ms % 1000) + 1000) % 1000) * 1000 + micros).padStart(6, '0')}`;
}

/** An instant with microseconds (a request's period may name them; JavaScript dates hold milliseconds). */
interface Instant {
  ms: number;
  micros: number;
}

const at = (i: Instant) => i.ms * 1000 + i.micros;
/** Nova stores launched_at and terminated_at to the second (a DATETIME column). */
const toSecond = (d: Date): Instant => ({ ms: Math.floor(d.getTime() / 1000) * 1000, micros: 0 });
/** Now, to the microsecond (Python's utcnow): a period with neither start nor end still has its start before its end. */
const CLOCK_BASE_US = BigInt(Date.now()) * 1000n - process.hrtime.bigint() / 1000n;
const now = (): Instant => {
  const us = Number(CLOCK_BASE_US + process.hrtime.bigint() / 1000n);
  return { ms: Math.floor(us / 1000), micros: us % 1000 };
};

const FORMATS = [
  /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})$/,
  /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,6})$/,
  /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,6})$/,
];

/**
 * simple_tenant_usage.py `_parse_datetime`: absent or empty is now; otherwise one of Nova's three
 * `strptime` formats, taken as UTC.
 */
export function parseUsageTime(value: string | undefined): Instant {
  if (!value) return now();
  for (const format of FORMATS) {
    const m = format.exec(value);
    if (!m) continue;
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
    const ms = Date.UTC(year, month - 1, day, hour, minute, second);
    const d = new Date(ms);
    // strptime refuses a day or a time that does not exist (Feb 30, 25:00).
    if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day || d.getUTCHours() !== hour || d.getUTCMinutes() !== minute || d.getUTCSeconds() !== second || year < 1) continue;
    const fraction = Number((m[7] ?? '').padEnd(6, '0'));
    return { ms: ms + Math.floor(fraction / 1000), micros: fraction % 1000 };
  }
  throw badRequest('Invalid datetime string: Datetime is in invalid format');
}

/** The first value of a query parameter: Nova reads the period with `parse_qs(...).get(name)[0]`. */
function firstValue(query: RawQuery, name: string): string | undefined {
  const raw = query[name];
  return Array.isArray(raw) ? raw[0] : raw;
}

/**
 * Nova's os-simple-tenant-usage (nova/api/openstack/compute/simple_tenant_usage.py): what each
 * project's servers used over a period, in server hours and in vCPU, memory and disk hours, from
 * the servers read model's launch and termination times (deleted servers included, as Nova keeps
 * their rows). Every project for admins; one project for its readers.
 */
@Controller('compute/v2.1')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class UsageController {
  constructor(private readonly rm: ComputeReadModel) {}

  @Get(COLLECTION)
  async list(@Req() request: FastifyRequest, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    // `os-simple-tenant-usage/` is the show of an empty project id: no route in Nova.
    if (request.url.split('?')[0].endsWith('/')) throw notFound('The resource could not be found.');
    authorize('os_compute_api:os-simple-tenant-usage:list', isAdmin(token));
    this.validate(query, v, { ...PERIOD, detailed: { type: 'string' } });
    const { start, stop } = this.period(query);
    const detailed = firstValue(query, 'detailed') === '1';
    const { limit, marker } = this.paging(query, v);
    const servers = await this.serversIn(start, stop, null, limit, marker);
    const usages = this.summarise(servers, start, stop, detailed);
    const links = v.atLeast('2.40') ? this.links(request, query, servers, COLLECTION) : null;
    return { tenant_usages: usages, ...(links ? { tenant_usages_links: links } : {}) };
  }

  @Get(`${COLLECTION}/:projectId`)
  async show(@Req() request: FastifyRequest, @Param('projectId') projectId: string, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    requireProjectReader(token, projectId, 'os_compute_api:os-simple-tenant-usage:show');
    this.validate(query, v, PERIOD);
    const { start, stop } = this.period(query);
    const { limit, marker } = this.paging(query, v);
    const servers = await this.serversIn(start, stop, projectId, limit, marker);
    const [usage] = this.summarise(servers, start, stop, true);
    const links = v.atLeast('2.40') ? this.links(request, query, servers, `${COLLECTION}/${projectId}`) : null;
    return { tenant_usage: usage ?? {}, ...(links ? { tenant_usage_links: links } : {}) };
  }

  /** The period's query: free below 2.75 (other parameters ignored), with limit and marker from 2.40, nothing else from 2.75. */
  private validate(query: RawQuery, v: ApiVersion, period: Record<string, NovaSchema>): void {
    validateQuery(v.atLeast('2.40') ? { ...period, ...PAGING } : period, query, v.atLeast('2.75'));
  }

  /** `_parse_qs_params`: start before end, the end no later than now (`_index`, `_show`). */
  private period(query: RawQuery): { start: Instant; stop: Instant } {
    const start = parseUsageTime(firstValue(query, 'start'));
    let stop = parseUsageTime(firstValue(query, 'end'));
    if (!(at(start) < at(stop))) throw badRequest('Invalid start time. The start time cannot occur after the end time.');
    const current = now();
    if (at(stop) > at(current)) stop = current;
    return { start, stop };
  }

  /** `common.get_limit_and_marker` from 2.40; before, Nova's max_limit bounds the report all the same. */
  private paging(query: RawQuery, v: ApiVersion): { limit: number; marker: string | null } {
    if (!v.atLeast('2.40')) return { limit: MAX_LIMIT, marker: null };
    const asked = queryValue(query, 'limit');
    return { limit: Math.min(MAX_LIMIT, asked === undefined ? MAX_LIMIT : Number(asked)), marker: queryValue(query, 'marker') ?? null };
  }

  /**
   * `instance_get_active_by_window_joined`: servers launched before the period's end and not
   * terminated before its start, in (project, id) order after the marker (any server, deleted or
   * not, of any project: Nova looks it up with read_deleted).
   */
  private async serversIn(start: Instant, stop: Instant, projectId: string | null, limit: number, marker: string | null): Promise<UsageRow[]> {
    try {
      let after: { project_id: string; id: string } | undefined;
      if (marker !== null) {
        [after] = await this.rm.query<{ project_id: string; id: string }>('SELECT project_id, id FROM rm.compute_servers WHERE id = $1', [marker]);
        if (!after) throw badRequest(`Marker ${marker} could not be found.`);
      }
      const params: unknown[] = [new Date(Math.floor(at(start) / 1000)).toISOString(), new Date(Math.ceil(at(stop) / 1000)).toISOString()];
      const where = ['launched_at IS NOT NULL', `date_trunc('second', launched_at) < $2`, `(terminated_at IS NULL OR date_trunc('second', terminated_at) > $1)`];
      if (projectId !== null) {
        params.push(projectId);
        where.push(`project_id = $${params.length}`);
      }
      if (after) {
        params.push(after.project_id, after.id);
        where.push(`(project_id, id) > ($${params.length - 1}, $${params.length})`);
      }
      params.push(limit);
      return await this.rm.query<UsageRow>(
        `SELECT id, name, project_id, vm_state, flavor, vcpus, memory_mb, root_gb, launched_at, terminated_at
           FROM rm.compute_servers WHERE ${where.join(' AND ')} ORDER BY project_id, id LIMIT $${params.length}`,
        params,
      );
    } catch (e) {
      if ((e as { code?: string }).code === UNDEFINED_TABLE) return [];
      throw e;
    }
  }

  /** `_tenant_usages_for_period`: one summary per project, in the order its first server came. */
  private summarise(servers: UsageRow[], start: Instant, stop: Instant, detailed: boolean): TenantUsage[] {
    const byProject = new Map<string, TenantUsage>();
    const current = now();
    for (const s of servers) {
      const launched = toSecond(s.launched_at);
      const terminated = s.terminated_at ? toSecond(s.terminated_at) : null;
      const hours = hoursFor(launched, terminated, start, stop);
      const usage: ServerUsage = {
        instance_id: s.id,
        name: s.name,
        tenant_id: s.project_id,
        flavor: s.flavor?.name ?? '',
        hours,
        memory_mb: s.memory_mb,
        local_gb: s.root_gb + (s.flavor?.ephemeralGb ?? 0),
        vcpus: s.vcpus,
        started_at: pythonTime(launched.ms),
        ended_at: terminated ? pythonTime(terminated.ms) : null,
        state: terminated ? 'terminated' : s.vm_state,
        uptime: Math.trunc(((terminated ? at(terminated) : at(current)) - at(launched)) / 1e6),
      };
      let summary = byProject.get(s.project_id);
      if (!summary) {
        summary = {
          tenant_id: s.project_id,
          ...(detailed ? { server_usages: [] } : {}),
          total_local_gb_usage: 0,
          total_vcpus_usage: 0,
          total_memory_mb_usage: 0,
          total_hours: 0,
          start: pythonTime(start.ms, start.micros),
          stop: pythonTime(stop.ms, stop.micros),
        };
        byProject.set(s.project_id, summary);
      }
      summary.total_local_gb_usage += usage.local_gb * hours;
      summary.total_vcpus_usage += usage.vcpus * hours;
      summary.total_memory_mb_usage += usage.memory_mb * hours;
      summary.total_hours += hours;
      summary.server_usages?.push(usage);
    }
    return [...byProject.values()];
  }

  /** `_get_collection_links`: a next link when the page is as long as the limit asked (or max_limit). */
  private links(request: FastifyRequest, query: RawQuery, servers: UsageRow[], collection: string) {
    const asked = queryValue(query, 'limit');
    const max = Math.min(asked === undefined ? MAX_LIMIT : Number(asked), MAX_LIMIT);
    if (!max || servers.length !== max) return null;
    return nextLink(request, collection, query, servers[servers.length - 1].id);
  }
}

/** `_hours_for`: the hours of the period the server ran, from its launch (or the period's start) to its end (or the period's). */
export function hoursFor(launched: Instant, terminated: Instant | null, start: Instant, stop: Instant): number {
  if (terminated && at(terminated) < at(start)) return 0;
  if (at(launched) > at(stop)) return 0;
  const from = Math.max(at(launched), at(start));
  const to = terminated ? Math.min(at(stop), at(terminated)) : at(stop);
  return (to - from) / 3_600_000_000;
}
