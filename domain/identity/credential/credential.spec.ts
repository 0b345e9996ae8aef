import { Conflict, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { CredentialCommand, credentialDecider, CredentialEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(credentialDecider);
const sealed = { ciphertext: 'AAAA', keyId: 'k1' };
const create: CredentialCommand = { type: 'CreateCredential', data: { credentialId: 'c1', userId: 'u1', projectId: 'p1', type: 'ec2', blob: sealed }, metadata };
const created: CredentialEvent = { type: 'CredentialCreated', data: { credentialId: 'c1', userId: 'u1', projectId: 'p1', type: 'ec2', blob: sealed } };
const update = (data: Omit<Extract<CredentialCommand, { type: 'UpdateCredential' }>['data'], 'credentialId'>): CredentialCommand => ({ type: 'UpdateCredential', data: { credentialId: 'c1', ...data }, metadata });
const remove: CredentialCommand = { type: 'DeleteCredential', data: { credentialId: 'c1' }, metadata };

describe('credential', () => {
  it('creates a credential holding only the sealed blob', () => {
    spec.given([]).when(create).then([created]);
  });

  it('refuses a second credential with the same id (an ec2 access key used twice)', () => {
    spec.given([created]).when(create).thenThrows(Conflict);
  });

  it('records only the fields that changed', () => {
    const resealed = { ciphertext: 'BBBB', keyId: 'k1' };
    spec.given([created]).when(update({ projectId: 'p2', type: 'ec2', blob: resealed })).then([{ type: 'CredentialUpdated', data: { credentialId: 'c1', projectId: 'p2', blob: resealed } }]);
  });

  it('does nothing when nothing changes', () => {
    spec.given([created]).when(update({ userId: 'u1', blob: sealed })).thenNothingHappens();
  });

  it('deletes it, naming its owner, then answers NotFound', () => {
    const deleted: CredentialEvent = { type: 'CredentialDeleted', data: { credentialId: 'c1', userId: 'u1' } };
    spec.given([created]).when(remove).then([deleted]);
    spec.given([created, deleted]).when(remove).thenThrows(NotFound);
    spec.given([]).when(update({ type: 'cert' })).thenThrows(NotFound);
  });
});
