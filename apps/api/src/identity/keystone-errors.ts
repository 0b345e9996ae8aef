import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Unauthorized } from '../../../../domain/identity';
import { DomainError } from '../../../../domain/kernel';
import { PolicyDenied, Unauthenticated } from '../../../shared/src/auth';
import { identityBaseUrl } from './keystone-views';

/** An answer in Keystone's error dialect, thrown from the identity controllers. */
export class KeystoneError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KeystoneError';
  }
}

export const AUTHENTICATION_REQUIRED = 'The request you have made requires authentication.';
export const unauthorized = () => new KeystoneError(401, AUTHENTICATION_REQUIRED);
export const notFound = (kind: string, id: string) => new KeystoneError(404, `Could not find ${kind}: ${id}.`);

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

// Keystone's text for an unparsable body (keystone/server/flask/request_processing/json_body.py).
const BAD_JSON =
  'Expecting to find valid JSON in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

const DOMAIN_STATUS: Record<string, number> = { NotFound: 404, Conflict: 409, InvalidInput: 400, InvalidState: 400, Forbidden: 403, QuotaExceeded: 413, Unauthorized: 401 };

function statusAndMessage(error: unknown): { status: number; message: string } {
  if (error instanceof KeystoneError) return { status: error.status, message: error.message };
  if (error instanceof Unauthenticated || error instanceof Unauthorized) return { status: 401, message: AUTHENTICATION_REQUIRED };
  if (error instanceof PolicyDenied) return { status: 403, message: error.message };
  if (error instanceof DomainError) return { status: DOMAIN_STATUS[error.code] ?? 400, message: error.message };
  if (error instanceof HttpException && error.getStatus() === 400 && /JSON/.test(error.message)) return { status: 400, message: BAD_JSON };
  if (error instanceof HttpException) return { status: error.getStatus(), message: error.message };
  const fastify = error as { statusCode?: number; code?: string };
  if (fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return {
      status: 400,
      message:
        'Expecting to find application/json in Content-Type header. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
    };
  }
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return { status: 400, message: BAD_JSON };
  }
  return { status: 500, message: 'An unexpected error prevented the server from fulfilling your request.' };
}

export function keystoneErrorBody(status: number, message: string): string {
  return JSON.stringify({ error: { code: status, message, title: TITLES[status] ?? 'Error' } });
}

/** For errors raised by Fastify itself (unparsable body, wrong content type) on an identity path. */
export function keystoneBodyError(error: unknown): { code: number; body: string } {
  const { status, message } = statusAndMessage(error);
  return { code: status, body: keystoneErrorBody(status, message) };
}

/** Keystone's `{"error":{"code","message","title"}}` (compact JSON), with WWW-Authenticate on every 401. */
@Catch()
export class KeystoneExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('identity');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { status, message } = statusAndMessage(error);
    if (status >= 500) this.log.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (status === 401) reply.header('WWW-Authenticate', `Keystone uri="${identityBaseUrl(request)}"`);
    reply
      .status(status)
      .header('Content-Type', 'application/json')
      .header('Vary', 'X-Auth-Token')
      .send(keystoneErrorBody(status, message));
  }
}
