import { parseInstant } from '../../../../infra/audit/as-of';
import { badRequest } from './strata-errors';

export type RawQuery = Record<string, string | string[] | undefined>;

/**
 * Strata's own query parameters: each at most once, unknown names refused, so a typo in an
 * auditor's filter is an error rather than an unfiltered answer.
 */
export function readQuery(query: RawQuery, allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(query)) {
    if (!allowed.includes(name)) throw badRequest(`Unknown query parameter ${name}; accepted: ${allowed.join(', ')}`);
    if (Array.isArray(raw)) throw badRequest(`Query parameter ${name} is given more than once`);
    if (raw !== undefined) out[name] = raw;
  }
  return out;
}

export function limitParam(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw badRequest(`Invalid limit ${JSON.stringify(value)}: a positive integer, at most ${max}`);
  return Math.min(Number(value), max);
}

/** An RFC 3339 time, or a date meaning its start (UTC). */
export function timeParam(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = parseInstant(value);
  if (time === null) throw badRequest(`Invalid ${name} ${JSON.stringify(value)}: give an RFC 3339 time (2026-01-01T12:00:00Z) or a date (2026-01-01)`);
  return time;
}
