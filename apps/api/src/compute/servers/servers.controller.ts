import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { FlavorSnapshot, serverStatus, ServerImage, ServerSpec, serverStream } from '../../../../../domain/compute';
import { imageDecider } from '../../../../../domain/image';
import { CommandMetadata, DomainError, QuotaExceeded } from '../../../../../domain/kernel';
import { TimeTravel } from '../../../../../infra/audit/time-travel';
import { uuidFromName } from '../../../../../infra/ids/ids';
import { Bus } from '../../../../../infra/messaging/bus';
import type { ServerRow } from '../../../../../projections/compute/servers';
import { authorize, commandMetadata, CurrentToken, hasRole, isAdmin, scopedProjectId, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { askHost, computeSubjects, ConsoleReply, ConsoleRequest } from '../../../../shared/src/compute-protocol';
import { BUS, TIME_TRAVEL } from '../../../../shared/src/runtime.tokens';
import { ImageReads } from '../../image/image-reads';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, conflict, forbidden, NovaError, NovaExceptionFilter, notFound } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { ComputeUsage, ProjectUsage } from '../resources/compute-usage';
import { FlavorLookup } from '../resources/flavor-lookup';
import { computeBase, MAX_LIMIT, nextLink } from '../resources/links';
import { parseIsoTime, RawQuery, validateBody } from '../resources/nova-schema';
import { repr } from '../../image/python-text';
import { ServerListQuery, ServerReads } from './server-reads';
import { accessAddress, actionSchema, autoDiskConfig, CreateRequest, parseCreate, updateSchema } from './server-requests';
import { serverAddresses, serverSummary, serverView, ServerViewContext } from './server-views';
import { ServerWrites } from './server-writes';
import { snapshotImage } from '../../../../shared/src/snapshot-images';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SORT_KEYS = ['created_at', 'updated_at', 'display_name', 'launched_at', 'host', 'vm_state', 'task_state', 'uuid'] as const;

/**
 * The query parameters GET /servers and /servers/detail take from 2.75, when Nova refuses any other
 * (nova/api/openstack/compute/schemas/servers.py `index_query_v275`; `^_` names pass the schema), and
 * Strata's own `as_of`.
 */
/** Filters of joined tables, which Nova's schema lets through and `_get_servers` refuses to admins (with `^_` names). */
const JOINED_TABLE_FILTERS = new Set(['block_device_mapping', 'services', 'metadata', 'system_metadata', 'info_cache', 'security_groups', 'pci_devices']);

const LIST_QUERY_275 = new Set([
  'user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref', 'image', 'kernel_id', 'ramdisk_id', 'hostname', 'key_name',
  'power_state', 'vm_state', 'task_state', 'host', 'node', 'flavor', 'reservation_id', 'launched_at', 'terminated_at',
  'availability_zone', 'name', 'display_name', 'description', 'display_description', 'locked_by', 'uuid', 'root_device_name',
  'config_drive', 'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'progress', 'sort_key', 'sort_dir', 'all_tenants',
  'soft_deleted', 'deleted', 'status', 'changes-since', 'ip', 'ip6', 'created_at', 'block_device_mapping', 'services', 'metadata',
  'system_metadata', 'info_cache', 'security_groups', 'pci_devices', 'limit', 'marker', 'tags', 'tags-any', 'not-tags',
  'not-tags-any', 'changes-before', 'locked', 'as_of',
]);

/** Nova's generated admin password: 12 characters, the alphabet of nova/utils.py `generate_password`. */
function generatePassword(): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** nova/utils.py `sanitize_hostname`. */
export function sanitizeHostname(name: string): string {
  const h = name
    .toLowerCase()
    .replace(/[ _]/g, '-')
    .replace(/[^\w.-]+/g, '')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 63);
  return h || 'server';
}

/** nova/compute/api.py `_check_num_instances_quota` message. */
function quotaMessage(overs: { resource: string; requested: number; used: number; allowed: number }[]): string {
  const sorted = [...overs].sort((a, b) => (a.resource < b.resource ? -1 : 1));
  const list = (k: 'requested' | 'used' | 'allowed') => sorted.map((o) => o[k]).join(', ');
  const names = sorted.map((o) => o.resource).join(', ');
  return `Quota exceeded for ${names}: Requested ${list('requested')}, but already used ${list('used')} of ${list('allowed')} ${names}`;
}

