import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ImagePatchOperation } from '../../../../../domain/image/image/commands';
import { Forbidden } from '../../../../../domain/kernel';
import type { ImageRow } from '../../../../../projections/image';
import { commandMetadata, CurrentToken, isAdmin, scopedProjectId, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ImageQuery, ImageReads } from '../../image/image-reads';
import { ImageUploads } from '../../image/image-uploads';
import { ImageWrites } from '../../image/image-writes';
import { viewerOf } from '../../image/glance-viewer';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, forbidden, goneFrom, NovaExceptionFilter, notFound } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { ComputeUsage } from '../resources/compute-usage';
import { MAX_LIMIT, nextLink, resourceLinks } from '../resources/links';
import { asBoolean, NovaSchema, PARAMETER_TYPES, queryValue, RawQuery, validateBody, validateQuery } from '../resources/nova-schema';
import { novaIsoTime } from '../servers/server-views';
import { metadataSchema } from '../servers/server-requests';

/** The first microversions without the proxies: 2.36 for images, 2.39 for their metadata. */
const IMAGES_GONE = '2.36';
const METADATA_GONE = '2.39';

// nova/api/openstack/compute/images.py SUPPORTED_FILTERS (then nova/image/glance.py `_extract_query_params_v2`)
const INDEX_QUERY: Record<string, NovaSchema> = {
  limit: PARAMETER_TYPES.nonNegativeInteger,
  marker: { type: 'string' },
};

