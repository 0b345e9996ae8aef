import type {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  CurrentRevision,
  ErrorType,
  Position as EsdbPosition,
  ResolvedEvent,
} from '@eventstore/db-client';
import {
  AllFilter,
  EventMetadata,
  ExpectedVersion,
  NO_STREAM,
  Position,
  RecordedEvent,
  WrongExpectedVersionError,
} from '../../../domain/kernel';

// Pure translations between the port and @eventstore/db-client 6.2.1: type-only imports of the
// client, so that these run (and are unit-tested) without loading gRPC or reaching a server.

const DIGITS = 20;
const FORMAT = /^(\d{20})-(\d{20})$/;
/** ESDB log positions are unsigned 64-bit: at most 20 decimal digits. */
const MAX_LOG_POSITION = 2n ** 64n - 1n;

/**
 * `<commit:20>-<prepare:20>`, both zero-padded: ESDB orders `$all` by commit, then prepare, so
 * plain string order is the store's order.
 */
export function encodePosition({ commit, prepare }: EsdbPosition): Position {
  for (const part of [commit, prepare]) {
    if (part < 0n || part > MAX_LOG_POSITION) throw new RangeError(`Not an EventStoreDB log position: ${commit}/${prepare}`);
  }
  return `${commit.toString().padStart(DIGITS, '0')}-${prepare.toString().padStart(DIGITS, '0')}`;
}

export function decodePosition(position: Position): EsdbPosition {
  const match = FORMAT.exec(position);
  if (!match) throw new TypeError(`Not an EventStoreDB event store position: ${position}`);
  const decoded = { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
  if (decoded.commit > MAX_LOG_POSITION || decoded.prepare > MAX_LOG_POSITION) {
    throw new RangeError(`Not an EventStoreDB log position: ${position}`);
  }
  return decoded;
}

export function toExpectedRevision(expected: ExpectedVersion): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return 'any';
    case NO_STREAM:
      return 'no_stream';
    case 'stream_exists':
      return 'stream_exists';
    default:
      if (expected < 0n) throw new RangeError(`Expected version must be a 0-based stream version, got ${expected}`);
      return expected;
  }
}

/** The client reports a missing stream as `no_stream`, or as -1 when it read the revision from gRPC trailers. */
export function toActualVersion(actual: CurrentRevision | bigint | undefined): bigint | typeof NO_STREAM {
  if (actual === undefined || actual === 'no_stream') return NO_STREAM;
  return actual < 0n ? NO_STREAM : actual;
}

const WRONG_EXPECTED_VERSION: `${ErrorType.WRONG_EXPECTED_VERSION}` = 'wrong-expected-version';
const STREAM_NOT_FOUND: `${ErrorType.STREAM_NOT_FOUND}` = 'stream-not-found';

/** What this adapter reads from the client's `WrongExpectedVersionError` (src/utils/CommandError.ts). */
export interface ClientWrongExpectedVersion {
  type: `${ErrorType.WRONG_EXPECTED_VERSION}`;
  streamName?: string;
  actualVersion?: CurrentRevision;
}

export function isClientWrongExpectedVersion(error: unknown): error is ClientWrongExpectedVersion {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === WRONG_EXPECTED_VERSION;
}

export function isClientStreamNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === STREAM_NOT_FOUND;
}

/**
 * The port's error: the stream and expected version the caller asked for (not the client's
 * re-encoding of them), and the actual version with "no stream" as the sentinel.
 */
export function toWrongExpectedVersionError(
  stream: string,
  expected: ExpectedVersion,
  error: ClientWrongExpectedVersion,
): WrongExpectedVersionError {
  const mapped = new WrongExpectedVersionError(stream, expected, toActualVersion(error.actualVersion));
  return Object.assign(mapped, { cause: error });
}

/** `$`-prefixed streams and event types belong to the server (stats, settings, projections' links). */
export function isSystemEvent(event: { stream: string; type: string }): boolean {
  return event.stream.startsWith('$') || event.type.startsWith('$');
}

/**
 * The part of a filter the server applies; ESDB takes one kind per subscription. Stream prefixes
 * win because Strata's are the narrower (a category, or a test's namespace); event types then run
 * client-side. Event-type filters are prefix matches server-side, so exact types run client-side too.
 */
export type ServerFilter =
  | { on: 'streamName'; prefixes: string[] }
  | { on: 'eventType'; prefixes: string[] }
  | { on: 'nonSystemEventType' };

export function serverFilterFor(filter?: AllFilter): ServerFilter {
  if (filter?.streamPrefixes?.length) return { on: 'streamName', prefixes: [...filter.streamPrefixes] };
  if (filter?.eventTypes?.length) return { on: 'eventType', prefixes: [...filter.eventTypes] };
  return { on: 'nonSystemEventType' };
}

export const MISSING_POSITION_HINT = 'EventStoreDB returns positions on stream reads from 22.10 on; Strata needs 22.10 or later';

/** The port's event, or undefined for an unresolved link (only reads with resolveLinkTos yield those). */
export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  if (!event.position) throw new Error(`No position for event ${event.revision}@${event.streamId}: ${MISSING_POSITION_HINT}`);
  return {
    id: event.id,
    stream: event.streamId,
    version: event.revision,
    position: encodePosition(event.position),
    type: event.type,
    data: event.data,
    metadata: (event.metadata ?? {}) as EventMetadata,
    recordedAt: event.created,
  };
}
