import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { hashApplicationCredentialSecret } from '../../../../infra/identity/tokens';
import { TokenContext } from '../../../../infra/identity/identity-model';
import type { OAuthConsumerRow } from '../../../../projections/identity';
import { commandMetadata, CurrentToken, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { ExtensionReads } from './extension-reads';
import { entityOf, extraOf, ExtensionWrites, JsonObject, requireMatchingId, stringField } from './extension-writes';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';
import { identityBaseUrl, listLinks } from './keystone-views';

const KNOWN = ['description', 'secret'];

function consumerView(base: string, c: OAuthConsumerRow, secret?: string) {
  return { ...c.extra, id: c.id, description: c.description, ...(secret !== undefined ? { secret } : {}), links: { self: `${base}/OS-OAUTH1/consumers/${c.id}` } };
}

/** Keystone oauth1/schema.py `_consumer_properties`: `description` a string or null. */
function description(c: JsonObject): string | null | undefined {
  return stringField(c, 'description', { nullable: true });
}

/**
 * OS-OAUTH1 consumers (create, show, list, update, delete), admin only. The secret is shown once,
 * on create; only its scrypt hash is kept. The request/access token flow is not served.
 */
@Controller('identity/v3/OS-OAUTH1/consumers')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class OAuthConsumersController {
  constructor(
    private readonly reads: ExtensionReads,
    private readonly writes: ExtensionWrites,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentToken() token: TokenContext, @Body() body: unknown, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:create_consumer');
    // Keystone reads `consumer` leniently (`get_json(force=True, silent=True)`): a missing one is an empty consumer.
    const c = body !== null && typeof body === 'object' && (body as JsonObject).consumer !== undefined ? entityOf(body, 'consumer') : {};
    const secret = randomUUID().replace(/-/g, '');
    const input = { description: description(c), secretHash: await hashApplicationCredentialSecret(secret), extra: extraOf(c, KNOWN) };
    const { consumerId, position } = await this.writes.createConsumer(input, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_oauth_consumers']);
    return { consumer: consumerView(identityBaseUrl(request), (await this.reads.consumer(consumerId))!, secret) };
  }

  @Get()
  async list(@CurrentToken() token: TokenContext, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:list_consumers');
    const base = identityBaseUrl(request);
    return { consumers: (await this.reads.consumers()).map((c) => consumerView(base, c)), links: listLinks(request) };
  }

  @Get(':consumerId')
  async show(@CurrentToken() token: TokenContext, @Param('consumerId') consumerId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:get_consumer');
    const row = await this.reads.consumer(consumerId);
    if (!row) throw notFound('consumer', consumerId);
    return { consumer: consumerView(identityBaseUrl(request), row) };
  }

  @Patch(':consumerId')
  async update(@CurrentToken() token: TokenContext, @Param('consumerId') consumerId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:update_consumer');
    const c = entityOf(body, 'consumer', { minProperties: 1 });
    // Keystone consumer_update: `"not": {"required": ["secret"]}`.
    if ('secret' in c) throw new KeystoneError(400, `Invalid input for field 'consumer': ${JSON.stringify(c)} should not be valid under {'required': ['secret']}`);
    requireMatchingId(c, consumerId);
    const extra = extraOf(c, KNOWN);
    const patch = { description: description(c), extra: Object.keys(extra).length ? extra : undefined };
    if (!(await this.reads.consumer(consumerId))) throw notFound('consumer', consumerId);
    const position = await this.writes.updateConsumer(consumerId, patch, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_oauth_consumers']);
    return { consumer: consumerView(identityBaseUrl(request), (await this.reads.consumer(consumerId))!) };
  }

  @Delete(':consumerId')
  @HttpCode(204)
  async remove(@CurrentToken() token: TokenContext, @Param('consumerId') consumerId: string, @Req() request: FastifyRequest) {
    requireAdmin(token, 'identity:delete_consumer');
    const position = await this.writes.deleteConsumer(consumerId, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_oauth_consumers']);
  }
}
