import { compareCursors, formatPosition, PgCursor } from './position';

/** A row as the readers fetch it (horizon, then the event columns: position first), all text. */
export type TailRow = (string | null)[];

/** One unfiltered read of the log: the rows after `from`, and where the next read resumes. */
export interface TailPage {
  rows: TailRow[];
  next: PgCursor;
  full: boolean;
}

/** A read whose rows cover the range (from, next] of the log completely. */
interface Segment {
  from: PgCursor;
  next: PgCursor;
  rows: TailRow[];
}

/** What `LiveTail.take` hands a subscription. */
export type TailTake =
  /** Rows after the subscription's cursor (possibly none) and its new cursor: the end of the tail. */
  | { kind: 'rows'; rows: TailRow[]; next: PgCursor }
  /** The cursor is at or past the end of what the tail has read: `advance` it, or wait. */
  | { kind: 'ahead' }
  /** The cursor is before the oldest row kept: the subscription reads the log itself. */
  | { kind: 'behind' };

/**
 * The newest part of $all, read once for every live subscription of one store instead of once
 * per subscription. Twenty-odd subscriptions in one process (every projection runner, the
 * conductor, the relay, the token index) used to run twenty-odd identical queries for each
 * append; now a wake-up costs one query, whose rows each subscription filters itself.
 *
 * The tail is a run of contiguous segments, each one read (from, next] that saw every row of its
 * range (reads return everything below their snapshot's horizon, and `next` never passes it).
 * So a cursor inside the tail can be served from memory without missing a row. A cursor before
 * the oldest kept row is `behind` (the subscription catches up on its own reads); at or past the
 * end it is `ahead` (it asks for one more shared read, or waits for a wake-up). The tail keeps at
 * most `capacity` rows: a subscription that falls further behind than that reads for itself.
 */
export class LiveTail {
  private segments: Segment[] = [];
  private rowCount = 0;
  /** The read in flight and the wake-up generation it started at. */
  private reading: { promise: Promise<boolean>; generation: number } | null = null;

  constructor(
    private readonly read: (after: PgCursor) => Promise<TailPage>,
    private readonly capacity: number,
  ) {
    if (!(capacity > 0)) throw new RangeError('LiveTail capacity must be positive');
  }

  /** Where the tail ends, or null before its first read. */
  get end(): PgCursor | null {
    return this.segments.length === 0 ? null : this.segments[this.segments.length - 1].next;
  }

  /** Rows kept, for tests and metrics. */
  get size(): number {
    return this.rowCount;
  }

  /** What the tail holds for a subscription positioned at `cursor` (exclusive). */
  take(cursor: PgCursor): TailTake {
    const first = this.segments[0];
    if (!first) return { kind: 'ahead' };
    if (compareCursors(cursor, first.from) < 0) return { kind: 'behind' };
    const end = this.end!;
    if (compareCursors(cursor, end) >= 0) return { kind: 'ahead' };
    // Segments and the rows in each are in log order: the first segment that ends past the cursor,
    // and the first of its rows past it, are found by halving. A busy log leaves thousands of small
    // segments (a read per wake-up), and every subscription takes from them on every wake-up.
    const segments = this.segments;
    let s = 0;
    let e = segments.length;
    while (s < e) {
      const mid = (s + e) >>> 1;
      if (compareCursors(segments[mid].next, cursor) <= 0) s = mid + 1;
      else e = mid;
    }
    const after = formatPosition(cursor.transactionId, cursor.sequence);
    const list = segments[s].rows;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid][1]! > after) hi = mid;
      else lo = mid + 1;
    }
    const rows: TailRow[] = list.slice(lo);
    // Every later segment starts where the one before it ends, past the cursor: all their rows are new.
    for (let k = s + 1; k < segments.length; k++) for (const row of segments[k].rows) rows.push(row);
    return { kind: 'rows', rows, next: end };
  }

  /**
   * Makes sure a read that started at wake-up generation `generation` or later has completed,
   * joining the one in flight when it is recent enough. A tail that has none, or that ends before
   * `from` (the subscriptions it served fell behind and this one is further on), starts again at
   * `from`: the tail follows the head, it never walks the log for a subscription ahead of it.
   * Resolves true when that read filled a page (more rows are readable at once).
   */
  async advance(from: PgCursor, generation: number, currentGeneration: () => number): Promise<boolean> {
    for (;;) {
      const inFlight = this.reading;
      if (inFlight && inFlight.generation >= generation) {
        const full = await inFlight.promise;
        const end = this.end;
        if (end !== null && compareCursors(from, end) > 0) continue;
        return full;
      }
      if (inFlight) {
        // Started before the wake-up this subscription saw: its rows may miss the newest append.
        await inFlight.promise.catch(() => undefined);
        continue;
      }
      const end = this.end;
      if (end !== null && compareCursors(from, end) > 0) {
        this.segments = [];
        this.rowCount = 0;
      }
      const started = currentGeneration();
      const promise = this.readOnce(this.end ?? from).finally(() => {
        if (this.reading?.promise === promise) this.reading = null;
      });
      this.reading = { promise, generation: started };
      return promise;
    }
  }

  private async readOnce(from: PgCursor): Promise<boolean> {
    const page = await this.read(from);
    this.segments.push({ from, next: page.next, rows: page.rows });
    this.rowCount += page.rows.length;
    // Keep the newest segment whatever its size: it is where every live subscription reads.
    while (this.segments.length > 1 && this.rowCount > this.capacity) {
      this.rowCount -= this.segments.shift()!.rows.length;
    }
    // Empty reads past the horizon only move the end: fold them into one segment.
    this.mergeEmptyTail();
    return page.full;
  }

  private mergeEmptyTail(): void {
    const n = this.segments.length;
    if (n < 2) return;
    const last = this.segments[n - 1];
    const before = this.segments[n - 2];
    if (last.rows.length === 0) {
      before.next = last.next;
      this.segments.pop();
    }
  }
}
