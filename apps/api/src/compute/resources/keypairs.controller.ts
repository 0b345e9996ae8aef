import { Body, Controller, Delete, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { keypairDecider, KeypairType } from '../../../../../domain/compute/keypair';
import { keypairStream } from '../../../../../domain/compute/streams';
import { uuidFromName } from '../../../../../infra/ids/ids';
import { legacyNumber } from '../../../../../projections/compute/hosts';
import { KeypairRow, KEYPAIRS_TABLE } from '../../../../../projections/compute/keypairs';
import { authorize, commandMetadata, CurrentToken, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ComputeWrites } from '../compute-writes';
import { ApiVersion, Microversion } from '../microversion';
import { badRequest, forbidden, notFound, NovaExceptionFilter } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { ComputeUsage } from './compute-usage';
import { fingerprintOf, generateSshKeypair, generateX509Keypair } from './keypair-crypto';
import { MAX_LIMIT, nextLink } from './links';
import { member, NovaSchema, PARAMETER_TYPES, queryValue, RawQuery, validateBody, validateQuery } from './nova-schema';
import { novaTime } from './nova-time';
import { ResourceReads } from './resource-reads';

// nova/api/openstack/compute/schemas/keypairs.py
function createSchema(v: ApiVersion): NovaSchema {
  const properties: Record<string, NovaSchema> = {
    name: v.atLeast('2.92') ? PARAMETER_TYPES.keypairName292 : PARAMETER_TYPES.keypairName20,
    public_key: { type: 'string' },
  };
  if (v.atLeast('2.2')) properties.type = { type: 'string', enum: ['ssh', 'x509'] };
  if (v.atLeast('2.10')) properties.user_id = { type: 'string' };
  const keypair = { type: 'object', properties, required: v.atLeast('2.92') ? ['name', 'public_key'] : ['name'], additionalProperties: false };
  return { type: 'object', properties: { keypair }, required: ['keypair'], additionalProperties: false };
}

function queryProperties(v: ApiVersion, paging: boolean): Record<string, NovaSchema> {
  return {
    ...(v.atLeast('2.10') ? { user_id: { type: 'string' } } : {}),
    ...(paging && v.atLeast('2.35') ? { limit: PARAMETER_TYPES.nonNegativeInteger, marker: { type: 'string' } } : {}),
  };
}

const keypairNotFound = (name: string, userId: string) => notFound(`Keypair ${name} not found for user ${userId}`);

/** Nova's os-keypairs (nova/api/openstack/compute/keypairs.py). */
@Controller('compute/v2.1/os-keypairs')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class KeypairsController {
  constructor(
    private readonly reads: ResourceReads,
    private readonly writes: ComputeWrites,
    private readonly usage: ComputeUsage,
  ) {}

  /** The user the call acts for: the token's, or (2.10, policy permitting) `user_id`. */
  private targetUser(token: TokenContext, asked: string | undefined, rule: string): string {
    const userId = asked ?? token.user.id;
    authorize(rule, isAdmin(token) || userId === token.user.id);
    return userId;
  }

  private stream(userId: string, name: string) {
    return keypairStream(uuidFromName(`keypair:${userId}/${name}`));
  }

  private async row(userId: string, name: string): Promise<KeypairRow | null> {
    return this.reads.one<KeypairRow>(KEYPAIRS_TABLE, `SELECT * FROM rm.${KEYPAIRS_TABLE} WHERE user_id = $1 AND name = $2`, [userId, name]);
  }

  @Get()
  async index(@Req() request: FastifyRequest, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    validateQuery(queryProperties(v, true), query, v.atLeast('2.75'));
    const userId = this.targetUser(token, v.atLeast('2.10') ? queryValue(query, 'user_id') : undefined, 'os_compute_api:os-keypairs:index');
    let rows = await this.reads.rows<KeypairRow>(KEYPAIRS_TABLE, `SELECT * FROM rm.${KEYPAIRS_TABLE} WHERE user_id = $1 ORDER BY created_at, name`, [userId]);
    let links = {};
    if (v.atLeast('2.35')) {
      const marker = queryValue(query, 'marker');
      if (marker !== undefined) {
        const at = rows.findIndex((r) => r.name === marker);
        if (at < 0) throw badRequest(`Marker ${marker} could not be found.`);
        rows = rows.slice(at + 1);
      }
      const asked = Number(queryValue(query, 'limit') ?? 0);
      const limit = Math.min(MAX_LIMIT, asked || MAX_LIMIT);
      rows = rows.slice(0, limit);
      if (asked > 0 && rows.length === limit) links = { keypairs_links: nextLink(request, 'os-keypairs', query, rows[rows.length - 1].name) };
    }
    return {
      keypairs: rows.map((r) => ({ keypair: { name: r.name, public_key: r.public_key, fingerprint: r.fingerprint, ...(v.atLeast('2.2') ? { type: r.type } : {}) } })),
      ...links,
    };
  }

  @Get(':name')
  async show(@Param('name') name: string, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    validateQuery(queryProperties(v, false), query, v.atLeast('2.75'));
    const userId = this.targetUser(token, v.atLeast('2.10') ? queryValue(query, 'user_id') : undefined, 'os_compute_api:os-keypairs:show');
    const r = await this.row(userId, name);
    if (!r) throw keypairNotFound(name, userId);
    return {
      keypair: {
        name: r.name,
        public_key: r.public_key,
        fingerprint: r.fingerprint,
        user_id: r.user_id,
        created_at: novaTime(r.created_at),
        deleted: false,
        deleted_at: null,
        id: legacyNumber(uuidFromName(`keypair:${r.key}`)),
        updated_at: null,
        ...(v.atLeast('2.2') ? { type: r.type } : {}),
      },
    };
  }

  @Post()
  async create(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    validateBody(createSchema(v), body);
    const k = member<{ name: string; public_key?: string; type?: KeypairType; user_id?: string }>(body, 'keypair');
    const userId = this.targetUser(token, k.user_id, 'os_compute_api:os-keypairs:create');
    const type: KeypairType = k.type ?? 'ssh';
    const limit = (await this.usage.limits(projectOf(token))).key_pairs;
    // nova/exception.py KeypairLimitExceeded
    if (limit >= 0 && (await this.usage.keypairCount(userId)) + 1 > limit) throw forbidden('Quota exceeded, too many key pairs.');
    let publicKey: string;
    let fingerprint: string;
    let privateKey: string | undefined;
    if (k.public_key !== undefined) {
      const fp = fingerprintOf(k.public_key, type);
      // nova/exception.py InvalidKeypair
      if (fp === null) throw badRequest(`Keypair data is invalid: failed to generate ${type === 'x509' ? 'x509 fingerprint' : 'fingerprint'}`);
      publicKey = k.public_key;
      fingerprint = fp;
    } else {
      ({ publicKey, privateKey, fingerprint } = type === 'x509' ? generateX509Keypair(userId, new Date()) : generateSshKeypair());
    }
    const result = await this.writes.run(keypairDecider, this.stream(userId, k.name), 'CreateKeypair', { userId, name: k.name, type, publicKey, fingerprint }, commandMetadata(request, token));
    await this.reads.waitFor(result.position, KEYPAIRS_TABLE);
    // 2.2 made create answer 201 (and show the type).
    reply.status(v.atLeast('2.2') ? 201 : 200);
    return {
      keypair: {
        name: k.name,
        public_key: publicKey,
        fingerprint,
        user_id: userId,
        ...(privateKey !== undefined ? { private_key: privateKey } : {}),
        ...(v.atLeast('2.2') ? { type } : {}),
      },
    };
  }

  @Delete(':name')
  async remove(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('name') name: string, @Query() query: RawQuery, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion): Promise<void> {
    validateQuery(queryProperties(v, false), query, v.atLeast('2.75'));
    const userId = this.targetUser(token, v.atLeast('2.10') ? queryValue(query, 'user_id') : undefined, 'os_compute_api:os-keypairs:delete');
    const result = await this.writes.run(keypairDecider, this.stream(userId, name), 'DeleteKeypair', { userId, name }, commandMetadata(request, token));
    await this.reads.waitFor(result.position, KEYPAIRS_TABLE);
    reply.status(v.atLeast('2.2') ? 204 : 202);
  }
}

/** The token's project, for the per-project key_pairs limit; an unscoped token gets the defaults. */
function projectOf(token: TokenContext): string {
  return token.scope.type === 'project' ? token.scope.project.id : '';
}
