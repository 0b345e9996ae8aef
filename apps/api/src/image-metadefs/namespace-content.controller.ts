import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { metadefNameKey } from '../../../../domain/image';
import type { MetadefNamespaceRow } from '../../../../projections/image';
import { commandMetadata, CurrentToken, TokenContext, TokenGuard } from '../../../shared/src/auth';
import { GlanceError, GlanceExceptionFilter } from '../image/glance-errors';
import { GlanceResponseInterceptor } from '../image/glance-responses';
import { requireMetadefAdmin, visibleNamespace } from './metadef-access';
import { MetadefReads } from './metadef-reads';
import { parseAssociationBody, parseObjectBody, parsePropertyBody, parseTagBody, parseTagListQuery, parseTagsBody, validateTagName } from './metadef-requests';
import { associationView, objectView, orderedAssociations, propertiesView, propertyView, tagsNewestFirst, tagView } from './metadef-views';
import { MetadefWrites } from './metadef-writes';

type RawQuery = Record<string, string | string[] | undefined>;

const named = (name: string) => (entry: { name: string }) => metadefNameKey(entry.name) === metadefNameKey(name);

/** The namespace as the write left it: read-your-writes, then the row. */
async function afterWrite(reads: MetadefReads, position: string | null, namespace: string): Promise<MetadefNamespaceRow> {
  await reads.waitFor(position);
  const row = await reads.namespace(namespace);
  if (!row) throw new GlanceError(404, `Namespace ${namespace} not found`);
  return row;
}

@Controller('image/v2/metadefs/namespaces/:namespace/properties')
@UseFilters(GlanceExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(GlanceResponseInterceptor)
export class MetadefPropertiesController {
  constructor(
    private readonly reads: MetadefReads,
    private readonly writes: MetadefWrites,
  ) {}

  @Get()
  async list(@CurrentToken() token: TokenContext, @Param('namespace') ns: string) {
    const row = await visibleNamespace(this.reads, token, ns);
    return { properties: propertiesView(row.properties) };
  }

  @Post()
  @HttpCode(201)
  async create(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const property = parsePropertyBody(body);
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'add_metadef_property');
    await this.reads.waitFor(await this.writes.run('CreateMetadefProperty', { namespace: row.namespace, property }, commandMetadata(request, token)));
    return propertyView(property.schema);
  }

  @Delete()
  @HttpCode(204)
  async removeAll(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Req() request: FastifyRequest) {
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'delete_metadef_namespace');
    await this.reads.waitFor(await this.writes.run('DeleteMetadefProperties', { namespace: row.namespace }, commandMetadata(request, token)));
  }

  @Get(':property')
  async show(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('property') name: string, @Query() query: RawQuery) {
    const row = await visibleNamespace(this.reads, token, ns);
    const resourceType = typeof query.resource_type === 'string' && query.resource_type !== '' ? query.resource_type : undefined;
    let propertyName = name;
    if (resourceType !== undefined) {
      // metadef_properties.py `show`: the name carries the association's prefix, which is stripped.
      const association = row.resource_type_associations.find(named(resourceType));
      if (!association) {
        const known = (await this.reads.resourceTypes()).some(named(resourceType));
        throw new GlanceError(
          404,
          known
            ? `The metadata definition resource-type association of resource-type=${resourceType} to namespace=${ns}, was not found.`
            : `The metadata definition resource-type with name=${resourceType}, was not found.`,
        );
      }
      const prefix = association.prefix;
      if (!prefix || !name.startsWith(prefix)) throw new GlanceError(404, `Property ${name} does not start with the expected resource type association prefix of '${prefix ?? 'None'}'.`);
      propertyName = name.slice(prefix.length);
    }
    const property = row.properties.find(named(propertyName));
    if (!property) throw new GlanceError(404, `Could not find property ${propertyName}`);
    // `_to_model` names the property from its row, even one a namespace was created with.
    return propertyView({ ...property.schema, name: property.name });
  }

  @Put(':property')
  async update(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('property') name: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const property = parsePropertyBody(body);
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'modify_metadef_property');
    await this.reads.waitFor(await this.writes.run('UpdateMetadefProperty', { namespace: row.namespace, name, property }, commandMetadata(request, token)));
    return propertyView(property.schema);
  }

  @Delete(':property')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('property') name: string, @Req() request: FastifyRequest) {
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'remove_metadef_property');
    await this.reads.waitFor(await this.writes.run('DeleteMetadefProperty', { namespace: row.namespace, name }, commandMetadata(request, token)));
  }
}

