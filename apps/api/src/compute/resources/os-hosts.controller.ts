import { Body, Controller, Get, Param, Put, Query, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { HostRow } from '../../../../../projections/compute/hosts';
import { authorize, CurrentToken, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ComputeReadModel } from '../compute-read-model';
import { ApiVersion, Microversion } from '../microversion';
import { goneFrom, NovaError, NovaExceptionFilter, notFound } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { NovaSchema, queryValue, RawQuery, validateBody } from './nova-schema';
import { nodeUsage, ResourceReads, UNDEFINED_TABLE } from './resource-reads';

/** The first microversion without os-hosts (deprecated for os-hypervisors, os-services and os-availability-zone). */
const HOSTS_GONE = '2.43';

// nova/api/openstack/compute/schemas/hosts.py `update`.
const SWITCH: NovaSchema = { type: 'string', enum: ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE'] };
const UPDATE_SCHEMA: NovaSchema = { type: 'object', properties: { status: SWITCH, maintenance_mode: SWITCH }, additionalProperties: false };

/** Host actions Nova's virt drivers may implement: the fake driver answers them, libvirt's does not (501). */
const FAKE_DRIVER = 'fake';

const notSupported = () => new NovaError(501, 'The requested functionality is not supported.');

/**
 * Nova's os-hosts (nova/api/openstack/compute/hosts.py, up to 2.42): the compute hosts, their zone and
 * resources (`openstack host list` / `host show`), from the hosts and servers read models. The host
 * actions (status and maintenance mode, startup / shutdown / reboot) are the virt driver's in Nova:
 * with the fake driver they answer what Nova's fake driver answers and change nothing; libvirt's
 * driver does not implement them (501), as in Nova.
 */
@Controller('compute/v2.1/os-hosts')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class OsHostsController {
  constructor(
    private readonly reads: ResourceReads,
    private readonly rm: ComputeReadModel,
  ) {}

  /** The host by name, or Nova's HostMappingNotFound (404). */
  private async host(name: string): Promise<HostRow> {
    const h = (await this.reads.hosts()).find((x) => x.host === name);
    if (!h) throw notFound(`Host '${name}' is not mapped to any cell`);
    return h;
  }

  /** `index`: the enabled services' hosts (only compute services here), in a zone if one is named. */
  @Get()
  async list(@Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, HOSTS_GONE);
    authorize('os_compute_api:os-hosts:list', isAdmin(token));
    const zone = queryValue(query, 'zone');
    const hosts = (await this.reads.hosts()).filter((h) => h.enabled && (!zone || h.availability_zone === zone));
    return { hosts: hosts.map((h) => ({ host_name: h.host, service: 'compute', zone: h.availability_zone })) };
  }

  /** `show`: the host's totals, its use now (reserved room included, as the compute node counts it), the sum of its servers, and per project. */
  @Get(':host')
  async show(@Param('host') name: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, HOSTS_GONE);
    authorize('os_compute_api:os-hosts:show', isAdmin(token));
    const h = await this.host(name);
    const servers = await this.serversOn(h.host);
    const resource = (project: string, cpu: number, memory: number, disk: number) => ({ resource: { host: h.host, project, cpu, memory_mb: memory, disk_gb: disk } });
    const { memoryUsed, diskUsed } = nodeUsage(h);
    const sum = (rows: typeof servers) => rows.reduce((t, s) => ({ cpu: t.cpu + s.vcpus, memory: t.memory + s.memory_mb, disk: t.disk + s.disk_gb }), { cpu: 0, memory: 0, disk: 0 });
    const all = sum(servers);
    const projects = [...new Set(servers.map((s) => s.project_id))];
    return {
      host: [
        resource('(total)', h.vcpus, h.memory_mb, h.local_gb),
        resource('(used_now)', h.vcpus_used, memoryUsed, diskUsed),
        resource('(used_max)', all.cpu, all.memory, all.disk),
        ...projects.map((p) => {
          const t = sum(servers.filter((s) => s.project_id === p));
          return resource(p, t.cpu, t.memory, t.disk);
        }),
      ],
    };
  }

  /** `update`: status and maintenance mode, each answered by the host's driver. */
  @Put(':host')
  async update(@Param('host') name: string, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, HOSTS_GONE);
    // Nova validates the body before it checks the policy.
    validateBody(UPDATE_SCHEMA, body);
    authorize('os_compute_api:os-hosts:update', isAdmin(token));
    const b = body as { status?: string; maintenance_mode?: string };
    const h = await this.host(name);
    // The schema's anyOf (status or maintenance_mode) is not enforced by Nova: `{}` asks the driver nothing and answers the host.
    if (b.status === undefined && b.maintenance_mode === undefined) return { host: h.host };
    if (h.hypervisor_type !== FAKE_DRIVER) throw notSupported();
    const enable = (value: string) => value.trim().toLowerCase() === 'enable';
    return {
      host: h.host,
      ...(b.status !== undefined ? { status: enable(b.status) ? 'enabled' : 'disabled' } : {}),
      ...(b.maintenance_mode !== undefined ? { maintenance_mode: enable(b.maintenance_mode) ? 'on_maintenance' : 'off_maintenance' } : {}),
    };
  }

  @Get(':host/startup')
  startup(@Param('host') name: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    return this.powerAction(name, 'startup', 'os_compute_api:os-hosts:start', token, v);
  }

  @Get(':host/shutdown')
  shutdown(@Param('host') name: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    return this.powerAction(name, 'shutdown', 'os_compute_api:os-hosts:shutdown', token, v);
  }

  @Get(':host/reboot')
  reboot(@Param('host') name: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    return this.powerAction(name, 'reboot', 'os_compute_api:os-hosts:reboot', token, v);
  }

  /** `_host_power_action`: Nova's fake driver answers the action's name; libvirt's does not implement it. */
  private async powerAction(name: string, action: string, rule: string, token: TokenContext, v: ApiVersion) {
    goneFrom(v, HOSTS_GONE);
    authorize(rule, isAdmin(token));
    const h = await this.host(name);
    if (h.hypervisor_type !== FAKE_DRIVER) throw notSupported();
    return { host: h.host, power_action: action };
  }

  /** `instance_get_all_by_host`: the servers on the host that are not deleted, whatever their state. */
  private async serversOn(host: string): Promise<{ project_id: string; vcpus: number; memory_mb: number; disk_gb: number }[]> {
    try {
      return await this.rm.query(
        `SELECT project_id, vcpus, memory_mb, root_gb + coalesce((flavor->>'ephemeralGb')::int, 0) AS disk_gb
           FROM rm.compute_servers WHERE host = $1 AND NOT deleted ORDER BY created_at, id`,
        [host],
      );
    } catch (e) {
      if ((e as { code?: string }).code === UNDEFINED_TABLE) return [];
      throw e;
    }
  }
}
