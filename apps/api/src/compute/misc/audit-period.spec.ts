import { lastCompletedAuditPeriod, NaiveTime, parseBeforeTimestamp, pythonStr } from './audit-period';

const at = (text: string, micros = 0): NaiveTime => ({ ms: Date.parse(`${text.replace(' ', 'T')}Z`), micros });
const period = (before: NaiveTime, unit?: string) => {
  const { begin, end } = lastCompletedAuditPeriod(before, unit);
  return [pythonStr(begin), pythonStr(end)];
};

// Expected values are nova/utils.py `last_completed_audit_period` (Zed) run under Python 3.11 with the same input.
describe('lastCompletedAuditPeriod', () => {
  it("gives the last whole month by default (the anchor's answer on 2026-12-06)", () => {
    expect(period(at('2026-12-06 08:57:04'))).toEqual(['2026-11-01 00:00:00', '2026-12-01 00:00:00']);
  });

  it('crosses the year back in January', () => {
    expect(period(at('2026-01-15 00:00:00'))).toEqual(['2025-12-01 00:00:00', '2026-01-01 00:00:00']);
  });

  it('counts a period as completed only after its end, to the microsecond', () => {
    expect(period(at('2026-03-01 00:00:00'))).toEqual(['2026-01-01 00:00:00', '2026-02-01 00:00:00']);
    expect(period(at('2026-03-01 00:00:00', 1))).toEqual(['2026-02-01 00:00:00', '2026-03-01 00:00:00']);
  });

  it('starts a month on the offset day', () => {
    expect(period(at('2026-03-10 00:00:00'), 'month@15')).toEqual(['2026-01-15 00:00:00', '2026-02-15 00:00:00']);
  });

  it("keeps Nova's yearly quirk: a year whose end is now or later goes two years back", () => {
    expect(period(at('2026-05-01 00:00:00'), 'year')).toEqual(['2025-01-01 00:00:00', '2026-01-01 00:00:00']);
    expect(period(at('2026-01-01 00:00:00'), 'year')).toEqual(['2024-01-01 00:00:00', '2025-01-01 00:00:00']);
    expect(period(at('2026-03-01 00:00:00'), 'year@3')).toEqual(['2024-03-01 00:00:00', '2025-03-01 00:00:00']);
  });

  it('gives days and hours with their offsets', () => {
    expect(period(at('2026-03-01 00:00:00'), 'day')).toEqual(['2026-02-27 00:00:00', '2026-02-28 00:00:00']);
    expect(period(at('2026-03-01 12:00:00'), 'day@18')).toEqual(['2026-02-27 18:00:00', '2026-02-28 18:00:00']);
    expect(period(at('2026-03-01 00:00:00'), 'hour')).toEqual(['2026-02-28 22:00:00', '2026-02-28 23:00:00']);
    expect(period(at('2026-03-01 05:45:00'), 'hour@30')).toEqual(['2026-03-01 04:30:00', '2026-03-01 05:30:00']);
  });
});

describe('parseBeforeTimestamp', () => {
  it("reads what Python's strptime reads", () => {
    expect(parseBeforeTimestamp('2026-12-06 08:57:04')).toEqual(at('2026-12-06 08:57:04'));
    expect(parseBeforeTimestamp('2012-1-1 1:1:1')).toEqual(at('2012-01-01 01:01:01'));
    expect(parseBeforeTimestamp('2012-01- 1  00:00:00')).toEqual(at('2012-01-01 00:00:00'));
    expect(parseBeforeTimestamp('2026-03-01 00:00:00.000001')).toEqual(at('2026-03-01 00:00:00', 1));
    expect(parseBeforeTimestamp('2026-03-01 00:00:00.5')).toEqual(at('2026-03-01 00:00:00.500'));
  });

  it('refuses what strptime refuses (ValueError)', () => {
    for (const bad of ['invalid_time', '2012-02-30 00:00:00', '2012-01-01 00:00:60', '2012-01-01T00:00:00', '2012-01-01 00:00:00.1234567', '2012-01-01 00:00:00 ', '2012-01-01', '0000-01-01 00:00:00']) {
      expect(parseBeforeTimestamp(bad)).toBeNull();
    }
  });

  it('reads years before 100 as themselves', () => {
    expect(pythonStr(parseBeforeTimestamp('0050-06-01 00:00:00')!)).toBe('0050-06-01 00:00:00');
  });
});
