import { InvalidInput } from '../kernel';

/** JSON a resource option may hold (Keystone `options`: `immutable`, `ignore_password_expiry`, ...). */
export type OptionValue = string | number | boolean | null | OptionValue[] | { [key: string]: OptionValue };
export type ResourceOptions = Readonly<Record<string, OptionValue>>;

// Keystone resource/schema.py `_name_properties` (projects, domains: 64) and identity/schema.py
// `_identity_name` / common parameter_types `name` (users, groups, roles, app creds: 255).
export const PROJECT_NAME_MAX = 64;
export const IDENTITY_NAME_MAX = 255;

/** Keystone's name pattern `[\S]+`: 1..max characters, at least one of them not blank. */
export function requireName(name: string, max: number, field = 'name'): string {
  if (typeof name !== 'string' || name.trim().length === 0) {
    throw new InvalidInput(`Invalid input for field '${field}': the name must not be empty.`, { field });
  }
  if (name.length > max) {
    throw new InvalidInput(`Invalid input for field '${field}': '${name}' is too long (at most ${max} characters).`, { field, max });
  }
  return name;
}

export function requireNonEmpty(value: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidInput(`Invalid input for field '${field}': a value is required.`, { field });
  }
  return value;
}

/** RFC 3339 instant → epoch ms; rejects what does not parse. */
export function requireInstant(value: string, field: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new InvalidInput(`Invalid input for field '${field}': '${String(value)}' is not a date-time.`, { field });
  return ms;
}

/** Order-insensitive structural equality for plain JSON values. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/**
 * Keystone merges `options` on update; an option set to null is removed
 * (common/resource_options: `null` unsets).
 */
export function mergeOptions(current: ResourceOptions, patch: ResourceOptions): ResourceOptions {
  const merged: Record<string, OptionValue> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

/** The fields of `requested` that are given (not undefined) and differ from `current`. */
export function changedFields<T extends object, K extends keyof T>(current: T, requested: Partial<Pick<T, K>>, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) {
    const next = requested[k];
    if (next !== undefined && !sameJson(current[k], next)) out[k] = next;
  }
  return out;
}

export const isEmpty = (o: object): boolean => Object.keys(o).length === 0;
