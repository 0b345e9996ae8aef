import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import type { FastifyRequest } from 'fastify';
import { CommandMetadata } from '../../../../domain/kernel';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { commandMetadata, CurrentToken, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { EndpointCreateBody, EndpointUpdateBody, RegionCreateBody, RegionUpdateBody, ServiceCreateBody, ServiceUpdateBody } from './dto/catalog.dto';
import { keystoneValidationPipe } from './dto/keystone-validation';
import { IdentityWrites } from './identity-writes';
import { IdentityReads } from './identity-reads';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { endpointView, identityBaseUrl, listLinks, regionView, serviceView } from './keystone-views';
import { one } from './query';

/** Regions, services and endpoints (create, list, show, update, delete). */
@Controller('identity/v3')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class CatalogController {
  constructor(
    private readonly reads: IdentityReads,
    private readonly writes: IdentityWrites,
  ) {}

  @Post('regions')
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async createRegion(@CurrentToken() token: TokenContext, @Body() body: RegionCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_region');
    const r = body.region;
    if (r.parent_region_id && !(await this.reads.regions()).some((x) => x.id === r.parent_region_id)) throw notFound('region', r.parent_region_id);
    const { regionId, position } = await this.writes.createRegion({ id: r.id, description: r.description, parentRegionId: r.parent_region_id }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_catalog']);
    return this.region(regionId, request);
  }

  /** Create with the id in the path (Keystone `PUT /v3/regions/{id}`, what Tempest's create_region with region_id sends): 201. */
  @Put('regions/:regionId')
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async createRegionWithId(@CurrentToken() token: TokenContext, @Param('regionId') regionId: string, @Body() body: RegionCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_region');
    const r = body.region;
    if (r.id !== undefined && r.id !== regionId) throw new KeystoneError(400, `Conflicting region IDs specified: "${regionId}" != "${r.id}"`);
    if (r.parent_region_id && !(await this.reads.regions()).some((x) => x.id === r.parent_region_id)) throw notFound('region', r.parent_region_id);
    const { position } = await this.writes.createRegion({ id: regionId, description: r.description, parentRegionId: r.parent_region_id }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_catalog']);
    return this.region(regionId, request);
  }

  @Patch('regions/:regionId')
  @UsePipes(keystoneValidationPipe)
  async updateRegion(@CurrentToken() token: TokenContext, @Param('regionId') regionId: string, @Body() body: RegionUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_region');
    const regions = await this.reads.regions();
    if (!regions.some((x) => x.id === regionId)) throw notFound('region', regionId);
    const r = body.region;
    if (r.parent_region_id) {
      const parentOf = new Map(regions.map((x) => [x.id, x.parent_region_id]));
      if (!parentOf.has(r.parent_region_id)) throw notFound('region', r.parent_region_id);
      // Keystone CircularRegionHierarchyError (400): the new parent may not descend from the region.
      const seen = new Set<string>();
      for (let at: string | null | undefined = r.parent_region_id; at && !seen.has(at); at = parentOf.get(at)) {
        if (at === regionId) throw new KeystoneError(400, `The specified parent region ${r.parent_region_id} would create a circular region hierarchy.`);
        seen.add(at);
      }
    }
    const position = await this.writes.updateRegion(regionId, { description: r.description, parentRegionId: r.parent_region_id }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_catalog']);
    return this.region(regionId, request);
  }

  @Delete('regions/:regionId')
  @HttpCode(204)
  async deleteRegion(@CurrentToken() token: TokenContext, @Param('regionId') regionId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_region');
    // Keystone refuses to delete a region that endpoints still use.
    if ((await this.reads.endpoints({ region_id: regionId })).length > 0) throw new KeystoneError(403, `Unable to delete region ${regionId} because it or its child regions have associated endpoints.`);
    const position = await this.writes.deleteRegion(regionId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_catalog']);
  }

  @Post('services')
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async createService(@CurrentToken() token: TokenContext, @Body() body: ServiceCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_service');
    const { serviceId, position } = await this.writes.createService(body.service, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_catalog']);
    return this.service(token, serviceId, request);
  }

  @Patch('services/:serviceId')
  @UsePipes(keystoneValidationPipe)
  async updateService(@CurrentToken() token: TokenContext, @Param('serviceId') serviceId: string, @Body() body: ServiceUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_service');
    if (!(await this.reads.services()).some((s) => s.id === serviceId)) throw notFound('service', serviceId);
    const s = body.service;
    const position = await this.writes.updateService(serviceId, { type: s.type, name: s.name, description: s.description, enabled: s.enabled }, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_catalog']);
    return this.service(token, serviceId, request);
  }

  /** Keystone deletes the service's endpoints with it. */
  @Delete('services/:serviceId')
  @HttpCode(204)
  async deleteService(@CurrentToken() token: TokenContext, @Param('serviceId') serviceId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_service');
    const meta = commandMetadata(request, token);
    let position = await this.writes.deleteService(serviceId, meta);
    for (const e of await this.reads.endpoints({ service_id: serviceId })) position = (await this.writes.deleteEndpoint(e.id, meta)) ?? position;
    await this.reads.waitFor(position, ['identity_catalog']);
  }

  @Post('endpoints')
  @HttpCode(201)
  @UsePipes(keystoneValidationPipe)
  async createEndpoint(@CurrentToken() token: TokenContext, @Body() body: EndpointCreateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_endpoint');
    const e = body.endpoint;
    if (!(await this.reads.services()).some((s) => s.id === e.service_id)) throw notFound('service', e.service_id);
    const meta = commandMetadata(request, token);
    const regionId = e.region_id ?? (await this.legacyRegion(e.region, meta)) ?? null;
    if (regionId !== null && !(await this.reads.regions()).some((r) => r.id === regionId)) throw notFound('region', regionId);
    const { endpointId, position } = await this.writes.createEndpoint(
      { serviceId: e.service_id, interface: e.interface, url: e.url, regionId, enabled: e.enabled },
      meta,
    );
    await this.reads.waitFor(position, ['identity_catalog']);
    return this.endpoint(token, endpointId, request);
  }

  @Patch('endpoints/:endpointId')
  @UsePipes(keystoneValidationPipe)
  async updateEndpoint(@CurrentToken() token: TokenContext, @Param('endpointId') endpointId: string, @Body() body: EndpointUpdateBody, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_endpoint');
    if (!(await this.reads.endpoints()).some((x) => x.id === endpointId)) throw notFound('endpoint', endpointId);
    const e = body.endpoint;
    // As on create: an unknown service or region is a 404 naming it.
    if (e.service_id !== undefined && !(await this.reads.services()).some((s) => s.id === e.service_id)) throw notFound('service', e.service_id);
    const meta = commandMetadata(request, token);
    const regionId = e.region_id !== undefined ? e.region_id : e.region === null ? null : await this.legacyRegion(e.region, meta);
    if (regionId != null && !(await this.reads.regions()).some((r) => r.id === regionId)) throw notFound('region', regionId);
    const position = await this.writes.updateEndpoint(endpointId, { serviceId: e.service_id, interface: e.interface, url: e.url, regionId, enabled: e.enabled }, meta);
    await this.reads.waitFor(position, ['identity_catalog']);
    return this.endpoint(token, endpointId, request);
  }

  /**
   * Keystone's `_validate_endpoint_region`: an endpoint naming its region with the v2-style `region`
   * (not `region_id`) creates that region when it does not exist yet, for backward compatibility.
   */
  private async legacyRegion(region: string | null | undefined, meta: CommandMetadata): Promise<string | undefined> {
    if (region == null) return undefined;
    if (!(await this.reads.regions()).some((r) => r.id === region)) {
      const { position } = await this.writes.createRegion({ id: region }, meta);
      await this.reads.waitFor(position, ['identity_catalog']);
    }
    return region;
  }

  @Delete('endpoints/:endpointId')
  @HttpCode(204)
  async deleteEndpoint(@CurrentToken() token: TokenContext, @Param('endpointId') endpointId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_endpoint');
    const position = await this.writes.deleteEndpoint(endpointId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_catalog']);
  }

  @Get('regions')
  async regions(@Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    const base = identityBaseUrl(request);
    const parent = one(q.parent_region_id);
    const rows = (await this.reads.regions()).filter((r) => parent === undefined || r.parent_region_id === parent);
    return { regions: rows.map((r) => regionView(base, r)), links: listLinks(request) };
  }

  @Get('regions/:regionId')
  async region(@Param('regionId') regionId: string, @Req() request: FastifyRequest) {
    const row = (await this.reads.regions()).find((r) => r.id === regionId);
    if (!row) throw notFound('region', regionId);
    return { region: regionView(identityBaseUrl(request), row) };
  }

  @Get('services')
  async services(@CurrentToken() token: TokenContext, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_services');
    const base = identityBaseUrl(request);
    return { services: (await this.reads.services({ type: one(q.type), name: one(q.name) })).map((s) => serviceView(base, s)), links: listLinks(request) };
  }

  @Get('services/:serviceId')
  async service(@CurrentToken() token: TokenContext, @Param('serviceId') serviceId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:get_service');
    const row = (await this.reads.services()).find((s) => s.id === serviceId);
    if (!row) throw notFound('service', serviceId);
    return { service: serviceView(identityBaseUrl(request), row) };
  }

  @Get('endpoints')
  async endpoints(@CurrentToken() token: TokenContext, @Query() q: Record<string, string | string[] | undefined>, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_endpoints');
    const base = identityBaseUrl(request);
    const rows = await this.reads.endpoints({ service_id: one(q.service_id), interface: one(q.interface), region_id: one(q.region_id) });
    return { endpoints: rows.map((e) => endpointView(base, e)), links: listLinks(request) };
  }

  @Get('endpoints/:endpointId')
  async endpoint(@CurrentToken() token: TokenContext, @Param('endpointId') endpointId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:get_endpoint');
    const row = (await this.reads.endpoints()).find((e) => e.id === endpointId);
    if (!row) throw notFound('endpoint', endpointId);
    return { endpoint: endpointView(identityBaseUrl(request), row) };
  }
}
