import { RecordedEvent } from '../../domain/kernel';
import { AsOfCut, DECISION_TO_COMMIT_HORIZON_MS, InvalidAsOf, isAfter, parseAsOf, parseInstant } from './as-of';

const event = (position: string, occurredAt: string, stream = 's-1') => ({ position, stream, metadata: { occurredAt }, recordedAt: new Date(occurredAt) }) as unknown as RecordedEvent;

describe('as_of', () => {
  it('parses RFC 3339 times with a zone and store positions; refuses the rest', () => {
    expect(parseAsOf('2026-01-01T12:00:00+01:00')).toEqual({ kind: 'time', at: new Date('2026-01-01T11:00:00Z'), text: '2026-01-01T11:00:00.000Z' });
    expect(parseAsOf('00000000000000000812-00000000000000000004')).toEqual({ kind: 'position', position: '00000000000000000812-00000000000000000004' });
    expect(parseAsOf('00000000000000000007')).toEqual({ kind: 'position', position: '00000000000000000007' });
    for (const bad of ['yesterday', '2026-01-01', '2026-01-01T12:00:00', '2026-13-45T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', '9', '', 'x'.repeat(70)]) {
      expect(() => parseAsOf(bad)).toThrow(InvalidAsOf);
    }
  });

  it('reads audit filter instants: an RFC 3339 time or a date (its UTC start), nothing else', () => {
    expect(parseInstant('2026-01-01')).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(parseInstant('2026-01-01T12:00:00+01:00')).toEqual(new Date('2026-01-01T11:00:00Z'));
    for (const bad of ['last-week', '2026-02-30', '2026-01-01T12:00:00', '00000000000000000007']) expect(parseInstant(bad)).toBeNull();
  });

  it('places events before or after the instant or position', () => {
    const e = event('00000000000000000010-00000000000000000002', '2026-01-01T12:00:00.500Z');
    expect(isAfter(e, parseAsOf('2026-01-01T12:00:00Z'))).toBe(true);
    expect(isAfter(e, parseAsOf('2026-01-01T12:00:00.500Z'))).toBe(false);
    expect(isAfter(e, parseAsOf('00000000000000000010-00000000000000000002'))).toBe(false);
    expect(isAfter(e, parseAsOf('00000000000000000010-00000000000000000001'))).toBe(true);
  });

  it('keeps per stream the events decided up to the instant, whatever their commit order, and ends past the horizon', () => {
    const cut = new AsOfCut(parseAsOf('2026-01-01T12:00:05Z'));
    const late = event('00000000000000000001', '2026-01-01T12:00:10Z', 'server-a'); // decided after, committed first
    const early = event('00000000000000000002', '2026-01-01T12:00:00Z', 'server-b'); // decided before, committed second
    const afterCut = event('00000000000000000003', '2026-01-01T12:00:01Z', 'server-a'); // server-a was cut: stays a prefix
    expect([late, early, afterCut].map((e) => cut.decide(e))).toEqual(['skip', 'take', 'skip']);
    const beyond = new Date(Date.parse('2026-01-01T12:00:05Z') + DECISION_TO_COMMIT_HORIZON_MS + 1).toISOString();
    expect(cut.decide(event('00000000000000000004', beyond, 'server-c'))).toBe('end');
    const byPosition = new AsOfCut(parseAsOf('00000000000000000002'));
    expect([late, early, afterCut].map((e) => byPosition.decide(e))).toEqual(['take', 'take', 'end']);
  });
});
