import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../../../domain/kernel';
import { BlobNotFound, BlobRangeNotSatisfiable, BlobSizeMismatch, BlobTooLarge } from '../../../../infra/blob';
import { PolicyDenied, Unauthenticated } from '../../../shared/src/auth';
import { pythonJson } from './python-text';

// webob's default explanations, which Glance sends with a detail line when it has one.
export const ACCESS_DENIED = 'Access was denied to this resource.';
export const CONFLICT = 'There was a conflict when trying to complete your request.';
export const RESOURCE_NOT_FOUND = 'The resource could not be found.';

/** An answer in Glance's error dialect: webob's explanation and, for some faults, a detail line. */
export class GlanceError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly detail = '',
  ) {
    super(message);
    this.name = 'GlanceError';
  }

  /** webob's body text before the page template (`body_template_obj`). */
  body(escape: (text: string) => string): string {
    return `${escape(this.message)}<br /><br />\n${escape(this.detail)}\n\n`;
  }
}

/** webob `HTTPUnsupportedMediaType`: its own template names the request's media type (eventlet's default is text/plain). */
export class UnsupportedMediaType extends GlanceError {
  constructor(
    readonly contentType: string | undefined,
    headers: Record<string, string> = {},
  ) {
    super(415, `The request media type ${contentType || 'text/plain'} is not supported by this server.`, headers);
  }

  override body(escape: (text: string) => string): string {
    return `The request media type ${escape(this.contentType || 'text/plain')} is not supported by this server.\n<br /><br />\n${escape(this.detail)}`;
  }
}

/** webob `HTTPMethodNotAllowed` from Glance's router, with its own template and the route's `Allow`. */
export class MethodNotAllowed extends GlanceError {
  constructor(
    readonly method: string,
    allow: string,
  ) {
    super(405, `The method ${method} is not allowed for this resource.`, { Allow: allow });
  }

  override body(escape: (text: string) => string): string {
    return `The method ${escape(this.method)} is not allowed for this resource. <br /><br />\n${escape(this.detail)}`;
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
  416: 'Request Range Not Satisfiable',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// webob's text for a 401 (glance answers through keystonemiddleware's webob exception).
const UNAUTHENTICATED =
  'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.';

// Glance's image API maps domain failures: Forbidden 403, NotFound 404, Duplicate/InvalidStatusTransition 409, limits 413.
const DOMAIN_STATUS: Record<string, number> = { NotFound: 404, Conflict: 409, InvalidInput: 400, InvalidState: 409, Forbidden: 403, QuotaExceeded: 413 };

function asGlanceError(error: unknown, request: FastifyRequest | undefined): GlanceError {
  if (error instanceof GlanceError) return error;
  if (error instanceof Unauthenticated) return new GlanceError(401, UNAUTHENTICATED);
  if (error instanceof PolicyDenied) return new GlanceError(403, `You are not authorized to complete ${error.rule.replace(/^image:/, '')} action.`);
  if (error instanceof DomainError) return new GlanceError(DOMAIN_STATUS[error.code] ?? 400, error.message);
  if (error instanceof BlobTooLarge) return new GlanceError(413, `Image exceeds the storage quota: ${error.message}`);
  if (error instanceof BlobSizeMismatch) return new GlanceError(400, error.message);
  if (error instanceof BlobRangeNotSatisfiable) return new GlanceError(416, 'The Range requested is not available.', {}, rangeDetail(error.size));
  if (error instanceof BlobNotFound) return new GlanceError(404, 'The image data could not be found.');
  const contentType = request?.headers?.['content-type'];
  const patchHeaders = (request?.method === 'PATCH' ? { 'Accept-Patch': PATCH_MEDIA_TYPES } : {}) as Record<string, string>;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 415) return new UnsupportedMediaType(contentType, patchHeaders);
    return new GlanceError(status, status === 404 ? RESOURCE_NOT_FOUND : error.message);
  }
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fastify.statusCode === 415) return new UnsupportedMediaType(contentType, patchHeaders);
  if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new GlanceError(413, 'The request body is too large.');
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) return new GlanceError(400, 'Malformed JSON in request body.');
  return new GlanceError(500, 'The server has either erred or is incapable of performing the requested operation.');
}

/** Glance (webob `Range.content_range`) on a start past the end of the image. */
export const rangeDetail = (size: number) => `Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`;

export const PATCH_MEDIA_TYPES = 'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
const noEscape = (text: string) => text;

