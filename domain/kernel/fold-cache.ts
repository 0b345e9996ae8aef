import { Command, EventIdFactory, HandleResult, newEvents } from './command-handler';
import { Decider, DomainEvent } from './decider';
import { EventStore, NewEvent, NO_STREAM, RecordedEvent, WrongExpectedVersionError } from './event-store';

/** A stream folded in memory: its state, the version it is folded to, and the requests it holds. */
export interface FoldedStream<S> {
  state: S;
  /** Version of the last event folded, or null while the stream is empty. */
  version: bigint | null;
  /** Correlation id of the stream's first event: the request that opened it. */
  correlationId: string | null;
  /** Keys of the requests whose events the stream holds (see `requestKeyOf`). */
  requests: Set<string>;
}

export interface FoldCacheOptions {
  eventId: EventIdFactory;
  /** Streams kept (least recently used go first); default 10,000. */
  capacity?: number;
  /**
   * True when this process is the stream's only writer (a saga of the one active conductor): a
   * cached fold is used as it is. False: `load` first reads the events appended since, and a
   * command decided on a cached fold without that read is believed, when it refuses or changes
   * nothing, only after the read. Either way an append carries the folded version, so a writer the
   * cache did not know of ends in a version conflict, and the command is decided again on a fresh
   * fold.
   */
  soleWriter: boolean;
  /** Re-decide after a version conflict at most this many times (default 3). */
  maxRetries?: number;
}

interface Decision<E, S> {
  state: S;
  decided: E[];
  toAppend: NewEvent[];
  applied: string[];
  replayed: boolean;
}

/** The request identity `handleCommand` uses: request id, command type and user. */
function requestKeyOf(requestId: string, commandType: string | undefined, userId: string | null | undefined): string {
  return `${requestId}\u0000${commandType ?? ''}\u0000${userId ?? ''}`;
}

/**
 * `handleCommand` for a process that handles many commands on the same streams in a row (the
 * conductor walks a build through seven steps): the fold is kept between commands, so a command
 * costs no read (sole writer) or a read of only the newer events, instead of a read of the whole
 * stream. Same outcome as `handleCommand` otherwise: the same event ids and metadata, expected
 * versions, retries on conflict, and a request already on the stream is not decided again (its
 * result comes back with `replayed` and no events).
 */
