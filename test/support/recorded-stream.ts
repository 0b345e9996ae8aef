import { RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { FIXED_NOW } from './decider-spec';

/** FIXED_NOW plus `n` seconds, as RFC 3339. */
export const at = (n: number) => new Date(Date.parse(FIXED_NOW) + n * 1000).toISOString();

/** Events of one stream as the store records them: versions from 0, positions from 1, one second apart. */
export function recordedStream(stream: string, events: Array<{ type: string; data: unknown }>): RecordedEvent[] {
  return events.map((e, i) => ({
    id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    stream,
    version: BigInt(i),
    position: String(i + 1).padStart(20, '0'),
    type: e.type,
    data: e.data,
    metadata: { correlationId: 'c', causationId: 'c', requestId: `req-${i}`, actor: SYSTEM_ACTOR, occurredAt: at(i + 1), schemaVersion: 1 },
    recordedAt: new Date(at(i + 1)),
  }));
}
