/** Nova's quota resources and their defaults (nova/conf/quota.py). -1 is unlimited. */
export const QUOTA_DEFAULTS = {
  instances: 10,
  cores: 20,
  ram: 51200,
  metadata_items: 128,
  key_pairs: 100,
  server_groups: 10,
  server_group_members: 10,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
} as const;

export type QuotaResource = keyof typeof QUOTA_DEFAULTS;
export const QUOTA_RESOURCES = Object.keys(QUOTA_DEFAULTS) as QuotaResource[];
export type QuotaLimits = Record<QuotaResource, number>;

/** A project's limits: the defaults (the configured ones, changed by the `default` quota class), overridden by its own quota set. */
export function effectiveLimits(overrides: Partial<QuotaLimits>, classDefaults: Partial<QuotaLimits> = {}): QuotaLimits {
  return { ...QUOTA_DEFAULTS, ...classDefaults, ...overrides };
}

/** nova/quota.py: the class whose limits are every project's defaults. */
export const DEFAULT_QUOTA_CLASS = 'default';
