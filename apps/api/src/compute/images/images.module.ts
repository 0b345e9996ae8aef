import { Module } from '@nestjs/common';
import { ImageModule } from '../../image/image.module';
import { ComputeResourcesModule } from '../resources/resources.module';
import { ImagesProxyController } from './images-proxy.controller';

/** Nova's image proxy (images and their metadata, up to 2.35 and 2.38) over the image service's read model and streams. */
@Module({ imports: [ImageModule, ComputeResourcesModule], controllers: [ImagesProxyController] })
export class ComputeImagesModule {}
