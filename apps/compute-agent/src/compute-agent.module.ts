import { Module } from '@nestjs/common';
import { ComputeAgentService } from './compute-agent.service';

const providers = [ComputeAgentService];

@Module({ providers })
export class ComputeAgentModule {}
