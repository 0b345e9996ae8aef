import { Module } from '@nestjs/common';
import { ComputeModule } from './compute/compute.module';
import { HealthController } from './health.controller';
import { IdentityModule } from './identity/identity.module';
import { ImageModule } from './image/image.module';
import { MetadefsModule } from './image-metadefs/metadefs.module';
import { ReadinessService } from './readiness.service';
import { RootController } from './root.controller';
import { StrataModule } from './strata/strata.module';

const controllers = [RootController, HealthController];
const providers = [ReadinessService];

/** The HTTP API. Service modules (identity, compute, ...) are added here by later issues. */
@Module({ imports: [IdentityModule, ImageModule, MetadefsModule, ComputeModule, StrataModule], controllers, providers, exports: [ReadinessService] })
export class ApiModule {}
