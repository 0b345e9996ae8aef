import { RecordedEvent } from '../../domain/kernel';
import { InvalidAsOf, isAfter, parseAsOf } from './as-of';

const event = (position: string, occurredAt: string) => ({ position, metadata: { occurredAt }, recordedAt: new Date(occurredAt) }) as unknown as RecordedEvent;

describe('as_of', () => {
  it('parses RFC 3339 times with a zone and store positions; refuses the rest', () => {
    expect(parseAsOf('2026-01-01T12:00:00+01:00')).toEqual({ kind: 'time', at: new Date('2026-01-01T11:00:00Z'), text: '2026-01-01T11:00:00.000Z' });
    expect(parseAsOf('00000000000000000812-00000000000000000004')).toEqual({ kind: 'position', position: '00000000000000000812-00000000000000000004' });
    for (const bad of ['yesterday', '2026-01-01', '2026-01-01T12:00:00', '2026-13-45T00:00:00Z', '', 'x'.repeat(70)]) expect(() => parseAsOf(bad)).toThrow(InvalidAsOf);
  });

  it('places events before or after the instant or position', () => {
    const e = event('00000000000000000010-00000000000000000002', '2026-01-01T12:00:00.500Z');
    expect(isAfter(e, parseAsOf('2026-01-01T12:00:00Z'))).toBe(true);
    expect(isAfter(e, parseAsOf('2026-01-01T12:00:00.500Z'))).toBe(false);
    expect(isAfter(e, parseAsOf('00000000000000000010-00000000000000000002'))).toBe(false);
    expect(isAfter(e, parseAsOf('00000000000000000010-00000000000000000001'))).toBe(true);
  });
});
