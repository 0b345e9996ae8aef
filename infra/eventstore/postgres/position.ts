import { Position } from '../../../domain/kernel';

/**
 * A place in the PostgreSQL store's global order: the appending transaction's id, then the
 * row's sequence number. Ordering by (transaction id, sequence) rather than by sequence alone is
 * what keeps the order gap-safe (see `readPageSql` in schema.ts).
 */
export interface PgCursor {
  transactionId: bigint;
  sequence: bigint;
}

const DIGITS = 20;
const FORMAT = /^(\d{20})-(\d{20})$/;

/** The start of the log: before every real row (sequences start at 1). */
export const LOG_START: PgCursor = { transactionId: 0n, sequence: 0n };

export const MAX_SEQUENCE = 2n ** 63n - 1n;

/** `<txid:20>-<sequence:20>`, both zero-padded, so string order is the store's order. */
export function formatPosition(transactionId: bigint | string, sequence: bigint | string): Position {
  return `${String(transactionId).padStart(DIGITS, '0')}-${String(sequence).padStart(DIGITS, '0')}`;
}

export function parsePosition(position: Position): PgCursor {
  const match = FORMAT.exec(position);
  if (!match) throw new TypeError(`Not a PostgreSQL event store position: ${position}`);
  return { transactionId: BigInt(match[1]), sequence: BigInt(match[2]) };
}

export function compareCursors(a: PgCursor, b: PgCursor): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1;
  return a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0;
}
