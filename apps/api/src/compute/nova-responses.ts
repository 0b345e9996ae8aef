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
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // oslo's compute_req_id middleware: Nova repeats the request id under its legacy name.
    reply.header('x-compute-request-id', request.id);
    const version = requestedVersion(request);
    setVersionHeaders(reply, version);
    return next.handle();
  }
}
