/**
 * The JSON text an object was parsed from, kept for objects that are written out again unchanged:
 * a rebuild copies every event's data into the audit trail, and using the text it was read as
 * saves stringifying a million objects again. Only for objects nobody changes once parsed: events
 * (projections never change them; the live tail freezes the events it shares, so one that tried
 * would throw in every test run).
 */
const sources = new WeakMap<object, string>();

export function parseJsonKeepingSource(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (value !== null && typeof value === 'object') sources.set(value, text);
  return value;
}

/** The text `value` was parsed from by `parseJsonKeepingSource`, if it was. */
export function jsonSourceOf(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? sources.get(value) : undefined;
}
