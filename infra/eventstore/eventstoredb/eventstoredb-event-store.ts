import {
  AllStreamResolvedEvent,
  BACKWARDS,
  END,
  EventStoreDBClient,
  eventTypeFilter,
  excludeSystemEvents,
  Filter,
  FORWARDS,
  jsonEvent,
  JSONType,
  ResolvedEvent,
  START,
  streamNameFilter,
  StreamingRead,
} from '@eventstore/db-client';
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
import {
  decodePosition,
  isClientStreamNotFound,
  isClientWrongExpectedVersion,
  isSystemEvent,
  MISSING_POSITION_HINT,
  ServerFilter,
  serverFilterFor,
  toExpectedRevision,
  toRecordedEvent,
  toWrongExpectedVersionError,
} from './mapping';

function toEventData(event: NewEvent) {
  return jsonEvent({
    id: event.id,
    type: event.type,
    // The client's JSONType leaves out null, numbers and booleans, but it JSON-encodes whatever it gets.
    data: (event.data === undefined ? null : event.data) as JSONType,
    metadata: event.metadata as unknown as JSONType,
  });
}

function toClientFilter(filter: ServerFilter): Filter {
  switch (filter.on) {
    case 'streamName':
      return streamNameFilter({ prefixes: filter.prefixes });
    case 'eventType':
      return eventTypeFilter({ prefixes: filter.prefixes });
    case 'nonSystemEventType':
      return excludeSystemEvents();
  }
}

/** Delivered or skipped: true when `event` lies strictly after `after` (positions compare as strings). */
const isAfter = (event: RecordedEvent, after: Position | undefined) => after === undefined || event.position > after;

/**
 * The event log in EventStoreDB (22.10 or later), through @eventstore/db-client 6.2.1.
 *
 * ESDB itself provides expected-version checks, idempotent appends by event id, the `$all` order
 * and live subscriptions; this adapter maps them onto the port and hides the server's own
 * (`$`-prefixed) events.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly name = 'eventstoredb';
  private readonly closing = new AbortController();

  constructor(private readonly client: EventStoreDBClient) {}

  /** `esdb://host:2113?tls=false` and friends; the first read proves the server is reachable. */
  static async connect(connectionString: string): Promise<EventStoreDbEventStore> {
    const store = new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString));
    try {
      await store.headPosition();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    let nextVersion: bigint;
    try {
      const result = await this.client.appendToStream(stream, events.map(toEventData), {
        expectedRevision: toExpectedRevision(expected),
      });
      // Only a connection string with throwOnAppendFailure=false gets here with a failure.
      if (!result.success) throw new WrongExpectedVersionError(stream, expected, await this.currentVersion(stream));
      nextVersion = result.nextExpectedRevision;
    } catch (error) {
      if (isClientWrongExpectedVersion(error)) throw toWrongExpectedVersionError(stream, expected, error);
      throw error;
    }
    // The append reply's position is not the last event's when ESDB recognised a retry (its
    // AlreadyCommitted path), so the position comes from the event itself.
    return { nextVersion, position: await this.positionOf(stream, nextVersion) };
  }

  async *readStream(stream: string, opts: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    if (opts.maxCount !== undefined && opts.maxCount <= 0) return;
    const read = this.client.readStream(stream, {
      direction: opts.backwards ? BACKWARDS : FORWARDS,
      fromRevision: opts.fromVersion ?? (opts.backwards ? END : START),
      ...(opts.maxCount === undefined ? {} : { maxCount: opts.maxCount }),
    });
    try {
      yield* this.events(read);
    } catch (error) {
      if (isClientStreamNotFound(error)) return;
      throw error;
    }
  }

  /**
   * Client 6.2.1 reads `$all` without a server-side filter (its readAll always sends no_filter), so
   * the filter and the system-event exclusion run here, over an unfiltered read.
   */
  async *readAll(opts: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let remaining = opts.maxCount ?? Infinity;
    if (remaining <= 0) return;
    let after = opts.fromPosition;
    // ESDB reads $all from a position inclusively; the port's fromPosition is exclusive.
    const read = this.client.readAll({ fromPosition: after === undefined ? START : decodePosition(after) });
    for await (const event of this.events(read)) {
      if (!isAfter(event, after) || isSystemEvent(event) || !matchesFilter(event, opts.filter)) continue;
      after = event.position;
      yield event;
      if (--remaining === 0) return;
    }
  }

  async *subscribeToAll(opts: SubscribeOptions): AsyncIterable<RecordedEvent> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.closing.signal]) : this.closing.signal;
    if (signal.aborted) return;
    let after = opts.fromPosition;
    // Server-side: one filter kind (see serverFilterFor); fromPosition is exclusive, as in the port.
    const subscription = this.client.subscribeToAll({
      fromPosition: after === undefined ? START : decodePosition(after),
      filter: toClientFilter(serverFilterFor(opts.filter)),
    });
    const stop = () => {
      subscription.unsubscribe().catch(() => undefined);
      subscription.destroy();
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const resolved of subscription) {
        const event = toRecordedEvent(resolved);
        if (!event || !isAfter(event, after) || isSystemEvent(event) || !matchesFilter(event, opts.filter)) continue;
        after = event.position;
        yield event;
        if (signal.aborted) return;
      }
    } catch (error) {
      // Destroying the subscription on abort ends its iterator with a premature-close error.
      if (signal.aborted) return;
      throw error;
    } finally {
      signal.removeEventListener('abort', stop);
      // An error the server sends after we stopped listening must not become an uncaught 'error' event.
      subscription.on('error', () => undefined);
      stop();
    }
  }

  async headPosition(): Promise<Position | null> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END });
    for await (const event of this.events(read)) {
      if (!isSystemEvent(event)) return event.position;
    }
    return null;
  }

  /** Ends every live subscription, then the client's channel. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    await this.client.dispose();
  }

  /** The events of a read, cancelling the gRPC call when the caller stops early. */
  private async *events(read: StreamingRead<ResolvedEvent | AllStreamResolvedEvent>): AsyncGenerator<RecordedEvent> {
    let complete = false;
    try {
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (event) yield event;
      }
      complete = true;
    } finally {
      if (!complete) {
        read.on('error', () => undefined);
        read.cancel().catch(() => undefined);
      }
    }
  }

  private async positionOf(stream: string, version: bigint): Promise<Position> {
    for await (const event of this.readStream(stream, { fromVersion: version, maxCount: 1 })) {
      if (event.version === version) return event.position;
    }
    throw new Error(`Appended ${version}@${stream} but could not read it back. ${MISSING_POSITION_HINT}`);
  }

  private async currentVersion(stream: string): Promise<bigint | typeof NO_STREAM> {
    for await (const event of this.readStream(stream, { backwards: true, maxCount: 1 })) return event.version;
    return NO_STREAM;
  }
}
