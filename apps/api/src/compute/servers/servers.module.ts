import { Module } from '@nestjs/common';
import { ComputeResourcesModule } from '../resources/resources.module';
import { InstanceActionsController } from './instance-actions.controller';
import { ServerDiagnosticsController } from './server-diagnostics.controller';
import { ServerMetadataController } from './server-metadata.controller';
import { ServerReads } from './server-reads';
import { ServerPasswordController, ServerTagsController } from './server-tags.controller';
import { ServerWrites } from './server-writes';
import { ServersController } from './servers.controller';

const controllers = [ServersController, ServerMetadataController, ServerTagsController, ServerPasswordController, InstanceActionsController, ServerDiagnosticsController];
const providers = [ServerReads, ServerWrites];

/** Servers, their actions, metadata and tags, os-server-password, os-instance-actions, os-server-diagnostics. */
@Module({ imports: [ComputeResourcesModule], controllers, providers })
export class ComputeServersModule {}
