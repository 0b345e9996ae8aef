import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Observable } from 'rxjs';

/** Keystone answers vary by token: every identity response says so (test/fixtures/keystone/README.md §2). */
@Injectable()
export class KeystoneHeaders implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    context.switchToHttp().getResponse<FastifyReply>().header('Vary', 'X-Auth-Token');
    return next.handle();
  }
}
