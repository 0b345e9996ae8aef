import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AggregateCommand, aggregatesDecider } from '../../../../../domain/compute/aggregate';
import { AGGREGATES_STREAM } from '../../../../../domain/compute/streams';
import { newUuid } from '../../../../../infra/ids/ids';
import { AggregateRow, AGGREGATES_TABLE } from '../../../../../projections/compute/aggregates';
import { authorize, commandMetadata, CurrentToken, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ComputeWrites } from '../compute-writes';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, NovaError, notFound, NovaExceptionFilter } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { member, NovaSchema, PARAMETER_TYPES, validateBody } from './nova-schema';
import { novaTime } from './nova-time';
import { ResourceReads } from './resource-reads';

// nova/api/openstack/compute/schemas/aggregates.py (Zed), nova/api/validation/parameter_types.py
const AZ_NAME = { type: 'string', minLength: 1, maxLength: 255, format: 'az_name' };
const AVAILABILITY_ZONE = { oneOf: [AZ_NAME, { type: 'null' }] };
const wrap = (key: string, inner: NovaSchema): NovaSchema => ({ type: 'object', properties: { [key]: inner }, required: [key], additionalProperties: false });
const CREATE = wrap('aggregate', { type: 'object', properties: { name: PARAMETER_TYPES.name, availability_zone: AVAILABILITY_ZONE }, required: ['name'], additionalProperties: false });
const UPDATE = wrap('aggregate', {
  type: 'object',
  properties: { name: PARAMETER_TYPES.nameWithSpaces, availability_zone: AVAILABILITY_ZONE },
  additionalProperties: false,
  anyOf: [{ required: ['name'] }, { required: ['availability_zone'] }],
});
const FQDN = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' };
const HOST_ACTION = (action: string) => wrap(action, { type: 'object', properties: { host: FQDN }, required: ['host'], additionalProperties: false });
const METADATA_WITH_NULL = { type: 'object', patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: ['string', 'null'], maxLength: 255 } }, additionalProperties: false };
const SET_METADATA = wrap('set_metadata', { type: 'object', properties: { metadata: METADATA_WITH_NULL }, required: ['metadata'], additionalProperties: false });
const IMAGES = wrap('cache', { type: 'array', minItems: 1, items: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'], additionalProperties: false } });

const ACTIONS = ['add_host', 'remove_host', 'set_metadata'] as const;
type Action = (typeof ACTIONS)[number];

/** Decisions again after losing a race on the aggregates stream, before the request fails with 409. */
const AGGREGATE_WRITE_RETRIES = 20;

/** oslo `strutils.validate_integer` as nova/utils.py calls it on the path id: whatever Python's int() takes. */
function aggregateId(raw: string): number {
  if (!/^\s*[-+]?\d+(_\d+)*\s*$/.test(raw)) throw badRequest('Invalid input received: id must be an integer');
  return Number(raw.replace(/_/g, '').trim());
}

/**
 * Nova's os-aggregates (nova/api/openstack/compute/aggregates.py): host aggregates and the
 * availability zones they make, admin only. Every aggregate is in one stream (AGGREGATES_STREAM);
 * a host's zone is its aggregate's where it has one (ResourceReads.hosts, the conductor's scheduler).
 * The body is validated before the policy is checked, and the path id after it, as Nova does.
 */
@Controller('compute/v2.1/os-aggregates')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class AggregatesController {
  constructor(
    private readonly reads: ResourceReads,
    private readonly writes: ComputeWrites,
  ) {}

  /**
   * An answer after a metadata change: nova/compute/api.py sets `updated_at` to now on the object it
   * returns (set_metadata, an update with a zone) without storing it, so a later show has the old one.
   */
  private touched(a: AggregateRow): AggregateRow {
    return { ...a, updated_at: new Date().toISOString() };
  }

  private view(a: AggregateRow, v: ApiVersion, members = true) {
    return {
      availability_zone: a.availability_zone,
      created_at: novaTime(a.created_at),
      deleted: false,
      deleted_at: null,
      // A create's answer has neither (aggregates.py `create`).
      ...(members ? { hosts: a.hosts, metadata: a.metadata } : {}),
      id: a.id,
      name: a.name,
      updated_at: a.updated_at === null ? null : novaTime(a.updated_at),
      ...(v.atLeast('2.41') ? { uuid: a.uuid } : {}),
    };
  }

  private row(id: number): Promise<AggregateRow | null> {
    return this.reads.one<AggregateRow>(AGGREGATES_TABLE, `SELECT * FROM rm.${AGGREGATES_TABLE} WHERE id = $1`, [id]);
  }

  private async existing(raw: string): Promise<AggregateRow> {
    const id = aggregateId(raw);
    // An integer past any id there is (past bigint, too) names no aggregate.
    const row = Number.isSafeInteger(id) ? await this.row(id) : null;
    // nova/exception.py AggregateNotFound: the id as the URL spelt it.
    if (!row) throw notFound(`Aggregate ${raw} could not be found.`);
    return row;
  }

  private async run(request: FastifyRequest, token: TokenContext, type: AggregateCommand['type'], data: AggregateCommand['data']) {
    // Every aggregate is in this one stream, so concurrent changes to different aggregates conflict: each is decided again on the new state.
    // A request id is no retry key here: a service passing one global id down its calls makes them all share it (Nova has no replay).
    const result = await this.writes.run(aggregatesDecider, AGGREGATES_STREAM, type, data, commandMetadata(request, token), { maxRetries: AGGREGATE_WRITE_RETRIES, replay: false });
    await this.reads.waitFor(result.position, AGGREGATES_TABLE);
    return result;
  }

  /**
   * Every compute host that runs servers (Nova counts the instances on an aggregate's hosts before it moves
   * their zone). All of them, not the members the read model shows: the decider checks the members as the
   * stream has them, so a host added meanwhile is not taken for an empty one.
   */
  private async hostsWithInstances(): Promise<string[]> {
    return this.reads.hostsWithServers((await this.reads.hosts()).map((h) => h.host));
  }

  @Get()
  async index(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-aggregates:index', isAdmin(token));
    const rows = await this.reads.rows<AggregateRow>(AGGREGATES_TABLE, `SELECT * FROM rm.${AGGREGATES_TABLE} ORDER BY id`);
    return { aggregates: rows.map((a) => this.view(a, v)) };
  }

  @Post()
  @HttpCode(200)
  async create(@Req() request: FastifyRequest, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    validateBody(CREATE, body);
    authorize('os_compute_api:os-aggregates:create', isAdmin(token));
    const asked = member<{ name: string; availability_zone?: string | null }>(body, 'aggregate');
    const { events } = await this.run(request, token, 'CreateAggregate', { uuid: newUuid(), name: asked.name.trim(), availabilityZone: asked.availability_zone?.trim() || null });
    const created = events.find((e) => e.type === 'AggregateCreated')!;
    return { aggregate: this.view((await this.row(created.data.aggregateId))!, v, false) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    authorize('os_compute_api:os-aggregates:show', isAdmin(token));
    return { aggregate: this.view(await this.existing(id), v) };
  }

  @Put(':id')
  async update(@Req() request: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    validateBody(UPDATE, body);
    authorize('os_compute_api:os-aggregates:update', isAdmin(token));
    const asked = member<{ name?: string; availability_zone?: string | null }>(body, 'aggregate');
    const a = await this.existing(id);
    await this.run(request, token, 'UpdateAggregate', {
      aggregateId: a.id,
      ...(asked.name !== undefined ? { name: asked.name.trim() } : {}),
      // Nova strips the zone on a create only.
      ...('availability_zone' in asked ? { availabilityZone: asked.availability_zone ?? null } : {}),
      hostsWithInstances: await this.hostsWithInstances(),
    });
    const after = await this.existing(id);
    return { aggregate: this.view('availability_zone' in asked ? this.touched(after) : after, v) };
  }

  /** 200 with no body, as Nova answers it. */
  @Delete(':id')
  @HttpCode(200)
  async remove(@Req() request: FastifyRequest, @Param('id') id: string, @CurrentToken() token: TokenContext): Promise<void> {
    authorize('os_compute_api:os-aggregates:delete', isAdmin(token));
    const a = await this.existing(id);
    await this.run(request, token, 'DeleteAggregate', { aggregateId: a.id });
  }

  @Post(':id/action')
  @HttpCode(200)
  async action(@Req() request: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    const keys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
    if (keys.length !== 1) throw badRequest('Malformed request body');
    const action = keys[0] as Action;
    if (!ACTIONS.includes(action)) throw badRequest(`There is no such action: ${keys[0]}`);
    validateBody(action === 'set_metadata' ? SET_METADATA : HOST_ACTION(action), body);
    authorize(`os_compute_api:os-aggregates:${action}`, isAdmin(token));
    const aggregate = aggregateId(id);
    if (action === 'set_metadata') {
      const metadata = member<{ metadata: Record<string, string | null> }>(body, action).metadata;
      const a = await this.existing(id);
      await this.run(request, token, 'SetAggregateMetadata', { aggregateId: a.id, metadata, hostsWithInstances: await this.hostsWithInstances() });
      return { aggregate: this.view(this.touched(await this.existing(id)), v) };
    }
    const host = member<{ host: string }>(body, action).host;
    const known = (await this.reads.hosts()).some((h) => h.host === host);
    if (action === 'add_host') {
      // The host is looked up before the aggregate (nova/compute/api.py `add_host_to_aggregate`).
      if (!known) throw notFound(`Compute host ${host} could not be found.`);
      await this.existing(id);
      await this.run(request, token, 'AddAggregateHost', { aggregateId: aggregate, host });
    } else {
      // aggregates.py `_remove_host`: an unknown host, an unknown aggregate and a host not in it are one 404.
      const a = await this.row(aggregate);
      if (!known || !a || !a.hosts.includes(host)) throw notFound(`Cannot remove host ${host} in aggregate ${id}`);
      await this.run(request, token, 'RemoveAggregateHost', { aggregateId: aggregate, host });
    }
    return { aggregate: this.view(await this.existing(id), v) };
  }

  /** 2.81: image pre-caching on the aggregate's hosts. Strata's agents fetch an image when a server first needs it. */
  @Post(':id/images')
  @HttpCode(202)
  async images(@Param('id') id: string, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion): Promise<void> {
    if (v.below('2.81')) throw new NovaError(404, 'The resource could not be found.');
    validateBody(IMAGES, body);
    authorize('compute:aggregates:images', isAdmin(token));
    await this.existing(id);
    const ids = member<Array<{ id: string }>>(body, 'cache').map((c) => c.id);
    if (new Set(ids).size !== ids.length) throw badRequest('Duplicate images in request');
    throw new NovaError(501, 'Image pre-caching is not implemented by this cloud: images are fetched by the compute host when a server first needs them.');
  }
}
