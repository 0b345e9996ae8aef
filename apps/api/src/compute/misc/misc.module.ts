import { Module } from '@nestjs/common';
import { ComputeResourcesModule } from '../resources/resources.module';
import { ExtensionsController } from './extensions.controller';
import { InstanceUsageAuditLogController } from './instance-usage-audit-log.controller';
import { ServerExternalEventsController } from './server-external-events.controller';

const controllers = [ExtensionsController, InstanceUsageAuditLogController, ServerExternalEventsController];

/** The legacy extension list, the instance usage audit log, server external events. */
@Module({ imports: [ComputeResourcesModule], controllers })
export class ComputeMiscModule {}
