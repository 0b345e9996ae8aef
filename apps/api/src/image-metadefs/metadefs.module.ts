import { Module } from '@nestjs/common';
import { TokenGuard } from '../../../shared/src/auth';
import { MetadefMethodsController } from './metadef-methods.controller';
import { MetadefReads } from './metadef-reads';
import { MetadefResourceTypeSeed } from './metadef-seed';
import { MetadefWrites } from './metadef-writes';
import { MetadefAssociationsController, MetadefObjectsController, MetadefPropertiesController, MetadefTagsController } from './namespace-content.controller';
import { MetadefNamespacesController, MetadefResourceTypesController, MetadefSchemasController } from './namespaces.controller';

// The 405s first: registered before the GET routes, they keep Fastify from answering HEAD itself.
const controllers = [
  MetadefMethodsController,
  MetadefSchemasController,
  MetadefResourceTypesController,
  MetadefNamespacesController,
  MetadefPropertiesController,
  MetadefObjectsController,
  MetadefTagsController,
  MetadefAssociationsController,
];
const providers = [MetadefReads, MetadefWrites, MetadefResourceTypeSeed, TokenGuard];

/** Glance v2 metadata definitions (metadefs) under /image/v2/metadefs and /image/v2/schemas/metadefs. */
@Module({ controllers, providers })
export class MetadefsModule {}
