import { assignmentKey, assignmentStream, RoleAssignment } from '../../../domain/identity';
import { Command, CommandMetadata, Decider, DomainEvent, EventStore, handleCommand, HandleResult } from '../../../domain/kernel';
import { deterministicEventId, uuidFromName } from '../../../infra/ids/ids';

/** Runs one identity command against its stream: load, fold, decide, append (STYLE §5). */
export function runCommand<C extends Command, E extends DomainEvent, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  stream: string,
  type: C['type'],
  data: C['data'],
  metadata: CommandMetadata,
): Promise<HandleResult<S, E>> {
  return handleCommand(store, decider, stream, { type, data, metadata } as C, { eventId: deterministicEventId });
}

/** The same grant always lands on the same `assignment-<uuid>` stream. */
export function assignmentStreamOf(a: RoleAssignment): string {
  return assignmentStream(uuidFromName(assignmentKey(a)));
}

/** Keystone ids are uuid4 hex without hyphens (32 characters). */
export function keystoneId(uuid: string): string {
  return uuid.replace(/-/g, '');
}
