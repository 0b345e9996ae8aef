import { parseIsoTime, validateQuery } from './nova-schema';

describe('parseIsoTime (iso8601.parse_date, as Nova reads changes-since)', () => {
  const at = (text: string) => parseIsoTime(text)?.toISOString() ?? null;

  it('reads a time without zone as UTC, whatever zone the process runs in', () => {
    expect(at('2026-01-02T03:04:05')).toBe('2026-01-02T03:04:05.000Z');
    expect(at('2026-01-02 03:04')).toBe('2026-01-02T03:04:00.000Z');
    expect(at('2026-01-02')).toBe('2026-01-02T00:00:00.000Z');
    expect(at('2026-01')).toBe('2026-01-01T00:00:00.000Z');
    expect(at('2026')).toBe('2026-01-01T00:00:00.000Z');
  });

  it('takes the basic forms, one-digit months and days, fractions after "." or ",", and offsets', () => {
    expect(at('20110101T1000Z')).toBe('2011-01-01T10:00:00.000Z');
    expect(at('2011-1-2T10:00:00,5Z')).toBe('2011-01-02T10:00:00.500Z');
    expect(at('2011-01-01T10:00:00.123456+02:00')).toBe('2011-01-01T08:00:00.123Z');
    expect(at('2011-01-01T10:00-0130')).toBe('2011-01-01T11:30:00.000Z');
    expect(at('2011-01-01T10+05')).toBe('2011-01-01T05:00:00.000Z');
  });

  it('refuses what iso8601 refuses: YYYYMM, dates that do not exist, times past the day, text', () => {
    for (const bad of ['201101', '2011-02-30', '2011-13-01', '2011-01-01T24:00:00', '2011-01-01T10:60', '2011-01-01T10:00:60', '2011-01-01T10:00+24:00', 'yesterday', '', '2011-01-01Tbad']) {
      expect([bad, at(bad)]).toEqual([bad, null]);
    }
  });

  it("is the schema's date-time check", () => {
    expect(() => validateQuery({ 'changes-since': { type: 'string', format: 'date-time' } }, { 'changes-since': '20110101T1000Z' }, true)).not.toThrow();
    expect(() => validateQuery({ 'changes-since': { type: 'string', format: 'date-time' } }, { 'changes-since': '2011-02-30' }, true)).toThrow("'2011-02-30' is not a 'date-time'");
  });
});
