import { KeystoneError } from './keystone-errors';

/** Keystone list filters take `true/false` (and `True`, `1`, `0` from some clients). */
export function booleanFilter(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  throw new KeystoneError(400, `Invalid input for field '${name}': '${value}' is not a boolean.`);
}

/** A query value given once, or the first of many. */
export const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
