import { Controller, Get, Param, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { authorize, CurrentToken, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { NovaExceptionFilter, notFound } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';

/**
 * os-aggregates, read side. Strata has no host aggregates: a host's availability zone is its
 * agent's setting (STRATA_AVAILABILITY_ZONE), so the list is empty, which is what `openstack
 * hypervisor show` reads to print a host's aggregates. Creating aggregates is not offered.
 */
@Controller('compute/v2.1/os-aggregates')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class AggregatesController {
  @Get()
  list(@CurrentToken() token: TokenContext) {
    authorize('os_compute_api:os-aggregates:index', isAdmin(token));
    return { aggregates: [] };
  }

  @Get(':aggregateId')
  show(@CurrentToken() token: TokenContext, @Param('aggregateId') aggregateId: string) {
    authorize('os_compute_api:os-aggregates:show', isAdmin(token));
    // nova/exception.py AggregateNotFound
    throw notFound(`Aggregate ${aggregateId} could not be found.`);
  }
}
