import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../../../domain/kernel';
import { BlobNotFound, BlobRangeNotSatisfiable, BlobSizeMismatch, BlobTooLarge } from '../../../../infra/blob';
import { PolicyDenied, Unauthenticated } from '../../../shared/src/auth';

/** An answer in Glance's error dialect, thrown from the image controllers. */
export class GlanceError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GlanceError';
  }
}

export const imageNotFound = (imageId: string) => new GlanceError(404, `No image found with ID ${imageId}`);

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// webob's text for a 401 (glance answers through keystonemiddleware's webob exception).
const UNAUTHENTICATED =
  'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.';

// Glance's image API maps domain failures: Forbidden 403, NotFound 404, Duplicate/InvalidStatusTransition 409, limits 413.
const DOMAIN_STATUS: Record<string, number> = { NotFound: 404, Conflict: 409, InvalidInput: 400, InvalidState: 409, Forbidden: 403, QuotaExceeded: 413 };

function statusAndMessage(error: unknown): { status: number; message: string; headers: Record<string, string> } {
  const plain = (status: number, message: string, headers: Record<string, string> = {}) => ({ status, message, headers });
  if (error instanceof GlanceError) return plain(error.status, error.message, error.headers);
  if (error instanceof Unauthenticated) return plain(401, UNAUTHENTICATED);
  if (error instanceof PolicyDenied) return plain(403, `You are not authorized to complete ${error.rule.replace(/^image:/, '')} action.`);
  if (error instanceof DomainError) return plain(DOMAIN_STATUS[error.code] ?? 400, error.message);
  if (error instanceof BlobTooLarge) return plain(413, `Image exceeds the storage quota: ${error.message}`);
  if (error instanceof BlobSizeMismatch) return plain(400, error.message);
  if (error instanceof BlobRangeNotSatisfiable) return plain(416, 'Requested range not satisfiable', { 'Content-Range': `bytes */${error.size}` });
  if (error instanceof BlobNotFound) return plain(404, 'The image data could not be found.');
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return plain(status, status === 404 ? 'The resource could not be found.' : error.message);
  }
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return plain(415, 'The request has media type which is not supported by the server.');
  if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return plain(413, 'The request body is too large.');
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return plain(400, 'Malformed JSON in request body.');
  }
  return plain(500, 'An unexpected error prevented the server from fulfilling your request.');
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');

/**
 * Glance's faults are webob's: JSON `{"message","code","title"}` when the client accepts JSON
 * (openstacksdk and tempest do), else the HTML page. The message carries webob's `<br /><br />`.
 */
export function glanceErrorBody(status: number, message: string, acceptsJson: boolean): { contentType: string; body: string } {
  const code = `${status} ${REASONS[status] ?? 'Error'}`;
  if (acceptsJson) {
    return { contentType: 'application/json', body: JSON.stringify({ message: `${message}<br /><br />\n\n\n`, code, title: REASONS[status] ?? 'Error' }) };
  }
  const html = `<html>\n <head>\n  <title>${code}</title>\n </head>\n <body>\n  <h1>${code}</h1>\n  ${escapeHtml(message)}<br /><br />\n\n\n\n </body>\n</html>`;
  return { contentType: 'text/html; charset=UTF-8', body: html };
}

function acceptsJson(request: FastifyRequest | undefined): boolean {
  const accept = request?.headers?.accept;
  return typeof accept === 'string' && /application\/json/i.test(accept);
}

/** Every error under /image, in Glance's dialect; 401s name the identity service as keystonemiddleware does. */
@Catch()
export class GlanceExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('image');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { status, message, headers } = statusAndMessage(error);
    if (status >= 500) this.log.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (reply.sent || reply.raw.headersSent) {
      // A download that failed mid-stream: the status is gone, only cutting the connection tells the client.
      reply.raw.destroy(error instanceof Error ? error : undefined);
      return;
    }
    if (status === 401) {
      const host = request?.headers?.host ?? '127.0.0.1';
      reply.header('WWW-Authenticate', `Keystone uri="${request?.protocol ?? 'http'}://${host}/identity"`);
    }
    const { contentType, body } = glanceErrorBody(status, message, acceptsJson(request));
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    reply.status(status).header('Content-Type', contentType).send(body);
  }
}
