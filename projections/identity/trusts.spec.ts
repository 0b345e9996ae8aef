import { TrustEvent, trustStream } from '../../domain/identity';
import { RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { foldStrictly, rowsOf } from '../../test/projections/identity-scenario';
import { FIXED_NOW } from '../../test/support/decider-spec';
import { identityTrustsProjection as projection, TRUSTS_TABLE } from './trusts';

/** Trust events as the store records them on `trust-t1`, one second apart. */
function recorded(events: TrustEvent[]): RecordedEvent[] {
  return events.map((e, i) => {
    const occurredAt = new Date(Date.parse(FIXED_NOW) + (i + 1) * 1000).toISOString();
    return {
      id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      stream: trustStream(e.data.id),
      version: BigInt(i),
      position: String(i + 1).padStart(20, '0'),
      type: e.type,
      data: e.data,
      metadata: { correlationId: 'c', causationId: 'c', requestId: `req-${i}`, actor: SYSTEM_ACTOR, occurredAt, schemaVersion: 1 },
      recordedAt: new Date(occurredAt),
    };
  });
}

const created: TrustEvent = {
  type: 'TrustCreated',
  data: {
    id: 't1',
    trustorUserId: 'alice',
    trusteeUserId: 'bob',
    projectId: 'p1',
    impersonation: true,
    roleIds: ['r-member'],
    expiresAt: '2026-06-01T00:00:00.000Z',
    remainingUses: 3,
    redelegationCount: 0,
    redelegatedTrustId: null,
  },
};
const used: TrustEvent = { type: 'TrustUseConsumed', data: { id: 't1', remainingUses: 2 } };
const deleted: TrustEvent = { type: 'TrustDeleted', data: { id: 't1', trustorUserId: 'alice', trusteeUserId: 'bob' } };

describe('identity_trusts projection', () => {
  it('records a created trust with its delegated roles', () => {
    expect(rowsOf(foldStrictly(projection, recorded([created])), TRUSTS_TABLE)).toEqual([
      {
        id: 't1',
        trustor_user_id: 'alice',
        trustee_user_id: 'bob',
        project_id: 'p1',
        impersonation: true,
        roles: [{ id: 'r-member' }],
        expires_at: '2026-06-01T00:00:00.000Z',
        remaining_uses: 3,
        redelegation_count: 0,
        redelegated_trust_id: null,
        created_at: '2026-01-01T00:00:01.000Z',
        updated_at: '2026-01-01T00:00:01.000Z',
        stream_version: 0,
      },
    ]);
  });

  it('counts uses down', () => {
    const [row] = rowsOf(foldStrictly(projection, recorded([created, used])), TRUSTS_TABLE);
    expect(row).toMatchObject({ remaining_uses: 2, updated_at: '2026-01-01T00:00:02.000Z', stream_version: 1 });
  });

  it('applies a redelivered use once', () => {
    const events = recorded([created, used]);
    const rows = foldStrictly(projection, events);
    foldStrictly(projection, [events[1]], rows);
    expect(rowsOf(rows, TRUSTS_TABLE)[0]).toMatchObject({ remaining_uses: 2 });
  });

  it('forgets a deleted trust', () => {
    expect(rowsOf(foldStrictly(projection, recorded([created, used, deleted])), TRUSTS_TABLE)).toEqual([]);
  });
});