@Controller('image/v2/metadefs/namespaces/:namespace/objects')
@UseFilters(GlanceExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(GlanceResponseInterceptor)
export class MetadefObjectsController {
  constructor(
    private readonly reads: MetadefReads,
    private readonly writes: MetadefWrites,
  ) {}

  @Get()
  async list(@CurrentToken() token: TokenContext, @Param('namespace') ns: string) {
    const row = await visibleNamespace(this.reads, token, ns, 'objects');
    // Glance's object list names its schema without the leading slash.
    return { objects: row.objects.map((o) => objectView(ns, o, 'stored')), schema: 'v2/schemas/metadefs/objects' };
  }

  @Post()
  @HttpCode(201)
  async create(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const object = parseObjectBody(body, true);
    const row = await visibleNamespace(this.reads, token, ns, 'objects');
    requireMetadefAdmin(token, 'add_metadef_object');
    const position = await this.writes.run('CreateMetadefObject', { namespace: row.namespace, object }, commandMetadata(request, token));
    const entry = (await afterWrite(this.reads, position, row.namespace)).objects.find(named(object.name));
    if (!entry) throw new GlanceError(404, `Could not find metadata object ${object.name}`);
    return objectView(ns, entry, 'created');
  }

  @Delete()
  @HttpCode(204)
  async removeAll(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Req() request: FastifyRequest) {
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'delete_metadef_namespace');
    await this.reads.waitFor(await this.writes.run('DeleteMetadefObjects', { namespace: row.namespace }, commandMetadata(request, token)));
  }

  @Get(':object')
  async show(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('object') name: string) {
    const row = await visibleNamespace(this.reads, token, ns, 'objects');
    const entry = row.objects.find(named(name));
    if (!entry) throw new GlanceError(404, `Could not find metadata object ${name}`);
    return objectView(ns, entry, 'stored');
  }

  @Put(':object')
  async update(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('object') name: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const object = parseObjectBody(body, false);
    const row = await visibleNamespace(this.reads, token, ns, 'objects');
    requireMetadefAdmin(token, 'modify_metadef_object');
    const position = await this.writes.run('UpdateMetadefObject', { namespace: row.namespace, name, object }, commandMetadata(request, token));
    const entry = (await afterWrite(this.reads, position, row.namespace)).objects.find(named(object.name));
    if (!entry) throw new GlanceError(404, `Could not find metadata object ${object.name}`);
    return objectView(ns, entry, 'created');
  }

  @Delete(':object')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('object') name: string, @Req() request: FastifyRequest) {
    const row = await visibleNamespace(this.reads, token, ns, 'objects');
    requireMetadefAdmin(token, 'delete_metadef_object');
    await this.reads.waitFor(await this.writes.run('DeleteMetadefObject', { namespace: row.namespace, name }, commandMetadata(request, token)));
  }
}

