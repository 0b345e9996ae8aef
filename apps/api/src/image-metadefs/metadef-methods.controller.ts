import { Controller, Req, RequestMapping, RequestMethod, Type, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TokenGuard } from '../../../shared/src/auth';
import { GlanceExceptionFilter, MethodNotAllowed } from '../image/glance-errors';

const NS = 'image/v2/metadefs/namespaces/:namespace';

/**
 * glance/api/v2/router.py: each metadef path and the methods it routes; every other one goes to
 * `reject_method_resource` (405 with `Allow`).
 */
const ALLOWED: [path: string, allow: RequestMethod[]][] = [
  ['image/v2/schemas/metadefs/:name', [RequestMethod.GET]],
  ['image/v2/metadefs/resource_types', [RequestMethod.GET]],
  ['image/v2/metadefs/namespaces', [RequestMethod.GET, RequestMethod.POST]],
  [NS, [RequestMethod.GET, RequestMethod.PUT, RequestMethod.DELETE]],
  [`${NS}/resource_types`, [RequestMethod.GET, RequestMethod.POST]],
  [`${NS}/resource_types/:resourceType`, [RequestMethod.DELETE]],
  [`${NS}/properties`, [RequestMethod.GET, RequestMethod.POST, RequestMethod.DELETE]],
  [`${NS}/properties/:property`, [RequestMethod.GET, RequestMethod.PUT, RequestMethod.DELETE]],
  [`${NS}/objects`, [RequestMethod.GET, RequestMethod.POST, RequestMethod.DELETE]],
  [`${NS}/objects/:object`, [RequestMethod.GET, RequestMethod.PUT, RequestMethod.DELETE]],
  [`${NS}/tags`, [RequestMethod.GET, RequestMethod.POST, RequestMethod.DELETE]],
  [`${NS}/tags/:tag`, [RequestMethod.GET, RequestMethod.POST, RequestMethod.PUT, RequestMethod.DELETE]],
];
// HEAD is routed nowhere in Glance; this controller is registered first, so Fastify adds no HEAD of its own.
const METHODS = [RequestMethod.HEAD, RequestMethod.GET, RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE];

/** One handler per rejected (path, method), made with Nest's own decorators: the table above stays the only list. */
function rejectingController(): Type<unknown> {
  class MetadefMethodsController {}
  const prototype = MetadefMethodsController.prototype as unknown as Record<string, unknown>;
  ALLOWED.forEach(([path, allowed], i) => {
    const allow = allowed.map((m) => RequestMethod[m]).join(', ');
    for (const method of METHODS.filter((m) => !allowed.includes(m))) {
      const key = `reject${i}${RequestMethod[method]}`;
      prototype[key] = (request: FastifyRequest) => {
        throw new MethodNotAllowed(request.method, allow);
      };
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key)!;
      Req()(prototype, key, 0);
      RequestMapping({ path, method })(prototype, key, descriptor);
    }
  });
  UseGuards(TokenGuard)(MetadefMethodsController);
  UseFilters(GlanceExceptionFilter)(MetadefMethodsController);
  Controller()(MetadefMethodsController);
  return MetadefMethodsController;
}

export const MetadefMethodsController = rejectingController();
