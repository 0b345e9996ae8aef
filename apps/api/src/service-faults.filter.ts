import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { KeystoneExceptionFilter } from './identity/keystone-errors';
import { GlanceExceptionFilter } from './image/glance-errors';
import { NovaExceptionFilter } from './compute/nova-errors';
import { StrataExceptionFilter } from './strata/strata-errors';

/**
 * Errors raised before a controller runs (an unparsable body, a route that does not exist) reach
 * only global filters: each service prefix answers in its own dialect, every other path with Nest's default.
 */
@Catch()
export class ServiceFaultsFilter extends BaseExceptionFilter {
  private readonly byPrefix: [string, { catch(error: unknown, host: ArgumentsHost): void }][] = [
    ['/identity', new KeystoneExceptionFilter()],
    ['/image', new GlanceExceptionFilter()],
    ['/compute', new NovaExceptionFilter()],
    ['/strata', new StrataExceptionFilter()],
  ];

  override catch(error: unknown, host: ArgumentsHost): void {
    const url = host.switchToHttp().getRequest<FastifyRequest>()?.url ?? '';
    const service = this.byPrefix.find(([prefix]) => url.startsWith(prefix));
    if (service) return service[1].catch(error, host);
    super.catch(error, host);
  }
}
