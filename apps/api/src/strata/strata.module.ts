import { Module } from '@nestjs/common';
import { TokenGuard } from '../../../shared/src/auth';
import { AuditController } from './audit.controller';
import { HistoryController } from './history.controller';
import { ProjectionsController } from './projections.controller';
import { StrataReadModel } from './strata-read-model';

const controllers = [ProjectionsController, HistoryController, AuditController];
const providers = [TokenGuard, StrataReadModel];

/** Strata's own API under /strata/v1: auditors' history and audit trail, operators' projections. */
@Module({ controllers, providers })
export class StrataModule {}
