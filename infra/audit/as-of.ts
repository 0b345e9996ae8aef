import { comparePositions, Position, RecordedEvent } from '../../domain/kernel';

/**
 * A past instant or a place in the log (`?as_of=`): the state then is the fold of every event up
 * to it. An instant compares with each event's decision time (metadata.occurredAt, which export
 * and import keep), a position with the store's global order.
 */
export type AsOf = { kind: 'time'; at: Date; text: string } | { kind: 'position'; position: Position };

// RFC 3339: date, 'T' or space, time, optional fraction, zone (Z or ±hh:mm).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
// Positions are opaque per adapter, but short and starting with a digit (PostgreSQL `<txid>-<seq>`, EventStoreDB's commit/prepare).
const POSITION = /^[0-9][0-9A-Za-z:/-]{0,63}$/;

export class InvalidAsOf extends Error {
  constructor(value: string) {
    super(`Invalid as_of ${JSON.stringify(value)}: give an RFC 3339 time with a zone (2026-01-01T12:00:00Z) or an event store position`);
    this.name = 'InvalidAsOf';
  }
}

export function parseAsOf(value: string): AsOf {
  const text = value.trim();
  if (RFC3339.test(text)) {
    const at = new Date(text.replace(' ', 'T'));
    if (Number.isNaN(at.getTime())) throw new InvalidAsOf(value);
    return { kind: 'time', at, text: at.toISOString() };
  }
  // A bare date or a time without a zone is ambiguous: refuse rather than guess the zone.
  if (/^\d{4}-\d{2}-\d{2}/.test(text) || !POSITION.test(text)) throw new InvalidAsOf(value);
  return { kind: 'position', position: text };
}

/** The `as_of` query parameter (the last one when repeated), or null when absent. */
export function asOfParam(raw: unknown): AsOf | null {
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value === undefined) return null;
  if (typeof value !== 'string') throw new InvalidAsOf(String(value));
  return parseAsOf(value);
}

/** True when `event` happened after `asOf`, i.e. is not part of the state then. */
export function isAfter(event: RecordedEvent, asOf: AsOf): boolean {
  if (asOf.kind === 'position') return comparePositions(event.position, asOf.position) > 0;
  const occurred = event.metadata.occurredAt;
  const time = typeof occurred === 'string' ? Date.parse(occurred) : event.recordedAt.getTime();
  return time > asOf.at.getTime();
}

export function describeAsOf(asOf: AsOf): string {
  return asOf.kind === 'time' ? asOf.text : `position ${asOf.position}`;
}
