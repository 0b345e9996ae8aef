import { Conflict, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { KeypairCommand, KeypairCreated, keypairDecider, KeypairEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'req-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(keypairDecider);

const data: KeypairCreated['data'] = { userId: 'u1', name: 'key', type: 'ssh', publicKey: 'ssh-rsa AAAA k', fingerprint: 'aa:bb' };
const create: KeypairCommand = { type: 'CreateKeypair', data, metadata };
const remove: KeypairCommand = { type: 'DeleteKeypair', data: { userId: 'u1', name: 'key' }, metadata };
const created: KeypairEvent = { type: 'KeypairCreated', data };
const deleted: KeypairEvent = { type: 'KeypairDeleted', data: { userId: 'u1', name: 'key' } };

describe('keypair', () => {
  describe('when absent', () => {
    it('is created with its public half only', () => {
      spec.given([]).when(create).then([created]);
    });

    it("refuses a delete with Nova's KeypairNotFound", () => {
      spec
        .given([])
        .when(remove)
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Keypair key not found for user u1'));
    });
  });

  describe('when active', () => {
    it("refuses the same name with Nova's KeyPairExists", () => {
      spec
        .given([created])
        .when(create)
        .thenThrows(Conflict, (e) => expect(e.message).toBe("Key pair 'key' already exists."));
    });

    it('is deleted', () => {
      spec.given([created]).when(remove).then([deleted]);
    });
  });

  describe('when deleted', () => {
    it('lets the name be used again', () => {
      spec.given([created, deleted]).when(create).then([created]);
    });

    it('refuses a second delete', () => {
      spec.given([created, deleted]).when(remove).thenThrows(NotFound);
    });
  });
});