/** webob `strip_tags`, which turns the body into the text/plain page. */
function stripTags(text: string): string {
  return text
    .replace(/\n/g, ' ')
    .replace(/\r/g, '')
    .replace(/<br.*?>/gis, '\n')
    .replace(/<!--|-->/g, '')
    .replace(/<.*?>/gs, '');
}

type FaultFormat = 'text/html' | 'application/json' | 'text/plain';

/**
 * webob's choice: `Accept.acceptable_offers(['text/html', 'application/json'])`, highest q first,
 * html on a tie; text/plain when neither is acceptable, and when no Accept header was sent.
 */
export function faultFormat(accept: string | undefined): FaultFormat {
  if (accept === undefined) return 'text/plain';
  // Deliberately not webob (which answers text/plain): openstacksdk uploads with `Accept: ""` and
  // shows a fault's text only from JSON or HTML, so a refused upload would say just "Bad Request".
  if (accept.trim() === '') return 'text/html';
  const ranges = accept.split(',').map((part) => {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.map((p) => /^q=([0-9.]+)$/.exec(p)).find((m) => m !== null);
    const [type, subtype] = range.split('/');
    return { type, subtype: subtype ?? '', q: q ? Number(q[1]) : 1 };
  });
  const offers: FaultFormat[] = ['text/html', 'application/json'];
  const scored = offers.map((offer) => {
    const [type, subtype] = offer.split('/');
    let best: { specificity: number; q: number } | null = null;
    for (const r of ranges) {
      const specificity = r.type === type && r.subtype === subtype ? 3 : r.type === type && r.subtype === '*' ? 2 : r.type === '*' && r.subtype === '*' ? 1 : 0;
      if (specificity > 0 && (best === null || specificity > best.specificity)) best = { specificity, q: r.q };
    }
    return { offer, q: best?.q ?? 0 };
  });
  const acceptable = scored.filter((s) => s.q > 0).sort((a, b) => b.q - a.q);
  return acceptable[0]?.offer ?? 'text/plain';
}

/**
 * Glance's faults are webob's, in the format the Accept header picks: JSON `{"message","code",
 * "title"}` (openstacksdk sends `application/json`), the HTML page (curl's `*\/*`), or plain text
 * (no Accept, as tempest's raw calls). `accept` may also be the old boolean "wants JSON".
 */
export function glanceErrorBody(status: number, error: string | GlanceError, accept: string | boolean | undefined): { contentType: string; body: string } {
  const fault = typeof error === 'string' ? new GlanceError(status, error) : error;
  const format = typeof accept === 'boolean' ? (accept ? 'application/json' : 'text/html') : faultFormat(accept);
  const reason = REASONS[status] ?? 'Error';
  const code = `${status} ${reason}`;
  if (format === 'application/json') return { contentType: 'application/json', body: pythonJson({ message: fault.body(noEscape), code, title: reason }) };
  if (format === 'text/plain') return { contentType: 'text/plain; charset=UTF-8', body: `${code}\n\n${stripTags(fault.body(noEscape))}` };
  const html = `<html>\n <head>\n  <title>${code}</title>\n </head>\n <body>\n  <h1>${code}</h1>\n  ${fault.body(escapeHtml)}\n </body>\n</html>`;
  return { contentType: 'text/html; charset=UTF-8', body: html };
}

/** Every error under /image, in Glance's dialect; 401s name the identity service as keystonemiddleware does. */
@Catch()
export class GlanceExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('image');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const fault = asGlanceError(error, request);
    if (fault.status >= 500) this.log.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (reply.sent || reply.raw.headersSent) {
      // A download that failed mid-stream: the status is gone, only cutting the connection tells the client.
      reply.raw.destroy(error instanceof Error ? error : undefined);
      return;
    }
    if (fault.status === 401) {
      const host = request?.headers?.host ?? '127.0.0.1';
      reply.header('WWW-Authenticate', `Keystone uri="${request?.protocol ?? 'http'}://${host}/identity"`);
    }
    const accept = request?.headers?.accept;
    const { contentType, body } = glanceErrorBody(fault.status, fault, Array.isArray(accept) ? accept.join(', ') : (accept ?? undefined));
    for (const [name, value] of Object.entries(fault.headers)) reply.header(name, value);
    // A Buffer, so Fastify sends the Content-Type as written (it appends a charset to JSON strings).
    reply.status(fault.status).header('Content-Type', contentType).send(Buffer.from(body, 'utf8'));
  }
}
