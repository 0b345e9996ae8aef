import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { pythonJson } from './python-text';

const BARE_NO_CONTENT = 'glance:bare-no-content';

/** A 204 that Glance sends without a Content-Type (DELETE of a member, GET of an image without data). */
export const BareNoContent = () => SetMetadata(BARE_NO_CONTENT, true);

/**
 * Glance's response bodies: `json.dumps` text as `application/json` (no charset); a bodiless
 * answer (PUT file, tags, DELETE, actions) as webob's empty `text/html; charset=UTF-8` page.
 */
@Injectable()
export class GlanceResponseInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const bare = this.reflector.get<boolean>(BARE_NO_CONTENT, context.getHandler()) === true;
    return next.handle().pipe(
      map((result) => {
        // A handler that answered on its own (a download stream) keeps its answer.
        if (result === reply || reply.sent || reply.raw.headersSent) return result;
        if (result === undefined) {
          if (!bare) reply.header('Content-Type', 'text/html; charset=UTF-8');
          reply.header('Content-Length', '0');
          return result;
        }
        // A Buffer, so Fastify sends the Content-Type as written (it appends a charset to JSON strings).
        reply.header('Content-Type', 'application/json');
        return Buffer.from(pythonJson(result), 'utf8');
      }),
    );
  }
}

/** Python `urllib.parse.urlencode(dict(params))`: one value per key (the last, where the first stood), `quote_plus` escaping. */
function urlencode(params: [string, string][]): string {
  const quotePlus = (v: string) =>
    encodeURIComponent(v)
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, '+');
  const last = new Map<string, string>();
  for (const [k, v] of params) last.set(k, v);
  return [...last].map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
}

/**
 * The paging links of a Glance list (images.py, metadef_namespaces.py `ResponseSerializer.index`):
 * `first` is the query without the marker, `next` that query plus `marker`, when the caller has one.
 */
export function pageLinks(request: FastifyRequest, path: string, marker: string | undefined): { first: string; next?: string } {
  const params = [...new URLSearchParams(request.url.split('?')[1] ?? '')].filter(([k]) => k !== 'marker');
  const query = urlencode(params);
  const first = `${path}${query ? `?${query}` : ''}`;
  if (marker === undefined) return { first };
  return { first, next: `${path}?${urlencode([...params, ['marker', marker]])}` };
}
