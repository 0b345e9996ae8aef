import { Module } from '@nestjs/common';
import { VolumeAgentService } from './volume-agent.service';

const providers = [VolumeAgentService];

@Module({ providers })
export class VolumeAgentModule {}
