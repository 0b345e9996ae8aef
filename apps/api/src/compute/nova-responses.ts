import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { requestedVersion } from './microversion';
import { setVersionHeaders } from './nova-errors';

/** Negotiates the microversion before the handler runs (a bad one is refused first) and states it on the answer. */
@Injectable()
export class NovaResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const version = requestedVersion(http.getRequest<FastifyRequest>());
    setVersionHeaders(http.getResponse<FastifyReply>(), version);
    return next.handle();
  }
}
