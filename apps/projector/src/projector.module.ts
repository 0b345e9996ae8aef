import { Module } from '@nestjs/common';
import { ProjectorService } from './projector.service';

const providers = [ProjectorService];

@Module({ providers })
export class ProjectorModule {}
