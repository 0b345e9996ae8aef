import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { flavorDecider, FlavorCommand } from '../../../../../domain/compute/flavor';
import { flavorStream, uniqueFlavorNameStream } from '../../../../../domain/compute/streams';
import { nameReservationDecider } from '../../../../../domain/identity/name-reservation';
import { CommandMetadata, Conflict, Position } from '../../../../../domain/kernel';
import { uuidFromName } from '../../../../../infra/ids/ids';
import { FlavorRow, FLAVORS_TABLE } from '../../../../../projections/compute/flavors';
import { authorize, commandMetadata, CurrentToken, isAdmin, scopedProjectId, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ComputeWrites } from '../compute-writes';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, conflict, notFound, NovaExceptionFilter } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { flavorVisible } from './flavor-lookup';
import { MAX_LIMIT, nextLink, resourceLinks } from './links';
import { asBoolean, member, NovaSchema, PARAMETER_TYPES, queryValue, RawQuery, strictBoolean, validateBody, validateQuery } from './nova-schema';
import { ResourceReads } from './resource-reads';

// nova/api/openstack/compute/schemas/flavor_manage.py
const flavorCreateProperties: Record<string, NovaSchema> = {
  name: PARAMETER_TYPES.name,
  id: { type: ['string', 'number', 'null'], minLength: 1, maxLength: 255, pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$' },
  ram: PARAMETER_TYPES.flavorParamPositive,
  vcpus: PARAMETER_TYPES.flavorParamPositive,
  disk: PARAMETER_TYPES.flavorParamNonNegative,
  'OS-FLV-EXT-DATA:ephemeral': PARAMETER_TYPES.flavorParamNonNegative,
  swap: PARAMETER_TYPES.flavorParamNonNegative,
  rxtx_factor: { type: ['number', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?$', minimum: 0, exclusiveMinimum: true, maximum: 3.40282e38 },
  'os-flavor-access:is_public': PARAMETER_TYPES.boolean,
};
const wrap = (key: string, inner: NovaSchema): NovaSchema => ({ type: 'object', properties: { [key]: inner }, required: [key], additionalProperties: false });
const flavorCreate = (v: ApiVersion) =>
  wrap('flavor', {
    type: 'object',
    properties: v.atLeast('2.55') ? { ...flavorCreateProperties, description: PARAMETER_TYPES.description } : flavorCreateProperties,
    required: ['name', 'ram', 'vcpus', 'disk'],
    additionalProperties: false,
  });
const FLAVOR_UPDATE = wrap('flavor', { type: 'object', properties: { description: PARAMETER_TYPES.description }, required: ['description'], additionalProperties: false });

// nova/api/openstack/compute/schemas/flavors_extraspecs.py
const EXTRA_SPEC_KEY = '^[a-zA-Z0-9-_:. ]{1,255}$';
const EXTRA_SPECS: NovaSchema = { type: 'object', patternProperties: { [EXTRA_SPEC_KEY]: { type: ['string', 'number', 'boolean'], minLength: 1, maxLength: 255 } }, additionalProperties: false };
const EXTRA_SPECS_CREATE = wrap('extra_specs', EXTRA_SPECS);
const EXTRA_SPEC_UPDATE: NovaSchema = { ...EXTRA_SPECS, minProperties: 1, maxProperties: 1 };

// nova/api/openstack/compute/schemas/flavor_access.py
const tenantAction = (action: string) => wrap(action, { type: 'object', properties: { tenant: { type: 'string', minLength: 1, maxLength: 255 } }, required: ['tenant'], additionalProperties: false });

// nova/api/openstack/compute/schemas/flavors.py `index_query_schema`
const SORT_KEYS = ['created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb', 'name', 'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus'];
const INDEX_QUERY: Record<string, NovaSchema> = {
  limit: PARAMETER_TYPES.nonNegativeInteger,
  marker: { type: 'string' },
  is_public: { type: 'string' },
  minRam: { type: 'string' },
  minDisk: { type: 'string' },
  sort_key: { type: 'string', enum: SORT_KEYS },
  sort_dir: { type: 'string', enum: ['asc', 'desc'] },
};
const SORT_COLUMN: Record<string, keyof FlavorRow> = {
  created_at: 'created_at',
  description: 'description',
  disabled: 'flavor_id',
  ephemeral_gb: 'ephemeral_gb',
  flavorid: 'flavor_id',
  id: 'created_at',
  is_public: 'is_public',
  memory_mb: 'memory_mb',
  name: 'name',
  root_gb: 'root_gb',
  rxtx_factor: 'rxtx_factor',
  swap: 'swap',
  updated_at: 'updated_at',
  vcpu_weight: 'flavor_id',
  vcpus: 'vcpus',
};

const flavorNotFound = (id: string) => notFound(`Flavor ${id} could not be found.`);
const toInt = (v: unknown, fallback: number) => (v === undefined || v === null || v === '' ? fallback : Number(v));

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : 1;
}

/** Nova's flavors (flavors.py, flavor_manage.py), os-flavor-access and os-extra_specs. */
@Controller('compute/v2.1/flavors')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class FlavorsController {
  constructor(
    private readonly reads: ResourceReads,
    private readonly writes: ComputeWrites,
  ) {}

  // --- views (nova/api/openstack/compute/views/flavors.py) ---

  private basicView(request: FastifyRequest, row: FlavorRow, v: ApiVersion) {
    return { id: row.flavor_id, name: row.name, ...(v.atLeast('2.55') ? { description: row.description } : {}), links: resourceLinks(request, 'flavors', row.flavor_id) };
  }

  private detailView(request: FastifyRequest, row: FlavorRow, v: ApiVersion) {
    return {
      id: row.flavor_id,
      name: row.name,
      ram: row.memory_mb,
      disk: row.root_gb,
      // Before 2.75 a swap of 0 is shown as an empty string.
      swap: row.swap === 0 && v.below('2.75') ? '' : row.swap,
      'OS-FLV-EXT-DATA:ephemeral': row.ephemeral_gb,
      'OS-FLV-DISABLED:disabled': false,
      vcpus: row.vcpus,
      'os-flavor-access:is_public': row.is_public,
      rxtx_factor: row.rxtx_factor,
      links: resourceLinks(request, 'flavors', row.flavor_id),
      ...(v.atLeast('2.55') ? { description: row.description } : {}),
      ...(v.atLeast('2.61') ? { extra_specs: sortedSpecs(row.extra_specs) } : {}),
    };
  }

  // --- reads ---

  private async row(flavorId: string): Promise<FlavorRow | null> {
    return this.reads.one<FlavorRow>(FLAVORS_TABLE, `SELECT * FROM rm.${FLAVORS_TABLE} WHERE flavor_id = $1`, [flavorId]);
  }

  /** The flavor if the token may see it, else Nova's 404. */
  private async visible(flavorId: string, token: TokenContext): Promise<FlavorRow> {
    const row = await this.row(flavorId);
    if (!row || !flavorVisible(row, token)) throw flavorNotFound(flavorId);
    return row;
  }

  /** Any flavor, for admin APIs (Nova's `Flavor.get_by_flavor_id` without the access check). */
  private async existing(flavorId: string): Promise<FlavorRow> {
    const row = await this.row(flavorId);
    if (!row) throw flavorNotFound(flavorId);
    return row;
  }

  /** nova/api/openstack/compute/flavors.py `_get_flavors`: filters, sort, marker, limit. */
  private async list(request: FastifyRequest, query: RawQuery, token: TokenContext, v: ApiVersion) {
    validateQuery(INDEX_QUERY, query, v.atLeast('2.75'));
    let isPublic: boolean | null = true;
    if (isAdmin(token)) {
      const asked = queryValue(query, 'is_public');
      if (asked !== undefined) {
        if (asked.toLowerCase() === 'none') isPublic = null;
        else {
          const parsed = strictBoolean(asked);
          if (parsed === null) throw badRequest(`Invalid is_public filter [${asked}]`);
          isPublic = parsed;
        }
      }
    }
    const minFilter = (name: 'minRam' | 'minDisk') => {
      const raw = queryValue(query, name);
      if (raw === undefined) return null;
      if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw badRequest(`Invalid ${name} filter [${raw}]`);
      return Number(raw);
    };
    const minRam = minFilter('minRam');
    const minDisk = minFilter('minDisk');
    const project = scopedProjectId(token);
    let rows = await this.reads.rows<FlavorRow>(FLAVORS_TABLE, `SELECT * FROM rm.${FLAVORS_TABLE}`);
    rows = rows.filter((r) => {
      if (isPublic === true && !r.is_public && !(project !== null && r.projects.includes(project))) return false;
      if (isPublic === false && r.is_public) return false;
      if (minRam !== null && r.memory_mb < minRam) return false;
      if (minDisk !== null && r.root_gb < minDisk) return false;
      return true;
    });
    const column = SORT_COLUMN[queryValue(query, 'sort_key') || 'flavorid'];
    const direction = (queryValue(query, 'sort_dir') || 'asc') === 'desc' ? -1 : 1;
    rows.sort((a, b) => direction * (compare(a[column], b[column]) || compare(a.flavor_id, b.flavor_id)));
    const marker = queryValue(query, 'marker');
    if (marker !== undefined) {
      const at = rows.findIndex((r) => r.flavor_id === marker);
      if (at < 0) throw badRequest(`marker [${marker}] not found`);
      rows = rows.slice(at + 1);
    }
    const askedLimit = toInt(queryValue(query, 'limit'), 0);
    const limit = Math.min(MAX_LIMIT, askedLimit || MAX_LIMIT);
    const page = rows.slice(0, limit);
    const links = askedLimit > 0 && page.length === limit && page.length > 0 ? { flavors_links: nextLink(request, 'flavors', query, page[page.length - 1].flavor_id) } : {};
    return { page, links };
  }

  @Get()
  async index(@Req() request: FastifyRequest, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    const { page, links } = await this.list(request, query, token, v);
    return { flavors: page.map((r) => this.basicView(request, r, v)), ...links };
  }

  @Get('detail')
  async detail(@Req() request: FastifyRequest, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    const { page, links } = await this.list(request, query, token, v);
    return { flavors: page.map((r) => this.detailView(request, r, v)), ...links };
  }

  @Get(':id')
  async show(@Req() request: FastifyRequest, @Param('id') id: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    return { flavor: this.detailView(request, await this.visible(id, token), v) };
  }

  // --- flavor-manage ---

  private run<T extends FlavorCommand['type']>(flavorId: string, type: T, data: Extract<FlavorCommand, { type: T }>['data'], meta: CommandMetadata) {
    return this.writes.run(flavorDecider, flavorStream(uuidFromName(`flavor:${flavorId}`)), type, data, meta);
  }

  private async settled(position: Position | null): Promise<void> {
    await this.reads.waitFor(position, FLAVORS_TABLE);
  }

  @Post()
  @HttpCode(200)
  async create(@Req() request: FastifyRequest, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-flavor-manage:create', isAdmin(token));
    validateBody(flavorCreate(v), body);
    const f = member(body, 'flavor');
    const meta = commandMetadata(request, token);
    const flavorId = f.id === undefined || f.id === null ? uuidFromName(`flavor-create\u0000${meta.requestId}`) : String(f.id);
    const name = String(f.name);
    const owner = flavorStream(uuidFromName(`flavor:${flavorId}`));
    const reservation = uniqueFlavorNameStream(name);
    try {
      await this.writes.run(nameReservationDecider, reservation, 'ReserveName', { owner, resource: 'flavor', name }, meta);
    } catch (e) {
      // nova/exception.py FlavorExists
      if (e instanceof Conflict) throw conflict(`Flavor with name ${name} already exists.`);
      throw e;
    }
    let position: Position | null;
    try {
      position = (
        await this.run(
          flavorId,
          'CreateFlavor',
          {
            flavorId,
            name,
            vcpus: Number(f.vcpus),
            memoryMb: Number(f.ram),
            rootGb: Number(f.disk),
            ephemeralGb: toInt(f['OS-FLV-EXT-DATA:ephemeral'], 0),
            swapMb: toInt(f.swap, 0),
            rxtxFactor: toInt(f.rxtx_factor, 1),
            isPublic: f['os-flavor-access:is_public'] === undefined ? true : asBoolean(f['os-flavor-access:is_public']),
            description: (f.description as string | null | undefined) ?? null,
          },
          meta,
        )
      ).position;
    } catch (e) {
      await this.writes.run(nameReservationDecider, reservation, 'ReleaseName', { owner }, meta);
      throw e;
    }
    await this.settled(position);
    return { flavor: this.detailView(request, await this.existing(flavorId), v) };
  }

  @Put(':id')
  async update(@Req() request: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    // PUT /flavors/{id} exists from 2.55 on.
    if (v.below('2.55')) throw notFound('The resource could not be found.');
    authorize('os_compute_api:os-flavor-manage:update', isAdmin(token));
    validateBody(FLAVOR_UPDATE, body);
    const description = (member(body, 'flavor').description as string | null) ?? null;
    const { position } = await this.run(id, 'UpdateFlavorDescription', { flavorId: id, description }, commandMetadata(request, token));
    await this.settled(position);
    return { flavor: this.detailView(request, await this.existing(id), v) };
  }

  @Delete(':id')
  @HttpCode(202)
  async remove(@Req() request: FastifyRequest, @Param('id') id: string, @CurrentToken() token: TokenContext): Promise<void> {
    authorize('os_compute_api:os-flavor-manage:delete', isAdmin(token));
    const meta = commandMetadata(request, token);
    const result = await this.run(id, 'DeleteFlavor', { flavorId: id }, meta);
    const deleted = result.events.find((e) => e.type === 'FlavorDeleted');
    if (deleted && deleted.type === 'FlavorDeleted') {
      const owner = flavorStream(uuidFromName(`flavor:${id}`));
      await this.writes.run(nameReservationDecider, uniqueFlavorNameStream(deleted.data.name), 'ReleaseName', { owner }, meta);
    }
    await this.settled(result.position);
  }

  // --- os-flavor-access ---

  private accessView(row: FlavorRow) {
    return { flavor_access: row.projects.map((tenant_id) => ({ flavor_id: row.flavor_id, tenant_id })) };
  }

  @Get(':id/os-flavor-access')
  async accessList(@Param('id') id: string, @CurrentToken() token: TokenContext) {
    authorize('os_compute_api:os-flavor-access', isAdmin(token));
    const row = await this.existing(id);
    if (row.is_public) throw notFound('Access list not available for public flavors.');
    return this.accessView(row);
  }

  @Post(':id/action')
  @HttpCode(200)
  async action(@Req() request: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    const action = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body)[0] : undefined;
    if (action !== 'addTenantAccess' && action !== 'removeTenantAccess') throw badRequest(`There is no such action: ${action ?? ''}`);
    const add = action === 'addTenantAccess';
    authorize(add ? 'os_compute_api:os-flavor-access:add_tenant_access' : 'os_compute_api:os-flavor-access:remove_tenant_access', isAdmin(token));
    validateBody(tenantAction(action), body);
    const tenant = member<{ tenant: string }>(body, action).tenant;
    await this.existing(id);
    const meta = commandMetadata(request, token);
    const { position } = add
      ? await this.run(id, 'AddFlavorAccess', { flavorId: id, projectId: tenant, publicAllowed: v.below('2.7') }, meta)
      : await this.run(id, 'RemoveFlavorAccess', { flavorId: id, projectId: tenant }, meta);
    await this.settled(position);
    return this.accessView(await this.existing(id));
  }

  // --- os-extra_specs ---

  @Get(':id/os-extra_specs')
  async specs(@Param('id') id: string) {
    return { extra_specs: sortedSpecs((await this.existing(id)).extra_specs) };
  }

  @Post(':id/os-extra_specs')
  @HttpCode(200)
  async createSpecs(@Req() request: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @CurrentToken() token: TokenContext) {
    authorize('os_compute_api:os-flavor-extra-specs:create', isAdmin(token));
    validateBody(EXTRA_SPECS_CREATE, body);
    const specs = member(body, 'extra_specs');
    await this.existing(id);
    const { position } = await this.run(id, 'SetFlavorExtraSpecs', { flavorId: id, extraSpecs: stringSpecs(specs) }, commandMetadata(request, token));
    await this.settled(position);
    return { extra_specs: specs };
  }

  @Get(':id/os-extra_specs/:key')
  async spec(@Param('id') id: string, @Param('key') key: string) {
    const row = await this.existing(id);
    if (!(key in row.extra_specs)) throw notFound(`Flavor ${id} has no extra specs with key ${key}.`);
    return { [key]: row.extra_specs[key] };
  }

  @Put(':id/os-extra_specs/:key')
  async updateSpec(@Req() request: FastifyRequest, @Param('id') id: string, @Param('key') key: string, @Body() body: unknown, @CurrentToken() token: TokenContext) {
    authorize('os_compute_api:os-flavor-extra-specs:update', isAdmin(token));
    validateBody(EXTRA_SPEC_UPDATE, body);
    const specs = body as Record<string, unknown>;
    if (!(key in specs)) throw badRequest('Request body and URI mismatch');
    await this.existing(id);
    const { position } = await this.run(id, 'SetFlavorExtraSpecs', { flavorId: id, extraSpecs: stringSpecs(specs) }, commandMetadata(request, token));
    await this.settled(position);
    return specs;
  }

  @Delete(':id/os-extra_specs/:key')
  @HttpCode(200)
  async deleteSpec(@Req() request: FastifyRequest, @Param('id') id: string, @Param('key') key: string, @CurrentToken() token: TokenContext): Promise<void> {
    authorize('os_compute_api:os-flavor-extra-specs:delete', isAdmin(token));
    await this.existing(id);
    const { position } = await this.run(id, 'DeleteFlavorExtraSpec', { flavorId: id, key }, commandMetadata(request, token));
    await this.settled(position);
  }
}

/** Nova stores extra spec values as text: `5` and `true` become "5" and "True". */
function stringSpecs(specs: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)]));
}

function sortedSpecs(specs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(specs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
