import { OptionValue } from '../validation';

/**
 * The options a domain may override, with Keystone's defaults (keystone/resource/core.py
 * `DomainConfigManager.whitelisted_options`; defaults from keystone/conf/identity.py and ldap.py).
 * Only these are stored in the clear and shown; sensitive ones are stored sealed and never shown.
 */
export const DOMAIN_CONFIG_DEFAULTS: Readonly<Record<string, Readonly<Record<string, OptionValue>>>> = {
  identity: { driver: 'sql', list_limit: null },
  ldap: {
    url: 'ldap://localhost',
    user: null,
    suffix: 'cn=example,cn=com',
    query_scope: 'one',
    page_size: 0,
    alias_dereferencing: 'default',
    debug_level: null,
    chase_referrals: null,
    user_tree_dn: null,
    user_filter: null,
    user_objectclass: 'inetOrgPerson',
    user_id_attribute: 'cn',
    user_name_attribute: 'sn',
    user_mail_attribute: 'mail',
    user_description_attribute: 'description',
    user_pass_attribute: 'userPassword',
    user_enabled_attribute: 'enabled',
    user_enabled_invert: false,
    user_enabled_mask: 0,
    user_enabled_default: 'True',
    user_attribute_ignore: ['default_project_id'],
    user_default_project_id_attribute: null,
    user_enabled_emulation: false,
    user_enabled_emulation_dn: null,
    user_enabled_emulation_use_group_config: false,
    user_additional_attribute_mapping: [],
    group_tree_dn: null,
    group_filter: null,
    group_objectclass: 'groupOfNames',
    group_id_attribute: 'cn',
    group_name_attribute: 'ou',
    group_members_are_ids: false,
    group_member_attribute: 'member',
    group_desc_attribute: 'description',
    group_attribute_ignore: [],
    group_additional_attribute_mapping: [],
    tls_cacertfile: null,
    tls_cacertdir: null,
    use_tls: false,
    tls_req_cert: 'demand',
    use_pool: true,
    pool_size: 10,
    pool_retry_max: 3,
    pool_retry_delay: 0.1,
    pool_connection_timeout: -1,
    pool_connection_lifetime: 600,
    use_auth_pool: true,
    auth_pool_size: 100,
    auth_pool_connection_lifetime: 60,
  },
};

/** Keystone `sensitive_options`: accepted, stored apart (sealed here), never returned. */
export const SENSITIVE_DOMAIN_CONFIG_OPTIONS: Readonly<Record<string, readonly string[]>> = { identity: [], ldap: ['password'] };

export const isWhitelistedOption = (group: string, option: string): boolean => Object.prototype.hasOwnProperty.call(DOMAIN_CONFIG_DEFAULTS[group] ?? {}, option);
export const isSensitiveOption = (group: string, option: string): boolean => (SENSITIVE_DOMAIN_CONFIG_OPTIONS[group] ?? []).includes(option);
export const isSupportedGroup = (group: string): boolean => group in DOMAIN_CONFIG_DEFAULTS || group in SENSITIVE_DOMAIN_CONFIG_OPTIONS;
