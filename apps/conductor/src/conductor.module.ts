import { Module } from '@nestjs/common';
import { ConductorService } from './conductor.service';

const providers = [ConductorService];

@Module({ providers })
export class ConductorModule {}
