import { Body, Controller, Get, Param, Put, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { HostCommand, hostDecider } from '../../../../../domain/compute/host';
import { hostStream } from '../../../../../domain/compute/streams';
import { CommandMetadata } from '../../../../../domain/kernel';
import { uuidFromName } from '../../../../../infra/ids/ids';
import { HostRow, HOSTS_TABLE } from '../../../../../projections/compute/hosts';
import { authorize, commandMetadata, CurrentToken, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ComputeReadModel } from '../compute-read-model';
import { ComputeWrites } from '../compute-writes';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, notFound, NovaError, NovaExceptionFilter } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { MAX_LIMIT, nextLink } from './links';
import { asBoolean, NovaSchema, PARAMETER_TYPES, queryValue, RawQuery, validateBody, validateQuery } from './nova-schema';
import { serviceTime } from './nova-time';
import { nodeUsage, ResourceReads, UNDEFINED_TABLE } from './resource-reads';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const COMPUTE_BINARY = 'nova-compute';

const state = (h: HostRow) => (h.up && !h.forced_down ? 'up' : 'down');
const status = (h: HostRow) => (h.enabled ? 'enabled' : 'disabled');

const HYPERVISOR_LIST_QUERY_233: Record<string, NovaSchema> = { limit: PARAMETER_TYPES.nonNegativeInteger, marker: { type: 'string' } };
const HYPERVISOR_LIST_QUERY_253: Record<string, NovaSchema> = {
  ...HYPERVISOR_LIST_QUERY_233,
  hypervisor_hostname_pattern: { type: 'string', minLength: 1, maxLength: 255 },
  with_servers: PARAMETER_TYPES.boolean,
};

// nova/api/openstack/compute/schemas/services.py
function serviceActionSchema(v: ApiVersion): NovaSchema {
  return {
    type: 'object',
    properties: {
      host: { type: 'string', minLength: 1, maxLength: 255 },
      binary: { type: 'string', minLength: 1, maxLength: 255 },
      disabled_reason: { type: 'string', minLength: 1, maxLength: 255 },
      ...(v.atLeast('2.11') ? { forced_down: PARAMETER_TYPES.boolean } : {}),
    },
    required: ['host', 'binary'],
    additionalProperties: false,
  };
}
const SERVICE_UPDATE_253: NovaSchema = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['enabled', 'disabled'] }, disabled_reason: { type: 'string', minLength: 1, maxLength: 255 }, forced_down: PARAMETER_TYPES.boolean },
  additionalProperties: false,
};

