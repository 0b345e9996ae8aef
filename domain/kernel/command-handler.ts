import { Decider, DomainEvent } from './decider';
import { EventStore, NewEvent, NO_STREAM, Position, RecordedEvent, WrongExpectedVersionError } from './event-store';
import { CommandMetadata, EventMetadata } from './metadata';
import { NO_UPCASTERS, UpcasterRegistry } from './upcasting';

export interface Command<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
  metadata: CommandMetadata;
}

/** Event ids derive from (requestId, stream, index) so a retried request appends the same ids. */
export type EventIdFactory = (requestId: string, stream: string, index: number, commandType: string) => string;

export interface HandleOptions {
  eventId: EventIdFactory;
  upcasters?: UpcasterRegistry;
  /** Re-decide against newer state after a version conflict, at most this many times (STYLE §5). */
  maxRetries?: number;
  /** Current schema version written on new events (default 1). */
  schemaVersion?: number;
  /** An exact expected version from the client (If-Match): no retry, the conflict surfaces. */
  expectedVersion?: bigint | typeof NO_STREAM;
  /**
   * The stream is most likely new (its name holds an id made for this request): it is decided on
   * as empty without a read, and appended to as a new stream. Should it exist after all (the
   * request is a retry), the append is refused and the command handled as usual, on a read.
   */
  fresh?: boolean;
  /**
   * false: a request id seen before is not a retry here, and the command is decided like any other
   * (its event ids must then not derive from the request). For streams many requests share, where
   * the id alone does not tell one request from another: OpenStack's services pass one global
   * request id down every call they make for an operation, and Nova retries nothing on these.
   */
  replay?: boolean;
}

export interface HandleResult<State, Event extends DomainEvent> {
  events: Event[];
  /** Version of the stream's last event, or null when the stream is still empty. */
  nextVersion: bigint | null;
  /** Position of the last event written by this command (null when it decided nothing). */
  position: Position | null;
  state: State;
  /** True when the request id had already been handled and its first outcome is returned. */
  replayed: boolean;
}

/**
 * Load, fold, decide, append with the loaded version as expected version (DESIGN.md, Commands).
 * A request id seen before on this stream for the same command type returns its first outcome.
 */
export async function handleCommand<C extends Command, E extends DomainEvent, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  stream: string,
  command: C,
  opts: HandleOptions,
): Promise<HandleResult<S, E>> {
  const upcasters = opts.upcasters ?? NO_UPCASTERS;
  const maxRetries = opts.expectedVersion !== undefined ? 0 : opts.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    let state = decider.initialState;
    let version: bigint | null = null;
    const earlier: RecordedEvent[] = [];
    const assumeNew = opts.fresh === true && attempt === 0 && opts.expectedVersion === undefined;
    for await (const raw of assumeNew ? [] : store.readStream(stream)) {
      const recorded = upcasters.upcast(raw);
      state = decider.evolve(state, recorded as unknown as E);
      version = recorded.version;
      if (opts.replay !== false && sameRequest(recorded, command)) {
        earlier.push(recorded);
      }
    }
    if (earlier.length > 0) {
      return {
        events: earlier.map((e) => ({ type: e.type, data: e.data }) as E),
        nextVersion: version,
        position: earlier[earlier.length - 1].position,
        state,
        replayed: true,
      };
    }
    if (opts.expectedVersion !== undefined) {
      const actual = version ?? NO_STREAM;
      if (actual !== opts.expectedVersion) throw new WrongExpectedVersionError(stream, opts.expectedVersion, actual);
    }
    const decided = decider.decide(command, state);
    if (decided.length === 0) return { events: [], nextVersion: version, position: null, state, replayed: false };

    const toAppend = newEvents(command, decided, stream, opts.eventId, opts.schemaVersion ?? 1);
    try {
      const result = await store.append(stream, toAppend, version === null ? NO_STREAM : version);
      const newState = decided.reduce(decider.evolve, state);
      return { events: decided, nextVersion: result.nextVersion, position: result.position, state: newState, replayed: false };
    } catch (err) {
      if (err instanceof WrongExpectedVersionError && attempt < maxRetries) continue;
      throw err;
    }
  }
}

/**
 * A request id is the client's (`X-OpenStack-Request-ID`), so it only identifies a request together
 * with who sent it: another user reusing the id must neither get the first outcome nor collide on
 * event ids.
 */
function sameRequest(recorded: RecordedEvent, command: Command): boolean {
  const m = recorded.metadata;
  return m.requestId === command.metadata.requestId && m.commandType === command.type && (m.actor?.userId ?? null) === command.metadata.actor.userId;
}

/**
 * What a command decided, ready to append: ids from (request, stream, index, command type), so a
 * retried request appends the same ids, and the command's metadata on every event. `key` is the
 * request's identity, `requestKey(command)` unless the caller names the request otherwise.
 */
export function newEvents(command: Command, decided: DomainEvent[], stream: string, eventId: EventIdFactory, schemaVersion = 1, key = requestKey(command)): NewEvent[] {
  return decided.map((e, index) => ({ id: eventId(key, stream, index, command.type), type: e.type, data: e.data, metadata: eventMetadata(command, schemaVersion) }));
}

export function requestKey(command: Command): string {
  const userId = command.metadata.actor.userId;
  return userId === null ? command.metadata.requestId : `${command.metadata.requestId}@${userId}`;
}

export function eventMetadata(command: Command, schemaVersion: number): EventMetadata {
  const m = command.metadata;
  return {
    correlationId: m.correlationId,
    causationId: m.causationId,
    requestId: m.requestId,
    actor: m.actor,
    occurredAt: m.now,
    schemaVersion,
    commandType: command.type,
  };
}
