import { Controller, Delete, Get, Head, Patch, Post, Put, Req, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TokenGuard } from '../../../shared/src/auth';
import { GlanceExceptionFilter, MethodNotAllowed } from './glance-errors';

const ROOT = '/image/v2/images';
/** The methods Glance routes on each path (`Allow`). */
const ALLOW: Record<string, string> = {
  [ROOT]: 'GET, POST',
  [`${ROOT}/:imageId`]: 'GET, PATCH, DELETE',
  [`${ROOT}/:imageId/file`]: 'GET, PUT',
  [`${ROOT}/:imageId/actions/deactivate`]: 'POST',
  [`${ROOT}/:imageId/actions/reactivate`]: 'POST',
};

function refuse(request: FastifyRequest): never {
  const route = (request.routeOptions.url ?? '').replace(/\/$/, '');
  throw new MethodNotAllowed(request.method, ALLOW[route] ?? '');
}

const ACTIONS = [':imageId/actions/deactivate', ':imageId/actions/reactivate'];

/**
 * Glance's router (routes.Mapper) answers a known path asked with another method 405 and
 * `Allow`; HEAD is not routed at all. Registered before ImagesController: Fastify then adds no
 * HEAD of its own to the GET routes.
 */
@Controller('image/v2/images')
@UseFilters(GlanceExceptionFilter)
@UseGuards(TokenGuard)
export class GlanceMethodsController {
  @Head(['/', ':imageId', ':imageId/file'])
  head(@Req() request: FastifyRequest) {
    refuse(request);
  }

  @Get(ACTIONS)
  get(@Req() request: FastifyRequest) {
    refuse(request);
  }

  @Post([':imageId', ':imageId/file'])
  post(@Req() request: FastifyRequest) {
    refuse(request);
  }

  @Put(['/', ':imageId', ...ACTIONS])
  put(@Req() request: FastifyRequest) {
    refuse(request);
  }

  @Patch(['/', ':imageId/file', ...ACTIONS])
  patch(@Req() request: FastifyRequest) {
    refuse(request);
  }

  @Delete(['/', ':imageId/file', ...ACTIONS])
  delete(@Req() request: FastifyRequest) {
    refuse(request);
  }
}
