import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../../../../domain/kernel';
import { PolicyDenied, Unauthenticated } from '../../../shared/src/auth';

/**
 * An answer of Strata's own API (`/strata/v1`). Its error body is Keystone's shape,
 * `{"error":{"code","title","message"}}`, so OpenStack tooling that prints Keystone errors prints these.
 */
export class StrataError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'StrataError';
  }
}

export const badRequest = (message: string) => new StrataError(400, message);
export const notFound = (message: string) => new StrataError(404, message);

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function statusAndMessage(error: unknown): { status: number; message: string } {
  if (error instanceof StrataError) return { status: error.status, message: error.message };
  if (error instanceof Unauthenticated) return { status: 401, message: error.message };
  if (error instanceof PolicyDenied) return { status: 403, message: error.message };
  if (error instanceof DomainError) return { status: error.code === 'NotFound' ? 404 : 400, message: error.message };
  if (error instanceof HttpException) return { status: error.getStatus(), message: error.message };
  const fastify = error as { statusCode?: number; message?: string };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return { status: fastify.statusCode, message: fastify.message ?? 'Bad request' };
  }
  return { status: 500, message: 'An unexpected error prevented the server from fulfilling your request.' };
}

export function strataErrorBody(status: number, message: string): string {
  return JSON.stringify({ error: { code: status, title: TITLES[status] ?? 'Error', message } });
}

@Catch()
export class StrataExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('strata-api');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, message } = statusAndMessage(error);
    if (status >= 500) this.log.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (status === 401) reply.header('WWW-Authenticate', 'Keystone uri="/identity"');
    reply.status(status).header('content-type', 'application/json').send(strataErrorBody(status, message));
  }
}