export class FoldCache<C extends Command, E extends DomainEvent, S> {
  private readonly streams = new Map<string, FoldedStream<S>>();
  private readonly capacity: number;

  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<C, E, S>,
    private readonly options: FoldCacheOptions,
  ) {
    this.capacity = options.capacity ?? 10_000;
    if (!(this.capacity > 0)) throw new RangeError('FoldCache capacity must be positive');
  }

  /** Streams held, for tests and metrics. */
  get size(): number {
    return this.streams.size;
  }

  /** The stream's fold, brought up to date unless this process is its sole writer. */
  async load(stream: string): Promise<FoldedStream<S>> {
    let folded = this.streams.get(stream);
    if (folded && this.options.soleWriter) {
      this.touch(stream, folded);
      return folded;
    }
    folded ??= this.empty();
    const fromVersion = folded.version === null ? 0n : folded.version + 1n;
    let state = folded.state;
    let version = folded.version;
    let correlationId = folded.correlationId;
    const requests = new Set(folded.requests);
    for await (const e of this.store.readStream(stream, { fromVersion })) {
      state = this.decider.evolve(state, e as unknown as E);
      version = e.version;
      if (version === 0n) correlationId = e.metadata.correlationId ?? null;
      requests.add(this.keyOfRecorded(e));
    }
    const fresh = { state, version, correlationId, requests };
    this.touch(stream, fresh);
    return fresh;
  }

  /**
   * The fold as this cache holds it, without reading what other writers appended since: for facts
   * that never change once written, such as a server's flavor while it builds. A stream it holds
   * no event of (never loaded, or loaded before it had any) is read, so a fact that did not exist
   * yet is never taken for absent.
   */
  async peek(stream: string): Promise<FoldedStream<S>> {
    const folded = this.streams.get(stream);
    return folded && folded.version !== null ? folded : this.load(stream);
  }

  /** Drops the stream's fold (a stream that ended, or one that may have changed behind this cache). */
  forget(stream: string): void {
    this.streams.delete(stream);
  }

  clear(): void {
    this.streams.clear();
  }

  async handle(stream: string, command: C): Promise<HandleResult<S, E>> {
    return this.handleAll(stream, [command]);
  }

  /**
   * Several commands on one stream decided one after the other, each on the state the previous
   * left, and appended together: one write, with the event ids and metadata each command would
   * have had alone. A command whose request the stream already holds is skipped; a DomainError of
   * any of them appends nothing.
   */
  async handleAll(stream: string, commands: C[], options: { fresh?: boolean } = {}): Promise<HandleResult<S, E>> {
    const maxRetries = this.options.maxRetries ?? 3;
    const keys = commands.map((c) => requestKeyOf(c.metadata.requestId, c.type, c.metadata.actor.userId));
    // Optimistic: a fold this cache holds (or, for a stream the caller knows to be new, the empty
    // one) is decided on without reading what others appended since. The append's expected version
    // catches a stale fold; a refusal or a no-op decided on one is believed only once the stream
    // is read and has nothing newer.
    let held = this.streams.get(stream) ?? (options.fresh ? this.empty() : undefined);
    let unverified = held !== undefined && !this.options.soleWriter;
    for (let attempt = 0; ; attempt++) {
      const folded = held ?? (await this.load(stream));
      held = undefined;
      let decision: Decision<E, S>;
      try {
        decision = this.decideAll(stream, folded, commands, keys);
      } catch (err) {
        if (unverified && (held = await this.newer(stream, folded))) {
          unverified = false;
          continue;
        }
        throw err;
      }
      const { state, decided, toAppend, applied, replayed } = decision;
      if (toAppend.length === 0) {
        if (unverified && (held = await this.newer(stream, folded))) {
          unverified = false;
          continue;
        }
        return { events: [], nextVersion: folded.version, position: null, state: folded.state, replayed };
      }
      unverified = false;
      try {
        const result = await this.store.append(stream, toAppend, folded.version === null ? NO_STREAM : folded.version);
        const requests = new Set(folded.requests);
        for (const key of applied) requests.add(key);
        const correlationId = folded.version === null ? commands[0].metadata.correlationId : folded.correlationId;
        this.touch(stream, { state, version: result.nextVersion, correlationId, requests });
        return { events: decided, nextVersion: result.nextVersion, position: result.position, state, replayed };
      } catch (err) {
        this.forget(stream);
        if (err instanceof WrongExpectedVersionError && attempt < maxRetries) continue;
        throw err;
      }
    }
  }

  private empty(): FoldedStream<S> {
    return { state: this.decider.initialState, version: null, correlationId: null, requests: new Set() };
  }

  /** The commands decided one after the other on the fold; a command whose request the stream holds is skipped. */
  private decideAll(stream: string, folded: FoldedStream<S>, commands: C[], keys: string[]): Decision<E, S> {
    let state = folded.state;
    const decided: E[] = [];
    const toAppend: NewEvent[] = [];
    const applied: string[] = [];
    let replayed = false;
    for (const [i, command] of commands.entries()) {
      if (folded.requests.has(keys[i])) {
        replayed = true;
        continue;
      }
      const events = this.decider.decide(command, state);
      toAppend.push(...newEvents(command, events, stream, this.options.eventId));
      decided.push(...events);
      state = events.reduce(this.decider.evolve, state);
      if (events.length > 0) applied.push(keys[i]);
    }
    return { state, decided, toAppend, applied, replayed };
  }

  /** The stream's fold brought up to date (reading only what `folded` lacks) when it has newer events; undefined when it has none. */
  private async newer(stream: string, folded: FoldedStream<S>): Promise<FoldedStream<S> | undefined> {
    const fresh = await this.load(stream);
    return fresh.version !== folded.version ? fresh : undefined;
  }

  private keyOfRecorded(e: RecordedEvent): string {
    const m = e.metadata;
    return requestKeyOf(m.requestId, m.commandType as string | undefined, m.actor?.userId);
  }

  private touch(stream: string, folded: FoldedStream<S>): void {
    this.streams.delete(stream);
    this.streams.set(stream, folded);
    if (this.streams.size > this.capacity) this.streams.delete(this.streams.keys().next().value!);
  }
}
