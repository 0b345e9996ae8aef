import { Controller, Get, HttpCode, Inject, Post, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { StrataConfig } from '../../../../infra/config';
import { TokenGuard } from '../../../shared/src/auth';
import { STRATA_CONFIG } from '../../../shared/src/runtime.tokens';
import { GlanceExceptionFilter } from './glance-errors';
import { GlanceResponseInterceptor } from './glance-responses';
import { imageSchema, imagesSchema, memberSchema, membersSchema } from './glance-schemas';

/**
 * Image API versions Strata serves: v2.0 to v2.7 (v2.7 brought os_hidden and the os_hash fields).
 * Interoperable import (v2.6's /v2/info/import) and multiple stores (v2.8+) are not offered, so
 * clients never pick them.
 */
const VERSIONS = ['v2.7', 'v2.6', 'v2.5', 'v2.4', 'v2.3', 'v2.2', 'v2.1', 'v2.0'];

@Controller('image')
@UseFilters(GlanceExceptionFilter)
@UseInterceptors(GlanceResponseInterceptor)
export class GlanceVersionController {
  constructor(@Inject(STRATA_CONFIG) private readonly config: StrataConfig) {}

  /** Glance's version documents are answered outside its request-id middleware. */
  private versions(reply: FastifyReply) {
    reply.removeHeader('x-openstack-request-id');
    const href = `${this.config.publicUrl}/image/v2/`;
    return { versions: VERSIONS.map((id, i) => ({ id, status: i === 0 ? 'CURRENT' : 'SUPPORTED', links: [{ rel: 'self', href }] })) };
  }

  /** Glance answers its root, whatever the method, with 300 Multiple Choices and the version list. */
  @Get()
  @HttpCode(300)
  root(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.versions(reply);
  }

  @Post()
  @HttpCode(300)
  postRoot(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.versions(reply);
  }

  @Get('versions')
  list(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.versions(reply);
  }
}

@Controller('image/v2/schemas')
@UseFilters(GlanceExceptionFilter)
@UseInterceptors(GlanceResponseInterceptor)
@UseGuards(TokenGuard)
export class GlanceSchemasController {
  @Get('image')
  image() {
    return imageSchema();
  }

  @Get('images')
  images() {
    return imagesSchema();
  }

  @Get('member')
  member() {
    return memberSchema();
  }

  @Get('members')
  members() {
    return membersSchema();
  }
}
