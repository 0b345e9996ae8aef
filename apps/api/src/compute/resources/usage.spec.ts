import { NovaError } from '../nova-errors';
import { hoursFor, parseUsageTime } from './usage.controller';

const t = (iso: string, micros = 0) => ({ ms: Date.parse(iso), micros });

describe("os-simple-tenant-usage's period (simple_tenant_usage.py `_parse_datetime`, `_hours_for`)", () => {
  it("takes Nova's three strptime formats as UTC, to the microsecond, and strptime's short fields", () => {
    expect(parseUsageTime('2026-12-01T10:20:30')).toEqual(t('2026-12-01T10:20:30Z'));
    expect(parseUsageTime('2026-12-01T10:20:30.5')).toEqual(t('2026-12-01T10:20:30.500Z'));
    expect(parseUsageTime('2026-12-01T10:20:30.123456')).toEqual(t('2026-12-01T10:20:30.123Z', 456));
    expect(parseUsageTime('2026-12-01 10:20:30.000001')).toEqual(t('2026-12-01T10:20:30Z', 1));
    expect(parseUsageTime('2026-2-3T1:2:3')).toEqual(t('2026-02-03T01:02:03Z'));
  });

  it('refuses what strptime refuses, with Nova message', () => {
    for (const bad of ['bad', '2026-02-30T00:00:00', '2026-12-01T24:00:00', '2026-12-01T00:00:00.1234567', '2026-12-01 00:00:00', '2026-12-01T00:00:00Z']) {
      expect(() => parseUsageTime(bad)).toThrow(new NovaError(400, 'Invalid datetime string: Datetime is in invalid format'));
    }
  });

  it('is now when absent or empty', () => {
    const before = Date.now();
    const now = parseUsageTime(undefined);
    const after = Date.now();
    // The microsecond clock is Date.now() at load plus the monotonic clock since: it may differ from the
    // wall clock by a few milliseconds (the wall clock is slewed), never by more.
    expect(Math.abs(now.ms - before)).toBeLessThanOrEqual(after - before + 50);
    expect(parseUsageTime('').ms).toBeGreaterThanOrEqual(now.ms);
  });

  it("counts the hours of the period the server ran: from its launch or the period's start, to its end or the period's", () => {
    const start = t('2026-12-01T00:00:00Z');
    const stop = t('2026-12-02T00:00:00Z');
    // Ran the whole period.
    expect(hoursFor(t('2026-11-01T00:00:00Z'), null, start, stop)).toBe(24);
    // Launched inside, still running: to the period's end.
    expect(hoursFor(t('2026-12-01T18:00:00Z'), null, start, stop)).toBe(6);
    // Launched before, terminated inside.
    expect(hoursFor(t('2026-11-30T00:00:00Z'), t('2026-12-01T01:30:00Z'), start, stop)).toBe(1.5);
    // Terminated before the period, launched after it: nothing.
    expect(hoursFor(t('2026-11-01T00:00:00Z'), t('2026-11-02T00:00:00Z'), start, stop)).toBe(0);
    expect(hoursFor(t('2026-12-03T00:00:00Z'), null, start, stop)).toBe(0);
  });
});
