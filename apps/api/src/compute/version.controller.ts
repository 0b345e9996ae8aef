import { Controller, Get, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_MICROVERSION, MIN_MICROVERSION } from './microversion';
import { NovaExceptionFilter } from './nova-errors';

function computeBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host}/compute`;
}

function versions(request: FastifyRequest) {
  const base = computeBase(request);
  return {
    v2: { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{ rel: 'self', href: `${base}/v2/` }] },
    v21: { id: 'v2.1', status: 'CURRENT', version: MAX_MICROVERSION, min_version: MIN_MICROVERSION, updated: '2013-07-23T11:33:21Z', links: [{ rel: 'self', href: `${base}/v2.1/` }] },
  };
}

const DESCRIBED_BY = { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' };

/** Nova's version documents (nova/api/openstack/compute/versions.py, versionsV21.py); no token needed. */
@Controller('compute')
@UseFilters(NovaExceptionFilter)
export class ComputeVersionController {
  @Get()
  root(@Req() request: FastifyRequest) {
    const v = versions(request);
    return { versions: [v.v2, v.v21] };
  }

  @Get('v2')
  v2(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('Content-Type', 'application/json');
    const v = versions(request).v2;
    return { version: { ...v, links: [...v.links, DESCRIBED_BY], 'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }] } };
  }

  @Get('v2.1')
  v21(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    // Nova redirects `/v2.1` to `/v2.1/` (302) for some clients; both answer the document here.
    reply.header('Content-Type', 'application/json');
    const v = versions(request).v21;
    return { version: { ...v, links: [...v.links, DESCRIBED_BY], 'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }] } };
  }
}
