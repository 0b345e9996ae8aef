import { Command } from '../../kernel';
import { DomainConfigOptions, SealedDomainConfigOptions } from './events';

/**
 * Infra has checked the raw config (`checkDomainConfig`) and sealed the sensitive options
 * (`ldap.password`) before the command exists: `options` holds only whitelisted ones.
 */
export type CreateDomainConfig = Command<'CreateDomainConfig', { domainId: string; options: DomainConfigOptions; sensitive: SealedDomainConfigOptions }>;
/** PATCH of the whole config, of one group (`group`) or of one option (`group` and `option`). */
export type UpdateDomainConfig = Command<
  'UpdateDomainConfig',
  { domainId: string; group: string | null; option: string | null; options: DomainConfigOptions; sensitive: SealedDomainConfigOptions }
>;
export type DeleteDomainConfig = Command<'DeleteDomainConfig', { domainId: string; group: string | null; option: string | null }>;

export type DomainConfigCommand = CreateDomainConfig | UpdateDomainConfig | DeleteDomainConfig;
