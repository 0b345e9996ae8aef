import { assertNever, Conflict, NotFound } from '../../kernel';
import { changedFields, isEmpty, requireNonEmpty } from '../validation';
import { CreateCredential, CredentialCommand, DeleteCredential, UpdateCredential } from './commands';
import { CredentialEvent, CredentialUpdated } from './events';
import { Credential, CredentialState } from './state';

function activeCredential(state: CredentialState, credentialId: string): Credential {
  if (state.status !== 'active') throw new NotFound(`Could not find credential: ${credentialId}.`, { credentialId });
  return state.credential;
}

export function createCredential(command: CreateCredential, state: CredentialState): CredentialEvent[] {
  const d = command.data;
  // An ec2 id is the hash of its access key: a second credential with that key is a duplicate id, even after a delete.
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store credential - Duplicate ID, ${d.credentialId}.`, { credentialId: d.credentialId });
  requireNonEmpty(d.userId, 'user_id');
  requireNonEmpty(d.type, 'type');
  return [{ type: 'CredentialCreated', data: { credentialId: d.credentialId, userId: d.userId, projectId: d.projectId, type: d.type, blob: d.blob } }];
}

export function updateCredential(command: UpdateCredential, state: CredentialState): CredentialEvent[] {
  const d = command.data;
  const current = activeCredential(state, d.credentialId);
  if (d.userId !== undefined) requireNonEmpty(d.userId, 'user_id');
  if (d.type !== undefined) requireNonEmpty(d.type, 'type');
  // A re-sealed blob has a fresh iv, so a blob sent again is recorded again: the decider cannot read it to compare.
  const changes = changedFields(current, { userId: d.userId, projectId: d.projectId, type: d.type, blob: d.blob }, ['userId', 'projectId', 'type', 'blob'] as const);
  if (isEmpty(changes)) return [];
  return [{ type: 'CredentialUpdated', data: { credentialId: d.credentialId, ...changes } as CredentialUpdated['data'] }];
}

export function deleteCredential(command: DeleteCredential, state: CredentialState): CredentialEvent[] {
  const credential = activeCredential(state, command.data.credentialId);
  return [{ type: 'CredentialDeleted', data: { credentialId: credential.credentialId, userId: credential.userId } }];
}

export function decideCredential(command: CredentialCommand, state: CredentialState): CredentialEvent[] {
  switch (command.type) {
    case 'CreateCredential':
      return createCredential(command, state);
    case 'UpdateCredential':
      return updateCredential(command, state);
    case 'DeleteCredential':
      return deleteCredential(command, state);
    default:
      return assertNever(command);
  }
}
