import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Put, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkDomainConfig, checkGroupAndOption, DOMAIN_CONFIG_DEFAULTS, DomainConfigOptions, invalidDomainConfig, isWhitelistedOption } from '../../../../domain/identity';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { commandMetadata, CurrentToken, requireAdmin, TokenGuard } from '../../../shared/src/auth';
import { ExtensionReads } from './extension-reads';
import { ExtensionWrites } from './extension-writes';
import { IdentityReads } from './identity-reads';
import { KeystoneError, KeystoneExceptionFilter, notFound } from './keystone-errors';
import { KeystoneHeaders } from './keystone-headers.interceptor';

/** Keystone DomainConfigNotFound (404). */
const configNotFound = (domainId: string, what: string) => new KeystoneError(404, `Could not find ${what} in domain configuration for domain ${domainId}.`);

const configOf = (body: unknown): unknown => (body !== null && typeof body === 'object' ? ((body as Record<string, unknown>).config ?? {}) : {});

/**
 * Domain-specific configuration (keystone/api/domains.py, resource/core.py DomainConfigManager):
 * only the whitelisted `identity` and `ldap` options are stored and shown; `ldap.password` is
 * accepted, sealed with the credential key and never shown. Unsupported groups or options are 403.
 */
@Controller('identity/v3/domains')
@UseFilters(KeystoneExceptionFilter)
@UseInterceptors(KeystoneHeaders)
@UseGuards(TokenGuard)
export class DomainConfigController {
  constructor(
    private readonly identity: IdentityReads,
    private readonly reads: ExtensionReads,
    private readonly writes: ExtensionWrites,
  ) {}

  private async requireDomain(domainId: string): Promise<void> {
    if (!(await this.identity.domain(domainId))) throw notFound('domain', domainId);
  }

  private async shown(domainId: string): Promise<DomainConfigOptions> {
    return (await this.reads.domainConfig(domainId))?.config ?? {};
  }

  /** Keystone `get_config`: the whitelisted options, of one group or one option, or a 404 naming what is missing. */
  private async config(domainId: string, group: string | null, option: string | null) {
    checkGroupAndOption(group, option);
    const config = await this.shown(domainId);
    if (group === null) {
      if (Object.keys(config).length === 0) throw configNotFound(domainId, 'any options');
      return { config };
    }
    const options = config[group];
    if (!options || Object.keys(options).length === 0) {
      throw configNotFound(domainId, option === null ? `group ${group}` : `option ${option} in group ${group}`);
    }
    if (option === null) return { config: { [group]: options } };
    if (!(option in options)) throw configNotFound(domainId, `option ${option} in group ${group}`);
    return { config: { [option]: options[option] } };
  }

  // Static `config` routes first: /domains/config/... are the defaults, not a domain named "config".
  @Get('config/default')
  defaults(@CurrentToken() token: TokenContext) {
    requireAdmin(token, 'identity:get_domain_config_default');
    return { config: DOMAIN_CONFIG_DEFAULTS };
  }

  @Get('config/:group/default')
  groupDefaults(@CurrentToken() token: TokenContext, @Param('group') group: string) {
    requireAdmin(token, 'identity:get_domain_config_default');
    checkGroupAndOption(group, null);
    return { config: { [group]: DOMAIN_CONFIG_DEFAULTS[group] ?? {} } };
  }

  @Get('config/:group/:option/default')
  optionDefault(@CurrentToken() token: TokenContext, @Param('group') group: string, @Param('option') option: string) {
    requireAdmin(token, 'identity:get_domain_config_default');
    checkGroupAndOption(group, option);
    if (!isWhitelistedOption(group, option)) throw invalidDomainConfig(`Reading the default for option ${option} in group ${group} is not supported`);
    return { config: { [option]: DOMAIN_CONFIG_DEFAULTS[group][option] } };
  }

  /** 201 when the domain had no configuration, 200 when this replaces one (Keystone DomainConfigResource.put). */
  @Put(':domainId/config')
  async create(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    requireAdmin(token, 'identity:create_domain_config');
    await this.requireDomain(domainId);
    const config = configOf(body);
    checkDomainConfig(config);
    const existed = (await this.reads.domainConfig(domainId)) !== undefined;
    const position = await this.writes.createDomainConfig(domainId, config, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_domain_configs']);
    reply.status(existed ? 200 : 201);
    return { config: await this.shown(domainId) };
  }

  @Get(':domainId/config')
  async show(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string) {
    requireAdmin(token, 'identity:get_domain_config');
    await this.requireDomain(domainId);
    return this.config(domainId, null, null);
  }

  @Get(':domainId/config/:group')
  async showGroup(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Param('group') group: string) {
    requireAdmin(token, 'identity:get_domain_config');
    await this.requireDomain(domainId);
    return this.config(domainId, group, null);
  }

  @Get(':domainId/config/:group/:option')
  async showOption(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Param('group') group: string, @Param('option') option: string) {
    requireAdmin(token, 'identity:get_domain_config');
    await this.requireDomain(domainId);
    return this.config(domainId, group, option);
  }

  @Patch(':domainId/config')
  update(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    return this.patch(token, domainId, null, null, configOf(body), request);
  }

  @Patch(':domainId/config/:group')
  updateGroup(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Param('group') group: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    return this.patch(token, domainId, group, null, configOf(body), request);
  }

  /** The body names the option alone (`{"config": {"url": ...}}`): Keystone puts it under the path's group. */
  @Patch(':domainId/config/:group/:option')
  updateOption(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Param('group') group: string, @Param('option') option: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    return this.patch(token, domainId, group, option, { [group]: configOf(body) }, request);
  }

  private async patch(token: TokenContext, domainId: string, group: string | null, option: string | null, config: unknown, request: FastifyRequest) {
    requireAdmin(token, 'identity:update_domain_config');
    await this.requireDomain(domainId);
    checkDomainConfig(config);
    const position = await this.writes.updateDomainConfig(domainId, group, option, config, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_domain_configs']);
    return this.config(domainId, null, null);
  }

  @Delete(':domainId/config')
  @HttpCode(204)
  remove(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Req() request: FastifyRequest) {
    return this.delete(token, domainId, null, null, request);
  }

  @Delete(':domainId/config/:group')
  @HttpCode(204)
  removeGroup(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Param('group') group: string, @Req() request: FastifyRequest) {
    return this.delete(token, domainId, group, null, request);
  }

  @Delete(':domainId/config/:group/:option')
  @HttpCode(204)
  removeOption(@CurrentToken() token: TokenContext, @Param('domainId') domainId: string, @Param('group') group: string, @Param('option') option: string, @Req() request: FastifyRequest) {
    return this.delete(token, domainId, group, option, request);
  }

  private async delete(token: TokenContext, domainId: string, group: string | null, option: string | null, request: FastifyRequest): Promise<void> {
    requireAdmin(token, 'identity:delete_domain_config');
    await this.requireDomain(domainId);
    const position = await this.writes.deleteDomainConfig(domainId, group, option, commandMetadata(request, token));
    await this.reads.waitFor(position, ['identity_domain_configs']);
  }
}