@Controller('image/v2/metadefs/namespaces/:namespace/tags')
@UseFilters(GlanceExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(GlanceResponseInterceptor)
export class MetadefTagsController {
  constructor(
    private readonly reads: MetadefReads,
    private readonly writes: MetadefWrites,
  ) {}

  @Get()
  async list(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Query() query: RawQuery) {
    const q = parseTagListQuery(query);
    const row = await visibleNamespace(this.reads, token, ns);
    let tags = tagsNewestFirst(row.tags, q.sortDir);
    if (q.marker !== undefined) {
      const at = tags.findIndex(named(q.marker));
      if (at < 0) throw new GlanceError(404, `Could not find metadata tag ${q.marker}`);
      tags = tags.slice(at + 1);
    }
    if (q.limit !== undefined) tags = tags.slice(0, q.limit);
    return { tags: tags.map((t) => ({ name: t.name })) };
  }

  /** `X-Openstack-Append: true` keeps the tags already there (oslo strutils `bool_from_string`). */
  @Post()
  @HttpCode(201)
  async createMany(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const names = parseTagsBody(body);
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'add_metadef_tags');
    const append = ['1', 't', 'true', 'on', 'y', 'yes'].includes(String(request.headers['x-openstack-append'] ?? '').trim().toLowerCase());
    await this.reads.waitFor(await this.writes.run('CreateMetadefTags', { namespace: row.namespace, names, append }, commandMetadata(request, token)));
    return { tags: names.map((name) => ({ name })) };
  }

  @Delete()
  @HttpCode(204)
  async removeAll(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Req() request: FastifyRequest) {
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'delete_metadef_namespace', 'delete_metadef_tags');
    await this.reads.waitFor(await this.writes.run('DeleteMetadefTags', { namespace: row.namespace }, commandMetadata(request, token)));
  }

  @Get(':tag')
  async show(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('tag') name: string) {
    const row = await visibleNamespace(this.reads, token, ns);
    const tag = row.tags.find(named(name));
    if (!tag) throw new GlanceError(404, `Could not find metadata tag ${name}`);
    return tagView(tag);
  }

  @Post(':tag')
  @HttpCode(201)
  async create(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('tag') name: string, @Req() request: FastifyRequest) {
    const row = await visibleNamespace(this.reads, token, ns);
    validateTagName(name);
    requireMetadefAdmin(token, 'add_metadef_tag');
    const position = await this.writes.run('CreateMetadefTag', { namespace: row.namespace, name }, commandMetadata(request, token));
    const tag = (await afterWrite(this.reads, position, row.namespace)).tags.find(named(name));
    if (!tag) throw new GlanceError(404, `Could not find metadata tag ${name}`);
    return tagView(tag);
  }

  @Put(':tag')
  async update(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('tag') name: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const newName = parseTagBody(body);
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'modify_metadef_tag');
    const position = await this.writes.run('UpdateMetadefTag', { namespace: row.namespace, name, newName }, commandMetadata(request, token));
    const tag = (await afterWrite(this.reads, position, row.namespace)).tags.find(named(newName));
    if (!tag) throw new GlanceError(404, `Could not find metadata tag ${newName}`);
    return tagView(tag);
  }

  @Delete(':tag')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('tag') name: string, @Req() request: FastifyRequest) {
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'delete_metadef_tag');
    await this.reads.waitFor(await this.writes.run('DeleteMetadefTag', { namespace: row.namespace, name }, commandMetadata(request, token)));
  }
}

@Controller('image/v2/metadefs/namespaces/:namespace/resource_types')
@UseFilters(GlanceExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(GlanceResponseInterceptor)
export class MetadefAssociationsController {
  constructor(
    private readonly reads: MetadefReads,
    private readonly writes: MetadefWrites,
  ) {}

  @Get()
  async list(@CurrentToken() token: TokenContext, @Param('namespace') ns: string) {
    const row = await visibleNamespace(this.reads, token, ns);
    return { resource_type_associations: orderedAssociations(row, await this.reads.resourceTypes()).map((a) => associationView(a)) };
  }

  @Post()
  @HttpCode(201)
  async associate(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    const association = parseAssociationBody(body);
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'add_metadef_resource_type_association');
    const position = await this.writes.run('AssociateMetadefResourceType', { namespace: row.namespace, association }, commandMetadata(request, token));
    const entry = (await afterWrite(this.reads, position, row.namespace)).resource_type_associations.find(named(association.name));
    if (!entry) throw new GlanceError(404, `Failed to find resource type ${association.name}`);
    return associationView(entry);
  }

  @Delete(':resourceType')
  @HttpCode(204)
  async dissociate(@CurrentToken() token: TokenContext, @Param('namespace') ns: string, @Param('resourceType') name: string, @Req() request: FastifyRequest) {
    const row = await visibleNamespace(this.reads, token, ns);
    requireMetadefAdmin(token, 'remove_metadef_resource_type_association');
    await this.reads.waitFor(await this.writes.run('DissociateMetadefResourceType', { namespace: row.namespace, name }, commandMetadata(request, token)));
  }
}
