import { Controller, Get, Req, Res, UseFilters, UseInterceptors } from '@nestjs/common';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeystoneExceptionFilter } from './keystone-errors';
import { identityBaseUrl } from './keystone-views';

/** Keystone's v3 version document: keystoneauth reads `id` (v3.N), `status` and uses `links[self].href` as the endpoint. */
export function v3VersionDocument(request: FastifyRequest) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${identityBaseUrl(request)}/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** Version discovery needs no token (test/fixtures/keystone/version-root.md, version-v3.md). */
@Controller('identity')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
export class IdentityVersionController {
  @Get()
  versions(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    reply.status(300).header('Location', `${identityBaseUrl(request)}/`);
    return { versions: { values: [v3VersionDocument(request)] } };
  }

  @Get('v3')
  v3(@Req() request: FastifyRequest) {
    return { version: v3VersionDocument(request) };
  }
}
