import { Module } from '@nestjs/common';
import { TokenGuard } from '../../../shared/src/auth';
import { ProjectionsController } from './projections.controller';

const controllers = [ProjectionsController];
const providers = [TokenGuard];

/** Strata's own API under /strata/v1: auditors' history and audit trail, operators' projections. */
@Module({ controllers, providers })
export class StrataModule {}
