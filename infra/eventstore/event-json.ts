import { EventMetadata, Position, RecordedEvent } from '../../domain/kernel';

/**
 * A RecordedEvent as JSON, bigint and Date as strings, in this key order: the relay's bus
 * messages (`strata.evt.<category>.<Type>`) and the lines of an export are both this.
 */
export interface EventJson {
  id: string;
  stream: string;
  /** Decimal string of the 0-based stream version. */
  version: string;
  /** The store's position: opaque, compared only with positions of the same store. */
  position: Position;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  /** ISO 8601, milliseconds. */
  recordedAt: string;
}

export function toEventJson(event: RecordedEvent): EventJson {
  return {
    id: event.id,
    stream: event.stream,
    version: event.version.toString(),
    position: event.position,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
  };
}
