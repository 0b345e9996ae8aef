import { Global, Module } from '@nestjs/common';
import { TokenGuard } from '../../../shared/src/auth';
import { ComputeReadModel } from './compute-read-model';
import { ComputeWrites } from './compute-writes';
import { ComputeResourcesModule } from './resources/resources.module';
import { ComputeImagesModule } from './images/images.module';
import { ComputeMiscModule } from './misc/misc.module';
import { ComputeServersModule } from './servers/servers.module';
import { ComputeVersionController } from './version.controller';

/** What both compute sub-modules share: the read-model pool, the command runner, the token guard. */
@Global()
@Module({ providers: [ComputeReadModel, ComputeWrites, TokenGuard], exports: [ComputeReadModel, ComputeWrites, TokenGuard] })
export class ComputeSharedModule {}

/** Nova v2.1 under /compute (DESIGN.md, API). */
@Module({ imports: [ComputeSharedModule, ComputeResourcesModule, ComputeServersModule, ComputeImagesModule, ComputeMiscModule], controllers: [ComputeVersionController] })
export class ComputeModule {}
