import { LiveTail, TailPage, TailRow } from './live-tail';
import { formatPosition, PgCursor } from './position';

/** A log of rows at sequences 1..n in transaction 1, read in pages of `pageSize`, past-horizon cursors as the store's. */
function fakeLog(pageSize: number) {
  const rows: TailRow[] = [];
  const reads: PgCursor[] = [];
  const cursorOf = (row: TailRow): PgCursor => ({ transactionId: 1n, sequence: BigInt(row[1]!.split('-')[1]) });
  const append = (n: number) => {
    for (let i = 0; i < n; i++) {
      const seq = rows.length + 1;
      rows.push(['2', formatPosition(1n, BigInt(seq)), `server-${seq}`]);
    }
  };
  const read = async (after: PgCursor): Promise<TailPage> => {
    reads.push(after);
    const at = formatPosition(after.transactionId, after.sequence);
    const page = rows.filter((r) => r[1]! > at).slice(0, pageSize);
    const full = page.length === pageSize;
    // Not full: everything up to the end has been seen; the next read resumes past it.
    const next = page.length > 0 ? cursorOf(page[page.length - 1]) : after;
    return { rows: page, next: full ? next : { transactionId: 1n, sequence: BigInt(rows.length) }, full };
  };
  return { rows, reads, append, read };
}

const at = (sequence: number): PgCursor => ({ transactionId: 1n, sequence: BigInt(sequence) });
const sequences = (rows: TailRow[]) => rows.map((r) => Number(r[1]!.split('-')[1]));

describe('LiveTail', () => {
  let generation = 0;
  const current = () => generation;

  it('serves every subscription from one read: rows after each cursor, and the new end', async () => {
    const log = fakeLog(100);
    log.append(5);
    const tail = new LiveTail(log.read, 1000);
    expect(tail.take(at(2))).toEqual({ kind: 'ahead' });
    await tail.advance(at(2), generation, current);
    log.append(3);
    generation++;
    expect(await tail.advance(at(5), generation, current)).toBe(false);
    expect(log.reads).toEqual([at(2), at(5)]);
    const first = tail.take(at(2));
    const second = tail.take(at(6));
    expect(first.kind === 'rows' && sequences(first.rows)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(second.kind === 'rows' && sequences(second.rows)).toEqual([7, 8]);
    // Any cursor inside the tail, at a segment's edge or within one: exactly the rows after it.
    for (let c = 2; c < 8; c++) {
      const taken = tail.take(at(c));
      expect(taken.kind === 'rows' && sequences(taken.rows)).toEqual(Array.from({ length: 8 - c }, (_, i) => c + 1 + i));
    }
    expect(tail.take(at(8))).toEqual({ kind: 'ahead' });
    expect(tail.take(at(1))).toEqual({ kind: 'behind' });
  });

  it('finds the rows after any cursor among many small segments (a read per wake-up), empty reads among them', async () => {
    const log = fakeLog(100);
    log.append(1);
    const tail = new LiveTail(log.read, 10_000);
    await tail.advance(at(0), generation, current);
    for (let i = 0; i < 300; i++) {
      log.append(i % 4); // 0 to 3 rows per wake-up
      generation++;
      await tail.advance(at(0), generation, current);
    }
    const end = log.rows.length;
    for (let c = 0; c < end; c++) {
      const taken = tail.take(at(c));
      expect(taken.kind === 'rows' && sequences(taken.rows)).toEqual(Array.from({ length: end - c }, (_, i) => c + 1 + i));
    }
    expect(tail.take(at(end))).toEqual({ kind: 'ahead' });
  });

  it('joins a read in flight that started after the wake-up the caller saw, and waits out an older one', async () => {
    const log = fakeLog(100);
    log.append(1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const read = async (after: PgCursor) => {
      await gate;
      return log.read(after);
    };
    const tail = new LiveTail(read, 1000);
    generation = 10;
    const a = tail.advance(at(1), 10, current);
    const b = tail.advance(at(1), 10, current); // same wake-up: joins
    generation = 11;
    log.append(1);
    const c = tail.advance(at(1), 11, current); // a newer wake-up: needs a read started after it
    release();
    await Promise.all([a, b, c]);
    expect(log.reads).toHaveLength(2);
    const taken = tail.take(at(1));
    expect(taken.kind === 'rows' && sequences(taken.rows)).toEqual([2]);
  });

  it('keeps at most its capacity, the newest segment always, and sends older cursors back to their own reads', async () => {
    const log = fakeLog(4);
    const tail = new LiveTail(log.read, 6);
    await tail.advance(at(0), generation, current);
    log.append(12);
    while (await tail.advance(at(0), ++generation, current));
    expect(tail.size).toBeLessThanOrEqual(6);
    expect(tail.take(at(0))).toEqual({ kind: 'behind' });
    const recent = tail.take(at(10));
    expect(recent.kind === 'rows' && sequences(recent.rows)).toEqual([11, 12]);
  });

  it('starts again at a cursor past its end instead of walking the log up to it', async () => {
    const log = fakeLog(2);
    log.append(10);
    const tail = new LiveTail(log.read, 100);
    await tail.advance(at(0), ++generation, current);
    expect(tail.end).toEqual(at(2));
    await tail.advance(at(9), ++generation, current);
    expect(log.reads).toEqual([at(0), at(9)]);
    expect(tail.take(at(3))).toEqual({ kind: 'behind' });
    const taken = tail.take(at(9));
    expect(taken.kind === 'rows' && sequences(taken.rows)).toEqual([10]);
  });

  it('passes a failed read to everyone who waited for it, and reads again next time', async () => {
    let fail = true;
    const log = fakeLog(10);
    log.append(1);
    const tail = new LiveTail(async (after) => {
      if (fail) throw new Error('connection lost');
      return log.read(after);
    }, 100);
    const g = ++generation;
    await expect(Promise.all([tail.advance(at(0), g, current), tail.advance(at(0), g, current)])).rejects.toThrow('connection lost');
    fail = false;
    await tail.advance(at(0), g, current);
    const taken = tail.take(at(0));
    expect(taken.kind === 'rows' && sequences(taken.rows)).toEqual([1]);
  });
});
