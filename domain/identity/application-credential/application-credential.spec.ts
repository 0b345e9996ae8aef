import { Conflict, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { ApplicationCredentialCommand, ApplicationCredentialCreated, applicationCredentialDecider, ApplicationCredentialEvent, CreateApplicationCredential } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(applicationCredentialDecider);

const create = (data: Partial<CreateApplicationCredential['data']> = {}): ApplicationCredentialCommand => ({
  type: 'CreateApplicationCredential',
  data: { id: 'ac1', userId: 'u1', projectId: 'p1', name: 'ci', secretHash: '$scrypt$secret', roleIds: ['r-member'], ...data },
  metadata,
});
const remove: ApplicationCredentialCommand = { type: 'DeleteApplicationCredential', data: { id: 'ac1' }, metadata };
const created = (data: Partial<ApplicationCredentialCreated['data']> = {}): ApplicationCredentialEvent => ({
  type: 'ApplicationCredentialCreated',
  data: { id: 'ac1', userId: 'u1', projectId: 'p1', name: 'ci', description: null, secretHash: '$scrypt$secret', roleIds: ['r-member'], expiresAt: null, unrestricted: false, ...data },
});
const deleted: ApplicationCredentialEvent = { type: 'ApplicationCredentialDeleted', data: { id: 'ac1', userId: 'u1', name: 'ci' } };

describe('application credential', () => {
  describe('when absent', () => {
    it('creates a restricted credential that never expires by default', () => {
      spec.given([]).when(create()).then([created()]);
    });

    it('records an expiry, access rules and the unrestricted flag', () => {
      const extra = { expiresAt: '2026-06-01T00:00:00.000Z', unrestricted: true, accessRules: [{ service: 'compute', method: 'GET' as const, path: '/v2.1/servers' }] };
      spec.given([]).when(create(extra)).then([created(extra)]);
    });

    it('drops duplicate roles', () => {
      spec.given([]).when(create({ roleIds: ['r-member', 'r-member'] })).then([created()]);
    });

    it('rejects a credential without roles', () => {
      spec.given([]).when(create({ roleIds: [] })).thenThrows(InvalidInput);
    });

    it('rejects an expiry in the past', () => {
      spec.given([]).when(create({ expiresAt: '2025-12-31T00:00:00.000Z' })).thenThrows(InvalidInput);
    });

    it('rejects an access rule whose path does not start with a slash', () => {
      spec.given([]).when(create({ accessRules: [{ service: 'compute', method: 'GET', path: 'servers' }] })).thenThrows(InvalidInput);
    });

    it('rejects an access rule with an unknown method', () => {
      spec.given([]).when(create({ accessRules: [{ service: 'compute', method: 'TRACE' as never, path: '/x' }] })).thenThrows(InvalidInput);
    });

    it('rejects a missing secret hash', () => {
      spec.given([]).when(create({ secretHash: '' })).thenThrows(InvalidInput);
    });

    it('answers NotFound to a delete', () => {
      spec.given([]).when(remove).thenThrows(NotFound);
    });
  });

  describe('when active', () => {
    it('refuses a second create with the same id', () => {
      spec.given([created()]).when(create()).thenThrows(Conflict);
    });

    it('deletes it with what is needed to release its name', () => {
      spec.given([created()]).when(remove).then([deleted]);
    });
  });

  describe('when deleted', () => {
    it('answers NotFound to a second delete', () => {
      spec.given([created(), deleted]).when(remove).thenThrows(NotFound);
    });
  });
});
