import {
  AppendResult,
  EventStore,
  ExpectedVersion,
  matchesFilter,
  NewEvent,
  NO_STREAM,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  WrongExpectedVersionError,
} from '../../../domain/kernel';

export interface InMemoryEventStoreOptions {
  /** Source of `recordedAt`; tests pass a fixed clock. */
  clock?: () => Date;
}

const POSITION_DIGITS = 20;

/** Positions are 1-based ordinals in `$all`, zero-padded so that string order is global order. */
function toPosition(ordinal: number): Position {
  return String(ordinal).padStart(POSITION_DIGITS, '0');
}

/** Index in `$all` of the first event strictly after `position`. */
function indexAfter(position: Position | undefined): number {
  if (position === undefined) return 0;
  if (!/^\d{20}$/.test(position)) throw new TypeError(`Not an in-memory event store position: ${position}`);
  return Number(position);
}

/** JSON round trip, as a real store would do: callers can neither share nor mutate stored objects. */
function copy<T>(value: T): T {
  return value === undefined ? (null as T) : JSON.parse(JSON.stringify(value));
}

function copyEvent(event: RecordedEvent): RecordedEvent {
  return { ...event, data: copy(event.data), metadata: copy(event.metadata), recordedAt: new Date(event.recordedAt) };
}

/** Unit tests and the embedded fallback: the whole log in one array, one process only. */
export class InMemoryEventStore implements EventStore {
  readonly name = 'in-memory';
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly waiters = new Set<() => void>();
  private readonly closing = new AbortController();
  private readonly clock: () => Date;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    const existing = this.streams.get(stream) ?? [];

    const ids = new Set(events.map((e) => e.id));
    const repeated = existing.filter((e) => ids.has(e.id));
    if (repeated.length === events.length) {
      const last = repeated[repeated.length - 1];
      return { nextVersion: last.version, position: last.position };
    }
    if (repeated.length > 0) {
      throw new Error(`Append to ${stream} repeats ${repeated.length} of ${events.length} event ids already in the stream`);
    }

    const actual = existing.length === 0 ? NO_STREAM : BigInt(existing.length - 1);
    const accepted =
      expected === 'any' ||
      (expected === NO_STREAM && actual === NO_STREAM) ||
      (expected === 'stream_exists' && actual !== NO_STREAM) ||
      (typeof expected === 'bigint' && actual === expected);
    if (!accepted) throw new WrongExpectedVersionError(stream, expected, actual);

    const recordedAt = this.clock();
    const recorded = events.map(
      (e, i): RecordedEvent => ({
        id: e.id,
        stream,
        version: BigInt(existing.length + i),
        position: toPosition(this.all.length + i + 1),
        type: e.type,
        data: copy(e.data),
        metadata: copy(e.metadata),
        recordedAt: e.recordedAt ? new Date(e.recordedAt) : recordedAt,
      }),
    );
    this.streams.set(stream, [...existing, ...recorded]);
    this.all.push(...recorded);
    this.wakeSubscribers();

    const last = recorded[recorded.length - 1];
    return { nextVersion: last.version, position: last.position };
  }

  async *readStream(stream: string, opts: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const events = this.streams.get(stream) ?? [];
    let remaining = opts.maxCount ?? Infinity;
    if (opts.backwards) {
      const from = opts.fromVersion === undefined ? events.length - 1 : Math.min(Number(opts.fromVersion), events.length - 1);
      for (let i = from; i >= 0 && remaining-- > 0; i--) yield copyEvent(events[i]);
    } else {
      for (let i = Number(opts.fromVersion ?? 0n); i < events.length && remaining-- > 0; i++) yield copyEvent(events[i]);
    }
  }

  async *readAll(opts: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let remaining = opts.maxCount ?? Infinity;
    for (let i = indexAfter(opts.fromPosition); i < this.all.length && remaining > 0; i++) {
      if (!matchesFilter(this.all[i], opts.filter)) continue;
      remaining--;
      yield copyEvent(this.all[i]);
    }
  }

  async *subscribeToAll(opts: SubscribeOptions): AsyncIterable<RecordedEvent> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.closing.signal]) : this.closing.signal;
    let next = indexAfter(opts.fromPosition);
    while (!signal.aborted) {
      while (next < this.all.length) {
        const event = this.all[next++];
        if (!matchesFilter(event, opts.filter)) continue;
        yield copyEvent(event);
        if (signal.aborted) return;
      }
      await this.nextAppend(signal);
    }
  }

  async headPosition(): Promise<Position | null> {
    return this.all.length === 0 ? null : this.all[this.all.length - 1].position;
  }

  /** Ends every live subscription. */
  async close(): Promise<void> {
    this.closing.abort();
  }

  private nextAppend(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wakeSubscribers(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
