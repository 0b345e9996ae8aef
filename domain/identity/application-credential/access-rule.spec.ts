import { Forbidden, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { AccessRuleCommand, accessRuleDecider, AccessRuleEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(accessRuleDecider);
const rule = { id: 'ar1', userId: 'u1', service: 'compute', method: 'GET' as const, path: '/v2.1/servers/*/ips' };
const create: AccessRuleCommand = { type: 'CreateAccessRule', data: rule, metadata };
const remove = (usedBy: string[] = [], userId = 'u1'): AccessRuleCommand => ({ type: 'DeleteAccessRule', data: { id: 'ar1', userId, usedBy }, metadata });
const created: AccessRuleEvent = { type: 'AccessRuleCreated', data: rule };
const deleted: AccessRuleEvent = { type: 'AccessRuleDeleted', data: { id: 'ar1', userId: 'u1' } };

describe('access rule', () => {
  describe('when absent', () => {
    it('is created on first use', () => {
      spec.given([]).when(create).then([created]);
    });
    it('answers NotFound to a delete', () => {
      spec.given([]).when(remove()).thenThrows(NotFound, (e) => expect(e.message).toBe('Could not find access rule: ar1.'));
    });
  });

  describe('when active', () => {
    it('is shared: a second credential naming the same rule records nothing', () => {
      spec.given([created]).when(create).thenNothingHappens();
    });
    it('refuses deletion while a credential uses it (Keystone 403)', () => {
      spec.given([created]).when(remove(['ac1'])).thenThrows(Forbidden, (e) => expect(e.message).toBe('May not delete access rule in use'));
    });
    it('is deleted once no credential uses it', () => {
      spec.given([created]).when(remove()).then([deleted]);
    });
    it("is not found through another user's path", () => {
      spec.given([created]).when(remove([], 'u2')).thenThrows(NotFound);
    });
  });

  describe('when deleted', () => {
    it('answers NotFound to a second delete', () => {
      spec.given([created, deleted]).when(remove()).thenThrows(NotFound);
    });
    it('is created again when a new credential names it', () => {
      spec.given([created, deleted]).when(create).then([created]);
    });
  });
});
