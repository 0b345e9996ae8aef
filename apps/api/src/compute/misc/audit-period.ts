/** A naive UTC datetime as Python holds it: milliseconds since the epoch plus the microseconds below them. */
export interface NaiveTime {
  ms: number;
  micros: number;
}

/** The audit period's unit (nova.conf `instance_usage_audit_period`, default `month`), with an optional `@offset`. */
export type AuditPeriodUnit = string;

const later = (a: NaiveTime, b: NaiveTime) => a.ms > b.ms || (a.ms === b.ms && a.micros > b.micros);
const atOrAfter = (a: NaiveTime, b: NaiveTime) => !later(b, a);
/** Date.UTC without its mapping of years 0-99 to 1900-1999. */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}
const utc = (year: number, month: number, day: number, hour = 0): NaiveTime => ({ ms: utcMs(year, month, day, hour), micros: 0 });
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * nova/utils.py `last_completed_audit_period`: the most recently completed audit period before `before`,
 * as (begin, end). Periods start at the unit's start in UTC, moved by the offset (`day@18`: 18:00,
 * `month@15`: the 15th, `year@3`: March 1st). Nova's quirks are kept: a yearly period already ended this
 * year begins two years back.
 */
export function lastCompletedAuditPeriod(before: NaiveTime, unit: AuditPeriodUnit = 'month'): { begin: NaiveTime; end: NaiveTime } {
  let offset = 0;
  if (unit.includes('@')) {
    const at = unit.indexOf('@');
    offset = Number.parseInt(unit.slice(at + 1), 10);
    unit = unit.slice(0, at);
  }
  const now = new Date(before.ms);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + 1;
  if (unit === 'month') {
    const day = offset === 0 ? 1 : offset;
    let end = utc(year, month, day);
    if (atOrAfter(end, before)) end = month <= 1 ? utc(year - 1, 12 + (month - 1), day) : utc(year, month - 1, day);
    const endDate = new Date(end.ms);
    const endMonth = endDate.getUTCMonth() + 1;
    const begin = endMonth <= 1 ? utc(endDate.getUTCFullYear() - 1, 12 + (endMonth - 1), day) : utc(endDate.getUTCFullYear(), endMonth - 1, day);
    return { begin, end };
  }
  if (unit === 'year') {
    const first = offset === 0 ? 1 : offset;
    const end = utc(year, first, 1);
    if (atOrAfter(end, before)) return { begin: utc(year - 2, first, 1), end: utc(year - 1, first, 1) };
    return { begin: utc(year - 1, first, 1), end };
  }
  if (unit === 'day') {
    let end = utc(year, month, now.getUTCDate(), offset);
    if (atOrAfter(end, before)) end = { ms: end.ms - DAY_MS, micros: 0 };
    return { begin: { ms: end.ms - DAY_MS, micros: 0 }, end };
  }
  // 'hour' (and any other unit, as Nova's final `else`).
  let end: NaiveTime = { ms: utcMs(year, month, now.getUTCDate(), now.getUTCHours(), offset), micros: 0 };
  if (atOrAfter(end, before)) end = { ms: end.ms - HOUR_MS, micros: 0 };
  return { begin: { ms: end.ms - HOUR_MS, micros: 0 }, end };
}

/** Python's `str(datetime)`: `2026-11-01 00:00:00`, with `.ffffff` only when there are microseconds. */
export function pythonStr(t: NaiveTime): string {
  const base = new Date(t.ms).toISOString().slice(0, 19).replace('T', ' ');
  const micros = (((t.ms % 1000) + 1000) % 1000) * 1000 + t.micros;
  return micros === 0 ? base : `${base}.${String(micros).padStart(6, '0')}`;
}

// Python's _strptime patterns for %Y-%m-%d %H:%M:%S[.%f]; the format's space matches any whitespace run.
const STRPTIME = /^(\d{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])\s+(2[0-3]|[0-1]\d|\d):([0-5]\d|\d):(6[0-1]|[0-5]\d|\d)(?:\.(\d{1,6}))?$/;

/**
 * instance_usage_audit_log.py `show`: `%Y-%m-%d %H:%M:%S.%f` when the id has a dot, else `%Y-%m-%d %H:%M:%S`;
 * null when `strptime` raises ValueError (a leap second, a day the month lacks, year 0).
 */
export function parseBeforeTimestamp(id: string): NaiveTime | null {
  const m = STRPTIME.exec(id);
  if (!m || id.includes('.') !== (m[7] !== undefined)) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x.trim()));
  if (year < 1 || second > 59) return null;
  const ms = utcMs(year, month, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) return null;
  const fraction = Number((m[7] ?? '').padEnd(6, '0'));
  return { ms: ms + Math.floor(fraction / 1000), micros: fraction % 1000 };
}
