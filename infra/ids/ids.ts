import { createHash, randomUUID } from 'node:crypto';
import { EventIdFactory } from '../../domain/kernel';

/** RFC 4122 name-based (SHA-1, version 5) uuid in Strata's own namespace. */
const STRATA_NAMESPACE = Buffer.from('6f1f7b5e4d8a4c3e9a2b1c0d9e8f7a6b', 'hex');

export function uuidFromName(name: string): string {
  const hash = createHash('sha1').update(STRATA_NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Event ids derive from the request so that a retried request appends the same ids (STYLE §5). */
export const deterministicEventId: EventIdFactory = (requestId, stream, index, commandType) =>
  uuidFromName(`${requestId}\u0000${commandType}\u0000${stream}\u0000${index}`);

/** Event ids of a command that is never replayed by its request id (HandleOptions.replay false): a fresh uuid each. */
export const randomEventId: EventIdFactory = () => randomUUID();

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

export function newUuid(): string {
  return randomUUID();
}