/** Nova's os-hypervisors, os-services and os-availability-zone, all views of the compute hosts. */
@Controller('compute/v2.1')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class HostsController {
  constructor(
    private readonly reads: ResourceReads,
    private readonly rm: ComputeReadModel,
    private readonly writes: ComputeWrites,
  ) {}

  private async serversOn(host: string): Promise<{ name: string; uuid: string }[]> {
    try {
      const rows = await this.rm.query<{ id: string; name: string }>('SELECT id, name FROM rm.compute_servers WHERE host = $1 AND NOT deleted ORDER BY id', [host]);
      return rows.map((r) => ({ name: r.name, uuid: r.id }));
    } catch (e) {
      if ((e as { code?: string }).code === UNDEFINED_TABLE) return [];
      throw e;
    }
  }

  // --- os-hypervisors (nova/api/openstack/compute/hypervisors.py) ---

  private hypervisorId(h: HostRow, v: ApiVersion): string | number {
    return v.atLeast('2.53') ? h.hypervisor_id : h.hypervisor_number;
  }

  private serviceId(h: HostRow, v: ApiVersion): string | number {
    return v.atLeast('2.53') ? h.service_id : h.service_number;
  }

  private hypervisorSummary(h: HostRow, v: ApiVersion) {
    return { id: this.hypervisorId(h, v), hypervisor_hostname: h.hypervisor_hostname, state: state(h), status: status(h) };
  }

  private hypervisorDetail(h: HostRow, v: ApiVersion) {
    const u = nodeUsage(h);
    const cpuInfo = v.atLeast('2.28') ? h.cpu_info : JSON.stringify(h.cpu_info);
    const base = {
      ...this.hypervisorSummary(h, v),
      hypervisor_type: h.hypervisor_type,
      hypervisor_version: h.hypervisor_version,
      host_ip: h.host_ip,
      service: { host: h.host, id: this.serviceId(h, v), disabled_reason: h.disabled_reason },
    };
    // 2.88 dropped the resource figures and cpu_info (Placement has them) and added the uptime.
    if (v.atLeast('2.88')) return { ...base, uptime: null };
    return {
      ...base,
      cpu_info: cpuInfo,
      vcpus: h.vcpus,
      memory_mb: h.memory_mb,
      local_gb: h.local_gb,
      vcpus_used: h.vcpus_used,
      memory_mb_used: u.memoryUsed,
      local_gb_used: u.diskUsed,
      free_ram_mb: u.freeRam,
      free_disk_gb: u.freeDisk,
      current_workload: 0,
      running_vms: h.running_vms,
      disk_available_least: u.freeDisk,
    };
  }

  private async hypervisorList(request: FastifyRequest, query: RawQuery, v: ApiVersion, detail: boolean) {
    if (v.atLeast('2.53')) validateQuery(HYPERVISOR_LIST_QUERY_253, query, true);
    else if (v.atLeast('2.33')) validateQuery(HYPERVISOR_LIST_QUERY_233, query, false);
    let hosts = await this.reads.hosts();
    const pattern = v.atLeast('2.53') ? queryValue(query, 'hypervisor_hostname_pattern') : undefined;
    if (pattern !== undefined) {
      if (queryValue(query, 'limit') !== undefined || queryValue(query, 'marker') !== undefined) {
        throw badRequest('Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.');
      }
      hosts = hosts.filter((h) => h.hypervisor_hostname.includes(pattern));
      if (hosts.length === 0) throw notFound(`No hypervisor matching '${pattern}' could be found.`);
    }
    let links = {};
    if (v.atLeast('2.33')) {
      const marker = queryValue(query, 'marker');
      if (marker !== undefined) {
        const at = hosts.findIndex((h) => String(this.hypervisorId(h, v)) === marker);
        if (at < 0) throw badRequest(`Marker ${marker} could not be found.`);
        hosts = hosts.slice(at + 1);
      }
      const asked = Number(queryValue(query, 'limit') ?? 0);
      const limit = Math.min(MAX_LIMIT, asked || MAX_LIMIT);
      hosts = hosts.slice(0, limit);
      if (asked > 0 && hosts.length === limit) links = { hypervisors_links: nextLink(request, detail ? 'os-hypervisors/detail' : 'os-hypervisors', query, String(this.hypervisorId(hosts[hosts.length - 1], v))) };
    }
    const withServers = v.atLeast('2.53') && asBoolean(queryValue(query, 'with_servers') ?? false);
    const hypervisors = [];
    for (const h of hosts) {
      const view = detail ? this.hypervisorDetail(h, v) : this.hypervisorSummary(h, v);
      hypervisors.push(withServers ? { ...view, servers: await this.serversOn(h.host) } : view);
    }
    return { hypervisors, ...links };
  }

  @Get('os-hypervisors')
  hypervisors(@Req() request: FastifyRequest, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-hypervisors:list', isAdmin(token));
    return this.hypervisorList(request, query, v, false);
  }

  @Get('os-hypervisors/detail')
  hypervisorsDetail(@Req() request: FastifyRequest, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-hypervisors:list-detail', isAdmin(token));
    return this.hypervisorList(request, query, v, true);
  }

  @Get('os-hypervisors/statistics')
  async statistics(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    if (v.atLeast('2.88')) throw notFound('The resource could not be found.');
    authorize('os_compute_api:os-hypervisors:statistics', isAdmin(token));
    const hosts = await this.reads.hosts();
    const sum = (f: (h: HostRow) => number) => hosts.reduce((s, h) => s + f(h), 0);
    return {
      hypervisor_statistics: {
        count: hosts.length,
        vcpus: sum((h) => h.vcpus),
        memory_mb: sum((h) => h.memory_mb),
        local_gb: sum((h) => h.local_gb),
        vcpus_used: sum((h) => h.vcpus_used),
        memory_mb_used: sum((h) => nodeUsage(h).memoryUsed),
        local_gb_used: sum((h) => nodeUsage(h).diskUsed),
        free_ram_mb: sum((h) => nodeUsage(h).freeRam),
        free_disk_gb: sum((h) => nodeUsage(h).freeDisk),
        current_workload: 0,
        running_vms: sum((h) => h.running_vms),
        disk_available_least: sum((h) => nodeUsage(h).freeDisk),
      },
    };
  }

  private async hypervisorById(id: string, v: ApiVersion): Promise<HostRow> {
    const missing = () => notFound(`Hypervisor with ID '${id}' could not be found.`);
    if (v.atLeast('2.53') && !UUID.test(id)) throw badRequest(`Invalid uuid ${id}`);
    if (v.below('2.53') && !/^\d+$/.test(id)) throw missing();
    const found = (await this.reads.hosts()).find((h) => String(this.hypervisorId(h, v)) === id);
    if (!found) throw missing();
    return found;
  }

  @Get('os-hypervisors/:id')
  async hypervisor(@Param('id') id: string, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-hypervisors:show', isAdmin(token));
    if (v.atLeast('2.53')) validateQuery({ with_servers: PARAMETER_TYPES.boolean }, query, true);
    const h = await this.hypervisorById(id, v);
    const view = this.hypervisorDetail(h, v);
    const withServers = v.atLeast('2.53') && asBoolean(queryValue(query, 'with_servers') ?? false);
    return { hypervisor: withServers ? { ...view, servers: await this.serversOn(h.host) } : view };
  }

  @Get('os-hypervisors/:id/uptime')
  async uptime(@Param('id') id: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    if (v.atLeast('2.88')) throw notFound('The resource could not be found.');
    authorize('os_compute_api:os-hypervisors:uptime', isAdmin(token));
    await this.hypervisorById(id, v);
    // The fake and libvirt drivers here report no uptime: Nova's NotImplementedError.
    throw new NovaError(501, 'The requested functionality is not supported.');
  }

  /** Before 2.53: hypervisors whose hostname contains the pattern. */
  private async matching(pattern: string, v: ApiVersion): Promise<HostRow[]> {
    if (v.atLeast('2.53')) throw notFound('The resource could not be found.');
    const hosts = (await this.reads.hosts()).filter((h) => h.hypervisor_hostname.includes(pattern));
    if (hosts.length === 0) throw notFound(`No hypervisor matching '${pattern}' could be found.`);
    return hosts;
  }

  @Get('os-hypervisors/:pattern/search')
  async search(@Param('pattern') pattern: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-hypervisors:search', isAdmin(token));
    return { hypervisors: (await this.matching(pattern, v)).map((h) => this.hypervisorSummary(h, v)) };
  }

  @Get('os-hypervisors/:pattern/servers')
  async servers(@Param('pattern') pattern: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-hypervisors:servers', isAdmin(token));
    const hypervisors = [];
    for (const h of await this.matching(pattern, v)) {
      const servers = await this.serversOn(h.host);
      hypervisors.push({ ...this.hypervisorSummary(h, v), ...(servers.length > 0 ? { servers } : {}) });
    }
    return { hypervisors };
  }

  // --- os-services (nova/api/openstack/compute/services.py) ---

  private serviceView(h: HostRow, v: ApiVersion) {
    return {
      id: this.serviceId(h, v),
      binary: COMPUTE_BINARY,
      disabled_reason: h.disabled_reason,
      host: h.host,
      state: state(h),
      status: status(h),
      updated_at: serviceTime(h.service_updated_at),
      zone: h.availability_zone,
      ...(v.atLeast('2.11') ? { forced_down: h.forced_down } : {}),
    };
  }

  @Get('os-services')
  async services(@Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-services:list', isAdmin(token));
    validateQuery({ host: { type: 'string' }, binary: { type: 'string' } }, query, v.atLeast('2.75'));
    const host = queryValue(query, 'host');
    const binary = queryValue(query, 'binary');
    const hosts = (await this.reads.hosts()).filter((h) => (host === undefined || h.host === host) && (binary === undefined || binary === COMPUTE_BINARY));
    return { services: hosts.map((h) => this.serviceView(h, v)) };
  }

  private runHost<T extends HostCommand['type']>(host: string, type: T, data: Extract<HostCommand, { type: T }>['data'], meta: CommandMetadata) {
    return this.writes.run(hostDecider, hostStream(uuidFromName(`host:${host}`)), type, data, meta);
  }

  @Put('os-services/:id')
  async updateService(@Req() request: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-services:update', isAdmin(token));
    const meta = commandMetadata(request, token);
    if (v.atLeast('2.53')) return this.update253(id, body, meta, v);
    const actions = ['enable', 'disable', 'disable-log-reason', ...(v.atLeast('2.11') ? ['force-down'] : [])];
    if (!actions.includes(id)) throw notFound('Unknown action');
    validateBody(serviceActionSchema(v), body);
    const b = body as { host: string; binary: string; disabled_reason?: string; forced_down?: unknown };
    const h = (await this.reads.hosts()).find((x) => x.host === b.host);
    // nova/exception.py HostBinaryNotFound
    if (!h) throw notFound(`Host '${b.host}' is not mapped to any cell`);
    if (b.binary !== COMPUTE_BINARY) throw notFound(`Could not find binary ${b.binary} on host ${b.host}.`);
    let position;
    let answer: Record<string, unknown>;
    switch (id) {
      case 'enable':
        ({ position } = await this.runHost(h.host, 'EnableComputeService', { host: h.host }, meta));
        answer = { host: h.host, binary: COMPUTE_BINARY, status: 'enabled' };
        break;
      case 'disable':
        ({ position } = await this.runHost(h.host, 'DisableComputeService', { host: h.host, reason: null }, meta));
        answer = { host: h.host, binary: COMPUTE_BINARY, status: 'disabled' };
        break;
      case 'disable-log-reason':
        if (b.disabled_reason === undefined) throw badRequest('Missing disabled reason field');
        ({ position } = await this.runHost(h.host, 'DisableComputeService', { host: h.host, reason: b.disabled_reason }, meta));
        answer = { host: h.host, binary: COMPUTE_BINARY, status: 'disabled', disabled_reason: b.disabled_reason };
        break;
      default: {
        if (b.forced_down === undefined) throw badRequest('Missing forced_down field');
        const forcedDown = asBoolean(b.forced_down);
        ({ position } = await this.runHost(h.host, 'SetComputeServiceForcedDown', { host: h.host, forcedDown }, meta));
        answer = { host: h.host, binary: COMPUTE_BINARY, forced_down: forcedDown };
      }
    }
    await this.reads.waitFor(position, HOSTS_TABLE);
    return { service: answer };
  }

  /** 2.53: PUT /os-services/{service_id} with `status`, `disabled_reason`, `forced_down`. */
  private async update253(id: string, body: unknown, meta: CommandMetadata, v: ApiVersion) {
    validateBody(SERVICE_UPDATE_253, body);
    if (!UUID.test(id)) throw badRequest(`Invalid uuid ${id}`);
    const b = body as { status?: 'enabled' | 'disabled'; disabled_reason?: string; forced_down?: unknown };
    const h = (await this.reads.hosts()).find((x) => x.service_id === id);
    if (!h) throw notFound(`Service ${id} could not be found.`);
    if (b.status === undefined && b.forced_down === undefined) throw badRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
    if (b.disabled_reason !== undefined && b.status !== 'disabled') {
      throw badRequest(`Specifying 'disabled_reason' with status '${b.status ?? 'None'}' is invalid.`);
    }
    let position = null;
    if (b.status === 'disabled') position = (await this.runHost(h.host, 'DisableComputeService', { host: h.host, reason: b.disabled_reason ?? null }, meta)).position ?? position;
    if (b.status === 'enabled') position = (await this.runHost(h.host, 'EnableComputeService', { host: h.host }, meta)).position ?? position;
    if (b.forced_down !== undefined) position = (await this.runHost(h.host, 'SetComputeServiceForcedDown', { host: h.host, forcedDown: asBoolean(b.forced_down) }, meta)).position ?? position;
    await this.reads.waitFor(position, HOSTS_TABLE);
    const after = (await this.reads.hosts()).find((x) => x.service_id === id)!;
    return { service: this.serviceView(after, v) };
  }

  // --- os-availability-zone (nova/api/openstack/compute/availability_zone.py) ---

  /**
   * nova/availability_zones.py `get_availability_zones`: a zone is available while one of its services
   * is enabled; the available zones by name, then the others by name. `members`: the enabled services'
   * hosts (the detail lists no disabled service, and no hosts at all for a zone that is not available).
   */
  private zones(hosts: HostRow[]) {
    const zones = new Map<string, HostRow[]>();
    for (const h of hosts) zones.set(h.availability_zone, [...(zones.get(h.availability_zone) ?? []), h]);
    const all = [...zones.entries()].map(([name, members]) => ({ name, members: members.filter((h) => h.enabled), available: members.some((h) => h.enabled) }));
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    return [...all.filter((z) => z.available).sort(byName), ...all.filter((z) => !z.available).sort(byName)];
  }

  @Get('os-availability-zone')
  async availabilityZones() {
    const zones = this.zones(await this.reads.hosts());
    return { availabilityZoneInfo: zones.map((z) => ({ zoneName: z.name, zoneState: { available: z.available }, hosts: null })) };
  }

  @Get('os-availability-zone/detail')
  async availabilityZonesDetail(@CurrentToken() token: TokenContext) {
    authorize('os_compute_api:os-availability-zone:detail', isAdmin(token));
    const zones = this.zones(await this.reads.hosts());
    return {
      availabilityZoneInfo: zones.map((z) => ({
        zoneName: z.name,
        zoneState: { available: z.available },
        hosts: z.available ? Object.fromEntries(z.members.map((h) => [h.host, { [COMPUTE_BINARY]: { available: state(h) === 'up', active: h.enabled, updated_at: serviceTime(h.service_updated_at) } }])) : null,
      })),
    };
  }
}
