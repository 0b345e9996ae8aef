import { Controller, Get, Inject, Param, UseFilters, UseGuards } from '@nestjs/common';
import { ProjectionEngine, ProjectionStatusReport } from '../../../../infra/projections';
import { authorize, CurrentToken, isAdmin, TokenContext, TokenGuard } from '../../../shared/src/auth';
import { PROJECTION_ENGINE } from '../../../shared/src/runtime.tokens';
import { isAuditor } from './audit-access';
import { notFound, StrataExceptionFilter } from './strata-errors';

/** Operators and auditors watch the read models; nobody else learns how far behind the log they are. */
const mayWatch = (token: TokenContext) => isAdmin(token) || isAuditor(token);

/**
 * The read models' state for operators, as `strata projections status --json` prints it: active
 * and building generation, checkpoint, lag, rate, the last error with its position and event id,
 * and whether this build's code needs a rebuild.
 */
@Controller('strata/v1/projections')
@UseFilters(StrataExceptionFilter)
@UseGuards(TokenGuard)
export class ProjectionsController {
  constructor(@Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine) {}

  @Get()
  async list(@CurrentToken() token: TokenContext): Promise<{ projections: ProjectionStatusReport[] }> {
    authorize('strata:projections:list', mayWatch(token));
    return { projections: await this.engine.status() };
  }

  @Get(':name')
  async show(@CurrentToken() token: TokenContext, @Param('name') name: string): Promise<{ projection: ProjectionStatusReport }> {
    authorize('strata:projections:show', mayWatch(token));
    const projection = (await this.engine.status()).find((r) => r.name === name);
    if (!projection) throw notFound(`Could not find projection: ${name}.`);
    return { projection };
  }
}
