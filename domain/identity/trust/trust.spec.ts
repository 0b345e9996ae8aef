import { Conflict, Forbidden, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { CreateTrust, MAX_REDELEGATION_COUNT, TrustCommand, TrustCreated, trustDecider, TrustEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(trustDecider);
const LATER = '2026-01-01T01:00:00.000Z';
const LATEST = '2026-01-02T00:00:00.000Z';

const create = (data: Partial<CreateTrust['data']> = {}): TrustCommand => ({
  type: 'CreateTrust',
  data: { id: 't1', trustorUserId: 'alice', trusteeUserId: 'bob', projectId: 'p1', impersonation: true, roleIds: ['r-member'], ...data },
  metadata,
});
const consume = (now = FIXED_NOW): TrustCommand => ({ type: 'ConsumeTrustUse', data: { id: 't1' }, metadata: { ...metadata, now } });
const remove = (now = FIXED_NOW): TrustCommand => ({ type: 'DeleteTrust', data: { id: 't1' }, metadata: { ...metadata, now } });
const created = (data: Partial<TrustCreated['data']> = {}): TrustEvent => ({
  type: 'TrustCreated',
  data: {
    id: 't1',
    trustorUserId: 'alice',
    trusteeUserId: 'bob',
    projectId: 'p1',
    impersonation: true,
    roleIds: ['r-member'],
    expiresAt: null,
    remainingUses: null,
    redelegationCount: 0,
    redelegatedTrustId: null,
    ...data,
  },
});
const deleted: TrustEvent = { type: 'TrustDeleted', data: { id: 't1', trustorUserId: 'alice', trusteeUserId: 'bob' } };
const parent = { id: 't0', trusteeUserId: 'alice', impersonation: true, roleIds: ['r-member', 'r-reader'], expiresAt: LATER, redelegationCount: 2 };

describe('trust', () => {
  describe('when absent', () => {
    it('creates an unlimited, never-expiring, non-redelegatable trust by default', () => {
      spec.given([]).when(create()).then([created()]);
    });

    it('records an expiry and a use limit', () => {
      spec.given([]).when(create({ expiresAt: LATER, remainingUses: 2 })).then([created({ expiresAt: LATER, remainingUses: 2 })]);
    });

    it('drops duplicate roles', () => {
      spec.given([]).when(create({ roleIds: ['r-member', 'r-member'] })).then([created()]);
    });

    it('refuses a project trust without roles, as Keystone (403)', () => {
      spec.given([]).when(create({ roleIds: [] })).thenThrows(Forbidden, (e) => expect(e.message).toContain('At least one role should be specified'));
    });

    it('accepts a trust on no project without roles', () => {
      spec.given([]).when(create({ projectId: null, roleIds: [] })).then([created({ projectId: null, roleIds: [] })]);
    });

    it('rejects an expiry in the past with Keystone words', () => {
      spec.given([]).when(create({ expiresAt: '2025-12-31T00:00:00.000Z' })).thenThrows(InvalidInput, (e) => expect(e.message).toMatch(/^The 'expires_at' must not be before now/));
    });

    it('rejects an expiry that is not a date', () => {
      spec.given([]).when(create({ expiresAt: 'bad.123Z' })).thenThrows(InvalidInput);
    });

    it('rejects zero remaining uses', () => {
      spec.given([]).when(create({ remainingUses: 0 })).thenThrows(InvalidInput);
    });

    it('gives a redelegatable trust the maximum depth when none is asked for', () => {
      spec.given([]).when(create({ allowRedelegation: true })).then([created({ redelegationCount: MAX_REDELEGATION_COUNT })]);
    });

    it('refuses a depth beyond the maximum', () => {
      spec.given([]).when(create({ allowRedelegation: true, redelegationCount: MAX_REDELEGATION_COUNT + 1 })).thenThrows(Forbidden);
    });

    it('refuses a use limit on a redelegatable trust', () => {
      spec.given([]).when(create({ allowRedelegation: true, remainingUses: 1 })).thenThrows(InvalidInput);
    });

    it('redelegates one level down, inheriting the expiry', () => {
      spec
        .given([])
        .when(create({ trustorUserId: 'alice', trusteeUserId: 'carol', allowRedelegation: true, redelegatedFrom: parent }))
        .then([created({ trusteeUserId: 'carol', expiresAt: LATER, redelegationCount: 1, redelegatedTrustId: 't0' })]);
    });

    it('refuses to redelegate roles the parent trust does not hold', () => {
      spec.given([]).when(create({ roleIds: ['r-admin'], redelegatedFrom: parent })).thenThrows(Forbidden);
    });

    it('refuses to outlive the parent trust', () => {
      spec.given([]).when(create({ expiresAt: LATEST, redelegatedFrom: parent })).thenThrows(Forbidden);
    });

    it('refuses to redelegate a trust whose depth is used up', () => {
      spec.given([]).when(create({ redelegatedFrom: { ...parent, redelegationCount: 0 } })).thenThrows(Forbidden);
    });

    it('refuses impersonation through a trust without it', () => {
      spec.given([]).when(create({ redelegatedFrom: { ...parent, impersonation: false } })).thenThrows(Forbidden);
    });

    it('answers NotFound to a use and to a delete', () => {
      spec.given([]).when(consume()).thenThrows(NotFound);
      spec.given([]).when(remove()).thenThrows(NotFound);
    });
  });

  describe('when active', () => {
    it('refuses a second create with the same id', () => {
      spec.given([created()]).when(create()).thenThrows(Conflict);
    });

    it('records nothing when an unlimited trust is used', () => {
      spec.given([created()]).when(consume()).thenNothingHappens();
    });

    it('counts a use down', () => {
      spec.given([created({ remainingUses: 2 })]).when(consume()).then([{ type: 'TrustUseConsumed', data: { id: 't1', remainingUses: 1 } }]);
    });

    it('is not found once its uses are spent', () => {
      spec.given([created({ remainingUses: 1 }), { type: 'TrustUseConsumed', data: { id: 't1', remainingUses: 0 } }]).when(consume()).thenThrows(NotFound);
    });

    it('is not found once expired, to a use and to a delete', () => {
      spec.given([created({ expiresAt: LATER })]).when(consume(LATER)).thenThrows(NotFound);
      spec.given([created({ expiresAt: LATER })]).when(remove(LATER)).thenThrows(NotFound);
    });

    it('deletes it with its trustor and trustee', () => {
      spec.given([created()]).when(remove()).then([deleted]);
    });
  });

  describe('when deleted', () => {
    it('answers NotFound to a use and to a second delete', () => {
      spec.given([created(), deleted]).when(consume()).thenThrows(NotFound);
      spec.given([created(), deleted]).when(remove()).thenThrows(NotFound);
    });
  });
});
