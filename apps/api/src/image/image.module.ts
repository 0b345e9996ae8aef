import { Module, Provider } from '@nestjs/common';
import { StrataConfig } from '../../../../infra/config';
import { imageBlobStore } from '../../../shared/src/image-blobs';
import { QemuImgInspector } from '../../../../infra/image';
import { TokenGuard } from '../../../shared/src/auth';
import { STRATA_CONFIG } from '../../../shared/src/runtime.tokens';
import { GlanceSchemasController, GlanceVersionController } from './glance-meta.controller';
import { GlanceMethodsController } from './glance-methods.controller';
import { ImageReads } from './image-reads';
import { ImageUploads } from './image-uploads';
import { ImageWrites } from './image-writes';
import { DISK_INSPECTOR, IMAGE_BLOBS } from './image.tokens';
import { ImagesController } from './images.controller';

// GlanceMethodsController first: its HEAD routes must exist before the GET routes they shadow.
const controllers = [GlanceVersionController, GlanceSchemasController, GlanceMethodsController, ImagesController];
const ports: Provider[] = [
  // Image bytes under the data dir (DESIGN.md: infra/blob); the object-storage issue adds a shared backend.
  { provide: IMAGE_BLOBS, inject: [STRATA_CONFIG], useFactory: (config: StrataConfig) => imageBlobStore(config.dataDir) },
  { provide: DISK_INSPECTOR, useFactory: () => new QemuImgInspector() },
];
const providers = [ImageReads, ImageWrites, ImageUploads, TokenGuard];

/** Glance v2 under /image (DESIGN.md, API); its reads and writes serve Nova's image proxy too. */
@Module({ controllers, providers: [...ports, ...providers], exports: [ImageReads, ImageWrites, ImageUploads] })
export class ImageModule {}
