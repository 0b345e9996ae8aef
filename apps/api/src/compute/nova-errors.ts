import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, WrongExpectedVersionError } from '../../../../domain/kernel';
import { PolicyDenied, Unauthenticated } from '../../../shared/src/auth';
import { ApiVersion, requestedVersion } from './microversion';

/** An answer in Nova's fault dialect, thrown from the compute controllers. */
export class NovaError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'NovaError';
  }
}

export const badRequest = (message: string) => new NovaError(400, message);
export const notFound = (message: string) => new NovaError(404, message);
export const conflict = (message: string) => new NovaError(409, message);
export const forbidden = (message: string) => new NovaError(403, message);

/** nova/api/openstack/wsgi.py `Fault._fault_names`. */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

const DOMAIN_STATUS: Record<string, number> = { NotFound: 404, Conflict: 409, InvalidInput: 400, InvalidState: 409, Forbidden: 403, QuotaExceeded: 403 };

function statusAndMessage(error: unknown): { status: number; message: string } {
  if (error instanceof NovaError) return { status: error.status, message: error.message };
  if (error instanceof PolicyDenied) return { status: 403, message: `Policy doesn't allow ${error.rule} to be performed.` };
  if (error instanceof DomainError) return { status: DOMAIN_STATUS[error.code] ?? 400, message: error.message };
  // Writers kept changing the stream while this command was decided again and again: nothing was written,
  // and the client may try again (nova/exception.py Conflict, Nova's answer to a lost concurrent update).
  if (error instanceof WrongExpectedVersionError) return { status: 409, message: 'There was a conflict when trying to complete your request.' };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return { status, message: 'The resource could not be found.' };
    return { status, message: error.message };
  }
  const fastify = error as { statusCode?: number; code?: string };
  if (fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, message: 'Unsupported Content-Type' };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    // nova/api/openstack/wsgi.py: a body that is not JSON.
    return { status: 400, message: 'Malformed request body' };
  }
  return { status: 500, message: 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.' };
}

/** keystonemiddleware's 401, which reaches clients before Nova sees the request. */
const UNAUTHENTICATED_BODY = JSON.stringify({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });

export function novaErrorBody(status: number, message: string): string {
  const name = FAULT_NAMES[status] ?? 'computeFault';
  return JSON.stringify({ [name]: { code: status, message } });
}

/** Microversion headers on every compute answer (nova/api/openstack/wsgi.py `Resource._process_stack`). */
/** An API asked for at a microversion that no longer has it (a deprecated proxy, os-hosts): Nova's 404. */
export function goneFrom(v: ApiVersion, since: string): void {
  if (v.atLeast(since)) throw notFound('The resource could not be found.');
}

export function setVersionHeaders(reply: FastifyReply, version: ApiVersion): void {
  reply.header('OpenStack-API-Version', `compute ${version}`);
  reply.header('X-OpenStack-Nova-API-Version', `${version}`);
  reply.header('Vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
}

/** Nova's `{"<faultName>": {"code", "message"}}`, with the microversion headers. */
@Catch()
export class NovaExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('compute');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (error instanceof Unauthenticated) {
      reply.status(401).header('Content-Type', 'application/json').header('WWW-Authenticate', `Keystone uri="${request.protocol}://${request.headers.host}/identity"`).send(UNAUTHENTICATED_BODY);
      return;
    }
    const { status, message } = statusAndMessage(error);
    reply.header('x-compute-request-id', request.id);
    if (status >= 500) this.log.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    let version: ApiVersion | null = null;
    try {
      version = requestedVersion(request);
    } catch {
      version = null;
    }
    if (version && status !== 400 && status !== 406) setVersionHeaders(reply, version);
    reply.status(status).header('Content-Type', 'application/json; charset=UTF-8').send(novaErrorBody(status, message));
  }
}
