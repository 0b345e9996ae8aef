import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { metadefNameKey } from '../../../../domain/image';
import type { MetadefNamespaceRow } from '../../../../projections/image';
import { commandMetadata, CurrentToken, scopedProjectId, TokenContext, TokenGuard } from '../../../shared/src/auth';
import { GlanceError, GlanceExceptionFilter } from '../image/glance-errors';
import { GlanceResponseInterceptor, pageLinks } from '../image/glance-responses';
import { viewerOf } from '../image/glance-viewer';
import { requireMetadefAdmin, visibleNamespace } from './metadef-access';
import { MetadefReads } from './metadef-reads';
import { NamespaceListQuery, NamespaceSortKey, parseNamespaceBody, parseNamespaceListQuery } from './metadef-requests';
import { METADEF_SCHEMAS } from './metadef-schemas';
import { MetadefResourceTypeSeed } from './metadef-seed';
import { namespaceCreatedView, namespaceDetailView, namespaceFieldsView, namespaceListView, resourceTypeView } from './metadef-views';
import { MetadefWrites } from './metadef-writes';

type RawQuery = Record<string, string | string[] | undefined>;

function sortValue(row: MetadefNamespaceRow, key: NamespaceSortKey): string | number | boolean | null {
  if (key === 'id') return row.created_position;
  const v = row[key];
  if (v === null || v === undefined) return null;
  if (key === 'created_at' || key === 'updated_at') return new Date(v as string).getTime();
  return v as string | boolean;
}

/** oslo.db `paginate_query` ordering: the asked key, then created_at and id, all in one direction. */
function compareRows(a: MetadefNamespaceRow, b: MetadefNamespaceRow, q: NamespaceListQuery): number {
  const keys: NamespaceSortKey[] = [q.sortKey, ...(['created_at', 'id'] as const).filter((k) => k !== q.sortKey)];
  for (const key of keys) {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (x === y) continue;
    // MySQL orders NULL first ascending.
    const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
    return q.sortDir === 'asc' ? order : -order;
  }
  return 0;
}

@Controller('image/v2/schemas/metadefs')
@UseFilters(GlanceExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(GlanceResponseInterceptor)
export class MetadefSchemasController {
  @Get(':name')
  schema(@Param('name') name: string) {
    const document = Object.hasOwn(METADEF_SCHEMAS, name) ? METADEF_SCHEMAS[name] : undefined;
    if (!document) throw new GlanceError(404, 'The resource could not be found.');
    return document();
  }
}

@Controller('image/v2/metadefs/resource_types')
@UseFilters(GlanceExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(GlanceResponseInterceptor)
export class MetadefResourceTypesController {
  constructor(
    private readonly reads: MetadefReads,
    private readonly seed: MetadefResourceTypeSeed,
  ) {}

  @Get()
  async list() {
    await this.reads.waitFor(this.seed.seededAt);
    return { resource_types: (await this.reads.resourceTypes()).map(resourceTypeView) };
  }
}

@Controller('image/v2/metadefs/namespaces')
@UseFilters(GlanceExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(GlanceResponseInterceptor)
export class MetadefNamespacesController {
  constructor(
    private readonly reads: MetadefReads,
    private readonly writes: MetadefWrites,
  ) {}

  private async row(name: string): Promise<MetadefNamespaceRow> {
    const row = await this.reads.namespace(name);
    if (!row) throw new GlanceError(404, `Metadata definition namespace=${name} was not found.`);
    return row;
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Query() query: RawQuery, @Req() request: FastifyRequest) {
    const q = parseNamespaceListQuery(query);
    const viewer = viewerOf(token);
    let rows = await this.reads.namespaces(viewer);
    if (q.visibility) rows = rows.filter((r) => r.visibility === q.visibility);
    if (q.resourceTypes) {
      const wanted = new Set(q.resourceTypes.map(metadefNameKey));
      rows = rows.filter((r) => r.resource_type_associations.some((a) => wanted.has(metadefNameKey(a.name))));
    }
    rows.sort((a, b) => compareRows(a, b, q));
    if (q.marker !== undefined) {
      const marker = await this.reads.namespace(q.marker);
      if (!marker) throw new GlanceError(404, `Metadata definition namespace=${q.marker} was not found.`);
      if (!MetadefReads.visible(marker, viewer)) throw new GlanceError(403, `Forbidding request, metadata definition namespace=${q.marker} is not visible.`);
      rows = rows.filter((r) => compareRows(r, marker, q) > 0);
    }
    const page = rows.slice(0, q.limit);
    const resourceTypes = await this.reads.resourceTypes();
    // Glance offers `next` whenever the page is full, not knowing whether more follow.
    const { first, next } = pageLinks(request, '/v2/metadefs/namespaces', page.length > 0 && page.length === q.limit ? page[page.length - 1].namespace : undefined);
    return { namespaces: page.map((r) => namespaceListView(r, resourceTypes)), ...(next ? { next } : {}), schema: '/v2/schemas/metadefs/namespaces', first };
  }

  @Post()
  @HttpCode(201)
  async create(@CurrentToken() token: TokenContext, @Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const data = parseNamespaceBody(body);
    requireMetadefAdmin(token, 'add_metadef_namespace');
    if (data.resourceTypeAssociations?.length) requireMetadefAdmin(token, 'add_metadef_resource_type_association');
    if (data.objects?.length) requireMetadefAdmin(token, 'add_metadef_object');
    if (data.properties?.length) requireMetadefAdmin(token, 'add_metadef_property');
    if (data.tags?.length) requireMetadefAdmin(token, 'add_metadef_tag');
    const position = await this.writes.run('CreateMetadefNamespace', { ...data, owner: data.owner ?? scopedProjectId(token) }, commandMetadata(request, token));
    await this.reads.waitFor(position);
    const row = await this.row(data.namespace);
    reply.header('Location', `${request.protocol}://${request.headers.host}/image/v2/metadefs/namespaces/${row.namespace}`);
    return namespaceCreatedView(row);
  }

  @Get(':namespace')
  async show(@CurrentToken() token: TokenContext, @Param('namespace') name: string, @Query() query: RawQuery) {
    const row = await visibleNamespace(this.reads, token, name, 'show');
    const resourceType = typeof query.resource_type === 'string' ? query.resource_type : undefined;
    return namespaceDetailView(row, await this.reads.resourceTypes(), resourceType);
  }

  @Put(':namespace')
  async update(@CurrentToken() token: TokenContext, @Param('namespace') name: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const data = parseNamespaceBody(body);
    const row = await visibleNamespace(this.reads, token, name);
    requireMetadefAdmin(token, 'modify_metadef_namespace');
    const position = await this.writes.update(
      {
        namespace: row.namespace,
        newNamespace: data.namespace,
        displayName: data.displayName,
        description: data.description,
        visibility: data.visibility,
        protected: data.protected,
        owner: data.owner ?? scopedProjectId(token),
      },
      commandMetadata(request, token),
    );
    await this.reads.waitFor(position);
    return namespaceFieldsView(await this.row(data.namespace));
  }

  @Delete(':namespace')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('namespace') name: string, @Req() request: FastifyRequest) {
    const row = await visibleNamespace(this.reads, token, name);
    requireMetadefAdmin(token, 'delete_metadef_namespace');
    await this.reads.waitFor(await this.writes.run('DeleteMetadefNamespace', { namespace: row.namespace }, commandMetadata(request, token)));
  }
}