@Controller('compute/v2.1/servers')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class ServersController {
  constructor(
    private readonly reads: ServerReads,
    private readonly writes: ServerWrites,
    private readonly flavors: FlavorLookup,
    private readonly usage: ComputeUsage,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(TIME_TRAVEL) private readonly timeTravel: TimeTravel,
  ) {}

  /**
   * Runs a read against the live read model, or with `?as_of=` against the servers read model at
   * that instant or position, folded apart from the live one (issue 8). One server's state needs
   * only its own stream.
   */
  private readsAt<T>(query: RawQuery, work: (reads: ServerReads) => Promise<T>, serverId?: string): Promise<T> {
    const streams = serverId !== undefined && UUID.test(serverId) ? [serverStream(serverId)] : undefined;
    return this.timeTravel.readsAt(query.as_of, ['compute_servers'], this.reads, work, { streams, invalid: (m) => badRequest(`Invalid input for query parameters as_of. ${m}`) });
  }

  /**
   * The view's context. `hostsNow`: the servers' hosts whose zone the view shows (not for a past
   * instant, `as_of`, whose rows show the zone recorded when they were placed).
   */
  private async ctx(
    request: FastifyRequest,
    token: TokenContext,
    v: ApiVersion,
    row: ServerRow | null,
    inList = false,
    forChange?: ServerViewContext['forChange'],
    hostsNow: (string | null)[] = row ? [row.host] : [],
  ): Promise<ServerViewContext> {
    const admin = isAdmin(token);
    const [hostStatus, hostZones] = await Promise.all([admin && v.atLeast('2.16') && row ? this.reads.hostStatus(row.host) : undefined, this.reads.hostZones(hostsNow)]);
    return { version: v, isAdmin: admin, baseUrl: computeBase(request), inList, forChange, hostZones, ...(hostStatus !== undefined ? { hostStatus: hostStatus as ServerViewContext['hostStatus'] } : {}) };
  }

  /** The server if the token may see it: other projects' servers, and deleted ones, do not exist (404). */
  private visible(token: TokenContext, serverId: string, reads = this.reads): Promise<ServerRow> {
    return reads.visible(token, serverId);
  }

  /** Changing a server takes a member of its project (a reader only reads) or an admin. */
  private mayChange(token: TokenContext, rule: string): void {
    authorize(rule, isAdmin(token) || hasRole(token, 'member'));
  }

  /** The answer of update and rebuild: their own view (below 2.75 the base fields only). */
  private async shown(request: FastifyRequest, token: TokenContext, v: ApiVersion, serverId: string, change: 'update' | 'rebuild') {
    const row = await this.reads.server(serverId);
    if (!row) throw notFound(`Instance ${serverId} could not be found.`);
    return { server: serverView(row, await this.ctx(request, token, v, row, false, change)), row };
  }

  // ---- create ------------------------------------------------------------------------------

  @Post()
  @HttpCode(202)
  async create(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const projectId = scopedProjectId(token);
    authorize('os_compute_api:servers:create', projectId !== null && (isAdmin(token) || hasRole(token, 'member')));
    const req = parseCreate(body, v);
    // Every lookup at once (under load each round trip waits its turn), checked in Nova's order below.
    const group = req.hints.group;
    const lookups = {
      flavor: early(this.flavors.flavor(req.flavorRef, token)),
      image: early(this.imageRow(req.imageRef)),
      keypair: early(req.keyName === null ? Promise.resolve(null) : this.reads.keypair(token.user.id, req.keyName)),
      group: early(group === null ? Promise.resolve([]) : this.reads.rm.query('SELECT 1 FROM rm.compute_server_groups WHERE id = $1', [group]).catch(() => [])),
      limits: early(this.usage.limits(projectId!)),
      used: early(this.usage.projectUsage(projectId!)),
    };
    const flavor = await lookups.flavor;
    if (!flavor) throw badRequest('Invalid flavorRef provided.');
    const image = this.image(req.imageRef, await lookups.image, token, flavor);
    const keyData = req.keyName === null ? null : ((await lookups.keypair)?.public_key ?? null);
    if (req.keyName !== null && keyData === null) throw badRequest('Invalid key_name provided.');
    await this.checkNetworks(req);
    await this.checkPlacement(req, token);
    if (group !== null && !(await lookups.group).length) {
      throw badRequest(`Invalid server group ${group}: instance group ${group} could not be found.`);
    }
    const limits = await lookups.limits;
    this.checkQuota(limits, await lookups.used, flavor, req);

    const meta = commandMetadata(request, token);
    const reservationId = `r-${uuidFromName(`reservation\u0000${meta.requestId}`).slice(0, 8)}`;
    let firstId: string | null = null;
    let position = null;
    for (let i = 0; i < req.maxCount; i++) {
      const serverId = uuidFromName(`server-create\u0000${meta.requestId}\u0000${token.user.id}\u0000${i}`);
      firstId ??= serverId;
      const name = req.maxCount > 1 ? `${req.name}-${i + 1}` : req.name;
      const stepMeta: CommandMetadata = i === 0 ? meta : { ...meta, requestId: `req-${uuidFromName(`${meta.requestId}\u0000${i}`)}` };
      if (group !== null) {
        await this.writes.addGroupMember(group, serverId, limits.server_group_members, stepMeta).catch((e) => {
          if (e instanceof QuotaExceeded) throw forbidden(e.message);
          throw e;
        });
      }
      const spec: ServerSpec = {
        serverId,
        name,
        description: req.description,
        projectId: projectId!,
        userId: token.user.id,
        flavor,
        image,
        keyName: req.keyName,
        keyData,
        metadata: req.metadata,
        availabilityZone: req.availabilityZone,
        requestedHost: req.host,
        serverGroupId: group,
        hints: { sameHost: req.hints.sameHost, differentHost: req.hints.differentHost },
        reservationId,
        launchIndex: i,
        hostname: req.hostname ?? sanitizeHostname(name),
        instanceName: `instance-${serverId.slice(0, 8)}`,
        accessIPv4: req.accessIPv4,
        accessIPv6: req.accessIPv6,
        userData: req.userData,
        configDrive: req.configDrive,
        tags: req.tags,
        autoDiskConfig: req.autoDiskConfig,
      };
      const result = await this.writes.create(spec, stepMeta);
      position = result.position ?? position;
    }
    await this.reads.rm.waitFor(position, ['compute_servers', 'compute_instance_actions']);
    if (req.returnReservationId) return { reservation_id: reservationId };
    const base = computeBase(request);
    reply.header('Location', `${base}/v2.1/servers/${firstId}`);
    return {
      server: {
        id: firstId,
        links: [
          { rel: 'self', href: `${base}/v2.1/servers/${firstId}` },
          { rel: 'bookmark', href: `${base}/servers/${firstId}` },
        ],
        'OS-DCF:diskConfig': req.autoDiskConfig ? 'AUTO' : 'MANUAL',
        security_groups: [{ name: 'default' }],
        adminPass: req.adminPass ?? generatePassword(),
      },
    };
  }

  /** The image row an imageRef names, if it is a uuid and exists. */
  private async imageRow(imageRef: string | null): Promise<Awaited<ReturnType<ServerReads['image']>>> {
    return imageRef !== null && UUID.test(imageRef) ? this.reads.image(imageRef) : null;
  }

  /** The image to boot from: visible to the token, active, and fitting the flavor (nova/compute/api.py `_validate_flavor_image`). */
  private image(imageRef: string | null, row: Awaited<ReturnType<ServerReads['image']>>, token: TokenContext, flavor: FlavorSnapshot): ServerImage {
    if (imageRef === null) throw badRequest('Missing imageRef attribute');
    if (!row || !ImageReads.visible(row as never, { admin: isAdmin(token), projectId: scopedProjectId(token) } as never)) throw badRequest(`Image ${imageRef} could not be found.`);
    if (row.status !== 'active') throw badRequest(`Image ${imageRef} is not active.`);
    const minRam = Number(row.min_ram ?? 0);
    const minDisk = Number(row.min_disk ?? 0);
    if (minRam > flavor.memoryMb) throw badRequest("Flavor's memory is too small for requested image.");
    if (flavor.rootGb > 0 && minDisk > flavor.rootGb) throw badRequest("Flavor's disk is too small for requested image.");
    const size = Number(row.size ?? 0);
    if (flavor.rootGb > 0 && size > flavor.rootGb * 1024 ** 3) throw badRequest("Flavor's disk is too small for requested image.");
    return {
      id: imageRef,
      name: (row.name as string | null) ?? null,
      properties: (row.properties as Record<string, string>) ?? {},
      diskFormat: (row.disk_format as string | null) ?? null,
      minDisk,
      minRam,
    };
  }

  /** Strata has no networking service yet: only `none`, `auto` (nothing to allocate) or no networks boot, in the implicit `default` security group. */
  private async checkNetworks(req: CreateRequest): Promise<void> {
    // nova/network/security_group_api.py `validate_name` → SecurityGroupNotFound (400 on create).
    for (const name of req.securityGroups) if (name !== 'default') throw badRequest(`Security group ${name} not found.`);
    if (!Array.isArray(req.networks)) return;
    for (const n of req.networks) {
      if (n.port) throw badRequest(`Port ${n.port} could not be found.`);
      if (n.uuid) throw badRequest(`Network ${n.uuid} could not be found.`);
    }
  }

  private async checkPlacement(req: CreateRequest, token: TokenContext): Promise<void> {
    if (req.availabilityZone !== null) {
      const [az, host] = req.availabilityZone.split(':');
      if (host) authorize('os_compute_api:servers:create:forced_host', isAdmin(token));
      // nova/compute/api.py `_validate_and_build_base_options`: a forced host ('az:host') skips the zone check.
      if (az && !host && !(await this.reads.availabilityZones()).includes(az)) throw badRequest('The requested availability zone is not available');
      if (host && !(await this.reads.hostExists(host))) throw badRequest(`Compute host ${host} could not be found.`);
    }
    if (req.host !== null) {
      authorize('compute:servers:create:requested_destination', isAdmin(token));
      if (!(await this.reads.hostExists(req.host))) throw badRequest(`Compute host ${req.host} could not be found.`);
    }
  }

  private checkQuota(limits: Record<string, number>, used: ProjectUsage, flavor: FlavorSnapshot, req: CreateRequest): void {
    // nova/compute/api.py `_check_metadata_properties_quota`
    const items = Object.keys(req.metadata).length;
    if (limits.metadata_items >= 0 && items > limits.metadata_items) throw forbidden(`Quota exceeded for metadata_items: Requested ${items}, but already used 0 of ${limits.metadata_items} metadata_items`);
    const asked = { instances: req.maxCount, cores: flavor.vcpus * req.maxCount, ram: flavor.memoryMb * req.maxCount };
    const overs = (['instances', 'cores', 'ram'] as const)
      .filter((r) => limits[r] >= 0 && used[r] + asked[r] > limits[r])
      .map((r) => ({ resource: r, requested: asked[r], used: used[r], allowed: limits[r] }));
    if (overs.length > 0) throw forbidden(quotaMessage(overs));
  }

  // ---- list, show ----------------------------------------------------------------------------

  @Get()
  async list(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Query() query: RawQuery, @Req() request: FastifyRequest) {
    const { page, links } = await this.readsAt(query, (reads) => this.page(token, v, query, request, reads, 'servers'));
    const ctx = { baseUrl: computeBase(request) };
    return { servers: page.map((r) => serverSummary(r, ctx)), ...(links ? { servers_links: links } : {}) };
  }

  @Get('detail')
  async detail(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Query() query: RawQuery, @Req() request: FastifyRequest) {
    // Nova's detail view links its next page to /servers/detail (views/servers.py `_list_view`, coll_name + '/detail').
    const { page, links } = await this.readsAt(query, (reads) => this.page(token, v, query, request, reads, 'servers/detail'));
    // One status per host, not one query per server: a page holds up to 1,000 servers on a few hosts.
    const base = await this.ctx(request, token, v, null, true, undefined, query.as_of === undefined ? page.map((r) => r.host) : []);
    const statuses = new Map<string | null, ServerViewContext['hostStatus']>();
    if (isAdmin(token) && v.atLeast('2.16')) {
      for (const host of new Set(page.map((r) => r.host))) statuses.set(host, (await this.reads.hostStatus(host)) as ServerViewContext['hostStatus']);
    }
    const servers = page.map((r) => serverView(r, statuses.has(r.host) ? { ...base, hostStatus: statuses.get(r.host) } : base));
    return { servers, ...(links ? { servers_links: links } : {}) };
  }

  private async page(
    token: TokenContext,
    v: ApiVersion,
    query: RawQuery,
    request: FastifyRequest,
    reads: ServerReads,
    collection: 'servers' | 'servers/detail',
  ): Promise<{ page: ServerRow[]; links: unknown[] | null }> {
    const one = (name: string) => {
      const raw = query[name];
      return Array.isArray(raw) ? raw[raw.length - 1] : raw;
    };
    if (v.atLeast('2.75')) {
      const extras = Object.keys(query).filter((name) => query[name] !== undefined && !LIST_QUERY_275.has(name) && !name.startsWith('_'));
      // jsonschema's additionalProperties beside patternProperties: the names sorted, then the patterns.
      if (extras.length) throw badRequest(`${extras.sort().map((name) => repr(name)).join(', ')} ${extras.length === 1 ? 'does' : 'do'} not match any of the regexes: '^_'`);
    }
    const admin = isAdmin(token);
    // servers.py `_get_servers`: an admin's options are all kept, and these refused; a non-admin's are dropped before.
    if (admin) {
      const invalid = Object.keys(query).find((name) => query[name] !== undefined && (name.startsWith('_') || JOINED_TABLE_FILTERS.has(name)));
      if (invalid !== undefined) throw badRequest(`Invalid filter field: ${invalid}.`);
    }
    const allTenants = one('all_tenants') !== undefined;
    if (allTenants) authorize('os_compute_api:servers:index:get_all_tenants', admin);
    const q: ServerListQuery = { projectId: allTenants ? null : scopedProjectId(token), deleted: 'no', sortKey: 'created_at', sortDir: 'desc' };
    if (admin && allTenants) {
      const project = one('project_id') ?? one('tenant_id');
      if (project !== undefined) q.projectId = project;
    }
    const name = one('name');
    if (name !== undefined) {
      try {
        q.name = new RegExp(name);
      } catch {
        q.name = new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      }
    }
    const status = one('status');
    if (status !== undefined) {
      const states = ServerReads.statusFilter(status);
      if (!states) {
        // 2.38: an unknown status is a 400; before, it matched nothing.
        if (v.atLeast('2.38')) throw badRequest(`Invalid status value`);
        return { page: [], links: null };
      }
      q.status = states;
    }
    for (const [param, key] of [
      ['changes-since', 'changesSince'],
      ['changes-before', 'changesBefore'],
    ] as const) {
      const value = one(param);
      if (value === undefined) continue;
      if (param === 'changes-before' && v.below('2.66')) continue;
      const at = parseIsoTime(value);
      if (at === null) throw badRequest(`Invalid input for query parameters ${param}. Value: ${value}. '${value}' is not a 'date-time'`);
      q[key] = at.toISOString();
      q.deleted = 'also';
    }
    if (admin) {
      const host = one('host');
      if (host !== undefined) q.host = host;
      const deleted = one('deleted');
      if (deleted !== undefined && /^(true|1|yes)$/i.test(deleted)) q.deleted = 'yes';
    }
    const reservation = one('reservation_id');
    if (reservation !== undefined) q.reservationId = reservation;
    const flavor = one('flavor');
    if (flavor !== undefined) q.flavorId = flavor;
    const image = one('image');
    if (image !== undefined) q.imageId = image;
    const az = one('availability_zone');
    if (az !== undefined && (admin || v.atLeast('2.83'))) q.availabilityZone = az;
    const sortKey = one('sort_key');
    if (sortKey !== undefined) {
      if (!(SORT_KEYS as readonly string[]).includes(sortKey)) throw badRequest(`Invalid input for query parameters sort_key. Value: ${sortKey}. '${sortKey}' is not one of ${JSON.stringify(SORT_KEYS)}`);
      q.sortKey = sortKey as ServerListQuery['sortKey'];
    }
    const sortDir = one('sort_dir');
    if (sortDir !== undefined) {
      if (sortDir !== 'asc' && sortDir !== 'desc') throw badRequest(`Invalid input for query parameters sort_dir. Value: ${sortDir}. '${sortDir}' is not one of ['asc', 'desc']`);
      q.sortDir = sortDir;
    }
    const limitText = one('limit');
    let limit = MAX_LIMIT;
    if (limitText !== undefined) {
      if (!/^\d+$/.test(limitText)) throw badRequest(`Invalid input for query parameters limit. Value: ${limitText}. '${limitText}' does not match '^[0-9]*$'`);
      limit = Math.min(Number(limitText), MAX_LIMIT);
    }
    const marker = one('marker');
    // PostgreSQL stops at the page's last row, and a page after a marker starts there (keyset on the sort key and id).
    // A name regex is applied here, after the query: then the list is read up to the marker.
    q.limit = limit;
    if (marker !== undefined && !q.name) {
      if (!(await reads.inList(q, marker))) throw badRequest(`marker [${marker}] not found`);
      q.after = marker;
    }
    const rows = await reads.servers(q);
    let start = 0;
    if (marker !== undefined && q.name) {
      const index = rows.findIndex((r) => r.id === marker);
      if (index < 0) throw badRequest(`marker [${marker}] not found`);
      start = index + 1;
    }
    const page = rows.slice(start, start + limit);
    const links = page.length > 0 && page.length === limit && limitText !== undefined ? nextLink(request, collection, query, page[page.length - 1].id) : null;
    return { page, links };
  }

  @Get(':serverId')
  async show(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Param('serverId') serverId: string, @Query() query: RawQuery, @Req() request: FastifyRequest) {
    const row = await this.readsAt(query, (reads) => this.visible(token, serverId, reads), serverId);
    return { server: serverView(row, await this.ctx(request, token, v, row, false, undefined, query.as_of === undefined ? [row.host] : [])) };
  }

  // ---- ips: nova/api/openstack/compute/ips.py (a reader of the project or an admin) ------------

  @Get(':serverId/ips')
  async ips(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string) {
    return { addresses: serverAddresses(await this.visible(token, serverId)) };
  }

  @Get(':serverId/ips/:network')
  async ipsOfNetwork(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string, @Param('network') network: string) {
    const addresses = serverAddresses(await this.visible(token, serverId));
    if (!Object.hasOwn(addresses, network)) throw notFound('Instance is not a member of specified network');
    return { [network]: addresses[network] };
  }

  // ---- update, delete ------------------------------------------------------------------------

  @Put(':serverId')
  async update(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Param('serverId') serverId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    validateBody(updateSchema(v), body);
    const row = await this.visible(token, serverId);
    this.mayChange(token, 'os_compute_api:servers:update');
    const s = (body as { server: Record<string, unknown> }).server;
    const accessIPv4 = accessAddress('accessIPv4', s.accessIPv4);
    const accessIPv6 = accessAddress('accessIPv6', s.accessIPv6);
    const disk = autoDiskConfig(s['OS-DCF:diskConfig']);
    const { position } = await this.writes.run(
      'UpdateServer',
      {
        serverId: row.id,
        byAdmin: isAdmin(token),
        ...(s.name !== undefined ? { name: String(s.name) } : {}),
        ...(s.description !== undefined ? { description: s.description as string | null } : {}),
        ...(accessIPv4 !== undefined ? { accessIPv4 } : {}),
        ...(accessIPv6 !== undefined ? { accessIPv6 } : {}),
        ...(disk !== undefined ? { autoDiskConfig: disk } : {}),
      },
      commandMetadata(request, token),
    );
    await this.reads.rm.waitFor(position, ['compute_servers']);
    return { server: (await this.shown(request, token, v, row.id, 'update')).server };
  }

  @Delete(':serverId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('serverId') serverId: string, @Req() request: FastifyRequest) {
    const row = await this.visible(token, serverId);
    this.mayChange(token, 'os_compute_api:servers:delete');
    await this.deleteServer(row, false, token, request);
  }

  private async deleteServer(row: ServerRow, force: boolean, token: TokenContext, request: FastifyRequest): Promise<void> {
    const hostDown = row.host !== null && (await this.reads.hostStatus(row.host)) === 'DOWN';
    const { position } = await this.writes.run('DeleteServer', { serverId: row.id, force, hostDown, byAdmin: isAdmin(token) }, commandMetadata(request, token));
    await this.reads.rm.waitFor(position, ['compute_servers', 'compute_instance_actions']);
  }

  // ---- actions -------------------------------------------------------------------------------

  @Post(':serverId/action')
  async action(
    @CurrentToken() token: TokenContext,
    @Microversion() v: ApiVersion,
    @Param('serverId') serverId: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length !== 1) {
      throw badRequest('Malformed request body');
    }
    const [name, args] = Object.entries(body as Record<string, unknown>)[0];
    const schema = actionSchema(name, v);
    if (!schema) throw new NovaError(400, `There is no such action: ${name}`);
    validateBody({ type: 'object', properties: { [name]: schema }, required: [name], additionalProperties: false }, body);
    const row = await this.visible(token, serverId);
    const a = (args ?? {}) as Record<string, unknown>;
    const meta = commandMetadata(request, token);
    const byAdmin = isAdmin(token);
    const done = async (position: Parameters<ServerReads['rm']['waitFor']>[0], status = 202) => {
      await this.reads.rm.waitFor(position, ['compute_servers', 'compute_instance_actions']);
      reply.status(status);
      return undefined;
    };
    switch (name) {
      case 'os-start':
      case 'os-stop':
      case 'pause':
      case 'unpause':
      case 'suspend':
      case 'resume':
      case 'reboot': {
        const action = name === 'os-start' ? 'start' : name === 'os-stop' ? 'stop' : name;
        this.mayChange(token, `os_compute_api:servers:${action}`);
        const rebootType = name === 'reboot' ? (String(a.type).toUpperCase() as 'SOFT' | 'HARD') : undefined;
        const { position } = await this.writes.run('RequestServerAction', { serverId: row.id, action: action as 'start', byAdmin, ...(rebootType ? { rebootType } : {}) }, meta);
        return done(position);
      }
      case 'lock': {
        this.mayChange(token, 'os_compute_api:os-lock-server:lock');
        const { position } = await this.writes.run('LockServer', { serverId: row.id, reason: (a.locked_reason as string | undefined) ?? null, byAdmin }, meta);
        return done(position);
      }
      case 'unlock': {
        this.mayChange(token, 'os_compute_api:os-lock-server:unlock');
        const { position } = await this.writes.run('UnlockServer', { serverId: row.id, byAdmin }, meta);
        return done(position);
      }
      case 'rebuild': {
        this.mayChange(token, 'os_compute_api:servers:rebuild');
        const flavor = row.flavor;
        const imageRef = String(a.imageRef).split('/').pop()!;
        const image = this.image(imageRef, await this.imageRow(imageRef), token, flavor);
        let keyData: string | null | undefined;
        if (a.key_name !== undefined) {
          keyData = a.key_name === null ? null : ((await this.reads.keypair(token.user.id, String(a.key_name)))?.public_key ?? null);
          if (a.key_name !== null && keyData === null) throw badRequest('Invalid key_name provided.');
        }
        const { position, state: asked } = await this.writes.run(
          'RebuildServer',
          {
            serverId: row.id,
            byAdmin,
            image,
            ...(a.name !== undefined ? { name: String(a.name) } : {}),
            ...(a.metadata !== undefined ? { metadata: a.metadata as Record<string, string> } : {}),
            ...(a.description !== undefined ? { description: a.description as string | null } : {}),
            ...(a.key_name !== undefined ? { keyName: a.key_name as string | null, keyData } : {}),
            ...(a['OS-DCF:diskConfig'] !== undefined ? { autoDiskConfig: autoDiskConfig(a['OS-DCF:diskConfig']) } : {}),
          },
          meta,
        );
        await this.reads.rm.waitFor(position, ['compute_servers', 'compute_instance_actions']);
        reply.status(202);
        const shown = await this.shown(request, token, v, row.id, 'rebuild');
        // servers.py `_action_rebuild`: the password asked for (or a generated one), then user_data from 2.57.
        const server: Record<string, unknown> = { ...shown.server, adminPass: (a.adminPass as string | undefined) ?? generatePassword() };
        if (v.atLeast('2.57')) server.user_data = shown.row.user_data;
        // The answer shows the server as this request left it (Nova: REBUILD), even if the agent already finished.
        if (asked.status === 'live') {
          server.status = serverStatus(asked.server.vmState, asked.server.taskState);
          if ('OS-EXT-STS:task_state' in server) server['OS-EXT-STS:task_state'] = asked.server.taskState;
          if ('OS-EXT-STS:vm_state' in server) server['OS-EXT-STS:vm_state'] = asked.server.vmState;
        }
        return { server };
      }
      case 'resize': {
        this.mayChange(token, 'os_compute_api:servers:resize');
        const flavor = await this.flavors.flavor(String(a.flavorRef).split('/').pop()!, token);
        if (!flavor) throw badRequest('Unable to find flavor.');
        await this.checkResizeQuota(row, flavor);
        const disk = autoDiskConfig(a['OS-DCF:diskConfig']);
        const { position } = await this.writes.run('ResizeServer', { serverId: row.id, flavor, byAdmin, ...(disk !== undefined ? { autoDiskConfig: disk } : {}) }, meta);
        return done(position);
      }
      case 'confirmResize': {
        this.mayChange(token, 'os_compute_api:servers:confirm_resize');
        const { position } = await this.writes.run('ConfirmServerResize', { serverId: row.id, byAdmin }, meta);
        return done(position, 204);
      }
      case 'revertResize': {
        this.mayChange(token, 'os_compute_api:servers:revert_resize');
        const { position } = await this.writes.run('RevertServerResize', { serverId: row.id, byAdmin }, meta);
        return done(position);
      }
      case 'createImage': {
        // servers.py `_action_create_image`: the image is made first (queued), then the host copies the disk into it.
        this.mayChange(token, 'os_compute_api:servers:create_image');
        const imageId = uuidFromName(`create-image\u0000${meta.requestId}\u0000${row.id}`);
        const name = String(a.name).trim();
        const requester = { userId: token.user.id, projectId: scopedProjectId(token) };
        const { image, member } = snapshotImage(imageId, name, { serverId: row.id, projectId: row.project_id, requester, flavor: row.flavor, image: row.image }, (a.metadata as Record<string, string>) ?? {});
        // The image's own checks (property names and count) before anything is written.
        try {
          imageDecider.decide({ type: 'CreateImage', data: image, metadata: meta }, imageDecider.initialState);
        } catch (e) {
          if (e instanceof DomainError) throw badRequest(e.message);
          throw e;
        }
        await this.writes.run('CreateServerImage', { serverId: row.id, imageId, imageName: name, byAdmin }, meta);
        const { position } = await this.writes.createSnapshotImage(image, member, meta);
        await this.reads.rm.waitFor(position, ['compute_servers', 'compute_instance_actions', 'image_images']);
        reply.status(202);
        // 2.45: the id in the body; before, the image's URL in Location (nova/image/glance.py `generate_image_url`).
        if (v.atLeast('2.45')) return { image_id: imageId };
        reply.header('Location', `${request.protocol}://${request.headers.host}/image/images/${imageId}`);
        return undefined;
      }
      // nova/api/openstack/compute/shelve.py (Zed policies: shelve and unshelve a member of the project, offload an admin).
      case 'shelve': {
        this.mayChange(token, 'os_compute_api:os-shelve:shelve');
        const imageId = uuidFromName(`shelve-image\u0000${meta.requestId}\u0000${row.id}`);
        const { position } = await this.writes.run('ShelveServer', { serverId: row.id, imageId, byAdmin }, meta);
        return done(position);
      }
      case 'shelveOffload': {
        authorize('os_compute_api:os-shelve:shelve_offload', byAdmin);
        const { position } = await this.writes.run('ShelveOffloadServer', { serverId: row.id, byAdmin }, meta);
        return done(position);
      }
      case 'unshelve': {
        this.mayChange(token, 'os_compute_api:os-shelve:unshelve');
        const asked = (args ?? null) as { availability_zone?: string | null; host?: string } | null;
        const zonePassed = v.atLeast('2.77') && asked !== null && 'availability_zone' in asked;
        const host = v.atLeast('2.91') ? asked?.host : undefined;
        const zone = zonePassed ? (asked!.availability_zone ?? null) : undefined;
        const { position } = await this.writes.run(
          'UnshelveServer',
          {
            serverId: row.id,
            byAdmin,
            ...(zonePassed ? { availabilityZone: zone, zoneAvailable: zone === null || (await this.reads.availabilityZones()).includes(zone!) } : {}),
            ...(host !== undefined ? { host, hostZone: await this.reads.hostZone(host) } : {}),
          },
          meta,
        );
        return done(position);
      }
      case 'os-resetState': {
        authorize('os_compute_api:os-admin-actions:reset_state', byAdmin);
        const { position } = await this.writes.run('ResetServerState', { serverId: row.id, state: a.state as 'active' | 'error', byAdmin }, meta);
        return done(position);
      }
      case 'restore': {
        this.mayChange(token, 'os_compute_api:os-deferred-delete:restore');
        const { position } = await this.writes.run('RestoreServer', { serverId: row.id, byAdmin }, meta);
        return done(position);
      }
      case 'migrate': {
        // nova/api/openstack/compute/migrate_server.py `_migrate`: admins; 2.56 may name the destination host.
        authorize('os_compute_api:os-migrate-server:migrate', byAdmin);
        const host = v.atLeast('2.56') && args !== null && typeof args === 'object' ? ((a.host as string | null | undefined) ?? null) : null;
        const hostKnown = host === null ? undefined : await this.reads.hostExists(host);
        const { position } = await this.writes.run('MigrateServer', { serverId: row.id, host, byAdmin, ...(hostKnown !== undefined ? { hostKnown } : {}) }, meta);
        return done(position);
      }
      case 'forceDelete':
        // nova/compute/api.py `force_delete`: in any vm_state or task_state (a stuck delete is ordered again).
        this.mayChange(token, 'os_compute_api:os-deferred-delete:force');
        await this.deleteServer(row, true, token, request);
        reply.status(202);
        return undefined;
      case 'os-getConsoleOutput': {
        this.mayChange(token, 'os_compute_api:os-console-output');
        reply.status(200);
        const length = a.length === undefined || a.length === null ? null : Number(a.length);
        return { output: await this.consoleOutput(row, length === -1 ? null : length) };
      }
      default:
        throw badRequest(`There is no such action: ${name}`);
    }
  }

  /** nova/compute/api.py `resize` → `_check_quota_for_upsize`: only the growth of cores and ram counts (403). */
  private async checkResizeQuota(row: ServerRow, flavor: FlavorSnapshot): Promise<void> {
    const deltas = { cores: flavor.vcpus - row.flavor.vcpus, ram: flavor.memoryMb - row.flavor.memoryMb };
    if (deltas.cores <= 0 && deltas.ram <= 0) return;
    const limits = await this.usage.limits(row.project_id);
    const used = await this.usage.projectUsage(row.project_id);
    const overs = (['cores', 'ram'] as const)
      .filter((r) => deltas[r] > 0 && limits[r] >= 0 && used[r] + deltas[r] > limits[r])
      .map((r) => ({ resource: r, requested: deltas[r], used: used[r], allowed: limits[r] }));
    if (overs.length > 0) throw forbidden(quotaMessage(overs));
  }

  /** Asks the host's agent for the console log (a read, so no event): 409 without a running guest. */
  private async consoleOutput(row: ServerRow, length: number | null): Promise<string> {
    if (row.host === null || row.vm_state === 'building') throw conflict(`Cannot 'get_console_output' instance ${row.id} while it is in vm_state ${row.vm_state}`);
    const replyTo = `strata.live.console-reply.${uuidFromName(`${row.id}\u0000${Date.now()}\u0000${Math.random()}`)}`;
    const ask: ConsoleRequest = { replyTo, serverId: row.id, length };
    const answer = await askHost<ConsoleReply>(this.bus, computeSubjects.console(row.host), ask, 10_000, () => new NovaError(409, `Guest does not have a console available.`));
    if (answer.ok) return answer.output;
    throw answer.notFound ? notFound(`Instance ${row.id} could not be found.`) : new NovaError(409, answer.message);
  }
}

/** A lookup started before its turn: its failure surfaces where it is awaited, and is not unhandled if it never is. */
function early<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
