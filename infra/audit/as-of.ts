import { comparePositions, decidedAt, Position, RecordedEvent } from '../../domain/kernel';

/**
 * A past instant or a place in the log (`?as_of=`): the state then is the fold of every event up
 * to it. An instant compares with each event's decision time (metadata.occurredAt, which export
 * and import keep), a position with the store's global order.
 */
export type AsOf = { kind: 'time'; at: Date; text: string } | { kind: 'position'; position: Position };

// RFC 3339: date, 'T' or space, time, optional fraction, zone (Z or ±hh:mm).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
// Positions are opaque per adapter but zero-padded digits: PostgreSQL `<txid>-<sequence>` and
// EventStoreDB `<commit>-<prepare>` (20 digits each), the in-memory store's 20-digit index.
const POSITION = /^\d{20}(-\d{20})?$/;

/**
 * How long after its decision (metadata.occurredAt, the request's clock) an event may still be
 * committed: a time `as_of` reads on this far past the instant, for events decided before it that
 * committed after later-decided ones (concurrent requests, the conductor, retries).
 */
export const DECISION_TO_COMMIT_HORIZON_MS = 60_000;

export class InvalidAsOf extends Error {
  constructor(value: string) {
    super(`Invalid as_of ${JSON.stringify(value)}: give an RFC 3339 time with a zone (2026-01-01T12:00:00Z) or an event store position`);
    this.name = 'InvalidAsOf';
  }
}

export function parseAsOf(value: string): AsOf {
  const text = value.trim();
  if (RFC3339.test(text)) {
    const at = parseInstant(text);
    if (at === null) throw new InvalidAsOf(value);
    return { kind: 'time', at, text: at.toISOString() };
  }
  // A bare date or a time without a zone is ambiguous: refuse rather than guess the zone.
  if (/^\d{4}-\d{2}-\d{2}/.test(text) || !POSITION.test(text)) throw new InvalidAsOf(value);
  return { kind: 'position', position: text };
}

/** An RFC 3339 time with a zone, or a date meaning its start (UTC), as audit filters take them; null for anything else. */
export function parseInstant(value: string): Date | null {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value.trim();
  if (!RFC3339.test(text) || !realCalendarDate(text)) return null;
  const at = new Date(text.replace(' ', 'T'));
  return Number.isNaN(at.getTime()) ? null : at;
}

/** `2026-02-30` parses (rolling over to March): refuse dates and times that do not exist. */
function realCalendarDate(text: string): boolean {
  const [y, mo, d, h, mi, se] = [0, 5, 8, 11, 14, 17].map((i, k) => Number(text.slice(i, i + (k === 0 ? 4 : 2))));
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days && h <= 23 && mi <= 59 && se <= 59;
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
  return decidedAt(event).getTime() > asOf.at.getTime();
}

/**
 * Picks the events of the state at `asOf` from a read in log order. A position cuts the log. An
 * instant keeps, per stream, the events up to the first one decided after it (a stream stays a
 * prefix, so folds see no gaps), and ends the read once events are decided more than the
 * horizon after the instant: a list and a single resource's show agree whatever the commit order.
 */
export class AsOfCut {
  private readonly cut = new Set<string>();

  constructor(private readonly asOf: AsOf) {}

  /** 'take', 'skip' (after the instant), or 'end' (nothing later can be part of the state). */
  decide(event: RecordedEvent): 'take' | 'skip' | 'end' {
    if (this.asOf.kind === 'position') return comparePositions(event.position, this.asOf.position) > 0 ? 'end' : 'take';
    const at = decidedAt(event).getTime();
    if (at > this.asOf.at.getTime() + DECISION_TO_COMMIT_HORIZON_MS) return 'end';
    if (this.cut.has(event.stream)) return 'skip';
    if (at > this.asOf.at.getTime()) {
      this.cut.add(event.stream);
      return 'skip';
    }
    return 'take';
  }
}

export function describeAsOf(asOf: AsOf): string {
  return asOf.kind === 'time' ? asOf.text : `position ${asOf.position}`;
}