/** nova/api/openstack/compute/views/images.py `_get_status` and `_get_progress`. */
const STATUS: Record<string, string> = { active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', deleted: 'DELETED', pending_delete: 'DELETED', killed: 'ERROR' };
const PROGRESS: Record<string, number> = { queued: 25, saving: 50, active: 100 };

/**
 * Nova's image proxy (nova/api/openstack/compute/images.py and image_metadata.py, removed in 2.36
 * and 2.39): the caller's images as Glance shows them to it, in Nova's v1-like view, delete, and
 * the custom properties as `metadata`. It reads and changes the image service's own read model and
 * image streams, with Glance's rules (visibility, ownership), as Nova does through Glance.
 */
@Controller('compute/v2.1/images')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class ImagesProxyController {
  constructor(
    private readonly images: ImageReads,
    private readonly writes: ImageWrites,
    private readonly uploads: ImageUploads,
    private readonly usage: ComputeUsage,
  ) {}

  // --- views (nova/api/openstack/compute/views/images.py) ---

  private links(request: FastifyRequest, id: string) {
    return [
      ...resourceLinks(request, 'images', id),
      // The image service's own URL for it, as Nova's `generate_glance_url` gives it.
      { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${request.protocol}://${request.headers.host}/image/images/${id}` },
    ];
  }

  private basic(request: FastifyRequest, row: ImageRow) {
    return { id: row.id, name: row.name, links: this.links(request, row.id) };
  }

  private detailed(request: FastifyRequest, row: ImageRow) {
    const metadata = row.properties;
    const view: Record<string, unknown> = {
      id: row.id,
      name: row.name,
      minRam: row.min_ram,
      minDisk: row.min_disk,
      metadata,
      created: novaIsoTime(row.created_at),
      updated: novaIsoTime(row.updated_at),
      status: STATUS[row.status] ?? 'UNKNOWN',
      progress: PROGRESS[row.status] ?? 0,
      'OS-EXT-IMG-SIZE:size': Number(row.size ?? 0),
      links: this.links(request, row.id),
    };
    const server = metadata.instance_uuid;
    if (server !== undefined && server !== null) view.server = { id: server, links: resourceLinks(request, 'servers', server) };
    if (metadata.auto_disk_config !== undefined && metadata.auto_disk_config !== null) view['OS-DCF:diskConfig'] = asBoolean(metadata.auto_disk_config) ? 'AUTO' : 'MANUAL';
    return view;
  }

  // --- reads ---

  /** The image if Glance would show it to the token (deleted ones are gone from the read model). */
  private async visible(token: TokenContext, imageId: string): Promise<ImageRow> {
    const row = await this.images.image(imageId);
    if (!row || !ImageReads.visible(row, viewerOf(token))) throw notFound('Image not found.');
    return row;
  }

  /** Glance's list with the filters Nova passes on (images.py `_get_filters`, glance.py `_extract_query_params_v2`). */
  private async list(request: FastifyRequest, query: RawQuery, token: TokenContext, collection: 'images' | 'images/detail') {
    validateQuery(INDEX_QUERY, query, false);
    const q: ImageQuery = { memberStatus: 'accepted', equals: {}, anyOf: {}, osHidden: false, tags: [], properties: {}, times: [], sort: [{ key: 'created_at', dir: 'desc' }] };
    const name = queryValue(query, 'name');
    if (name !== undefined) q.equals.name = name;
    const status = queryValue(query, 'status');
    if (status !== undefined) q.equals.status = status.toLowerCase();
    for (const [param, column] of [
      ['minRam', 'min_ram'],
      ['minDisk', 'min_disk'],
    ] as const) {
      const value = queryValue(query, param);
      // Glance v2 takes them as exact column filters.
      if (value !== undefined) q.equals[column] = value;
    }
    const since = queryValue(query, 'changes-since');
    if (since !== undefined) {
      if (Number.isNaN(Date.parse(since))) throw badRequest(`Invalid changes-since value: ${since}`);
      q.times.push({ column: 'updated_at', op: '>=', value: since });
    }
    const server = queryValue(query, 'server');
    // The server filter is a server's URL or id: its last path segment.
    if (server !== undefined) q.properties.instance_uuid = server.includes('/') ? server.slice(server.lastIndexOf('/') + 1) : server;
    const type = queryValue(query, 'type');
    if (type !== undefined) q.properties.image_type = type;
    for (const key of Object.keys(query)) {
      // glance.py strips the prefix with str.lstrip('property-'), which takes the characters of
      // 'property-' off the left, not the prefix: `property-os_distro` filters on `s_distro` there too.
      if (key.startsWith('property-')) q.properties[key.replace(/^[property-]+/, '')] = queryValue(query, key)!;
    }
    let rows = await this.images.images(viewerOf(token), q);
    const marker = queryValue(query, 'marker');
    if (marker !== undefined) {
      const at = rows.findIndex((r) => r.id === marker);
      if (at < 0) throw badRequest(`HTTP 400 Bad Request: No image found with ID ${marker}`); // glanceclient's error, as Nova passes it on
      rows = rows.slice(at + 1);
    }
    const askedLimit = Number(queryValue(query, 'limit') ?? 0);
    const page = askedLimit > 0 ? rows.slice(0, Math.min(askedLimit, MAX_LIMIT)) : rows;
    const links = askedLimit > 0 && page.length === askedLimit ? { images_links: nextLink(request, collection, query, page[page.length - 1].id) } : {};
    return { page, links };
  }

  @Get()
  async index(@Req() request: FastifyRequest, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, IMAGES_GONE);
    const { page, links } = await this.list(request, query, token, 'images');
    return { images: page.map((r) => this.basic(request, r)), ...links };
  }

  @Get('detail')
  async detail(@Req() request: FastifyRequest, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, IMAGES_GONE);
    const { page, links } = await this.list(request, query, token, 'images/detail');
    return { images: page.map((r) => this.detailed(request, r)), ...links };
  }

  @Get(':imageId')
  async show(@Req() request: FastifyRequest, @Param('imageId') imageId: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, IMAGES_GONE);
    return { image: this.detailed(request, await this.visible(token, imageId)) };
  }

  // --- delete: Glance's, as the image API deletes (its bytes go when no other image shares them) ---

  @Delete(':imageId')
  @HttpCode(204)
  async remove(@Req() request: FastifyRequest, @Param('imageId') imageId: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, IMAGES_GONE);
    const row = await this.visible(token, imageId);
    if (!this.owns(token, row)) throw forbidden('You are not allowed to delete the image.');
    await this.uploads.deleteImage(row, commandMetadata(request, token)).catch((error) => {
      // A protected image (Glance's 403).
      if (error instanceof Forbidden) throw forbidden('You are not allowed to delete the image.');
      throw error;
    });
  }

  // --- metadata (nova/api/openstack/compute/image_metadata.py): the image's custom properties ---

  @Get(':imageId/metadata')
  async metadata(@Param('imageId') imageId: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, METADATA_GONE);
    return { metadata: (await this.visible(token, imageId)).properties };
  }

  @Get(':imageId/metadata/:key')
  async metadataItem(@Param('imageId') imageId: string, @Param('key') key: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, METADATA_GONE);
    const properties = (await this.visible(token, imageId)).properties;
    if (!(key in properties)) throw notFound('The resource could not be found.');
    return { meta: { [key]: properties[key] } };
  }

  @Post(':imageId/metadata')
  @HttpCode(200)
  async addMetadata(@Req() request: FastifyRequest, @Param('imageId') imageId: string, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, METADATA_GONE);
    validateBody(metadataSchema('metadata'), body);
    const row = await this.visible(token, imageId);
    const set = (body as { metadata: Record<string, string> }).metadata;
    return { metadata: await this.setProperties(request, token, row, { ...row.properties, ...set }) };
  }

  @Put(':imageId/metadata')
  async replaceMetadata(@Req() request: FastifyRequest, @Param('imageId') imageId: string, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, METADATA_GONE);
    validateBody(metadataSchema('metadata'), body);
    const row = await this.visible(token, imageId);
    const metadata = (body as { metadata: Record<string, string> }).metadata;
    await this.setProperties(request, token, row, metadata);
    return { metadata };
  }

  @Put(':imageId/metadata/:key')
  async setMetadataItem(
    @Req() request: FastifyRequest,
    @Param('imageId') imageId: string,
    @Param('key') key: string,
    @Body() body: unknown,
    @CurrentToken() token: TokenContext,
    @Microversion() v: ApiVersion,
  ) {
    goneFrom(v, METADATA_GONE);
    validateBody(metadataSchema('meta'), body);
    const meta = (body as { meta: Record<string, string> }).meta;
    if (!(key in meta)) throw badRequest('Request body and URI mismatch');
    const row = await this.visible(token, imageId);
    await this.setProperties(request, token, row, { ...row.properties, [key]: meta[key] });
    return { meta };
  }

  @Delete(':imageId/metadata/:key')
  @HttpCode(204)
  async removeMetadataItem(@Req() request: FastifyRequest, @Param('imageId') imageId: string, @Param('key') key: string, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    goneFrom(v, METADATA_GONE);
    const row = await this.visible(token, imageId);
    if (!(key in row.properties)) throw notFound('Invalid metadata key');
    const { [key]: _removed, ...rest } = row.properties;
    await this.setProperties(request, token, row, rest);
  }

  private owns(token: TokenContext, row: ImageRow): boolean {
    return isAdmin(token) || (row.owner !== null && row.owner === scopedProjectId(token));
  }

  /**
   * Nova's `image_api.update(..., purge_props=True)`: the image's custom properties become `after`
   * (within the metadata_items quota), as one Glance update: properties gone are removed, the others set.
   */
  private async setProperties(request: FastifyRequest, token: TokenContext, row: ImageRow, after: Record<string, string>): Promise<Record<string, string>> {
    const limit = (await this.usage.limits(scopedProjectId(token) ?? row.owner ?? '')).metadata_items;
    // common.py `check_img_metadata_properties_quota`
    if (limit >= 0 && Object.keys(after).length > limit) throw forbidden('Image metadata limit exceeded');
    const notAuthorized = () => forbidden(`Not authorized for image ${row.id}.`);
    if (!this.owns(token, row)) throw notAuthorized();
    const operations: ImagePatchOperation[] = [
      ...Object.keys(row.properties)
        .filter((key) => !(key in after))
        .map((key) => ({ op: 'remove' as const, path: key })),
      ...Object.entries(after)
        .filter(([key, value]) => row.properties[key] !== value)
        .map(([key, value]) => ({ op: 'add' as const, path: key, value })),
    ];
    if (operations.length > 0) {
      const { position } = await this.writes.update(row.id, operations, isAdmin(token), commandMetadata(request, token)).catch((error) => {
        // Glance refuses (403) reserved or protected properties: Nova's ImageNotAuthorized.
        if (error instanceof Forbidden) throw notAuthorized();
        throw error;
      });
      await this.images.waitFor(position);
    }
    return (await this.images.image(row.id))?.properties ?? after;
  }
}
