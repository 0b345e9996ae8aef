import '../../test/support/timeouts';
import { randomUUID } from 'node:crypto';
import { EventMetadata, NewEvent, Position } from '../../domain/kernel';
import { domainStream, projectStream, roleStream, TokenIssued, tokenStream, userStream } from '../../domain/identity';
import { createTestDatabase, TestDatabase } from '../../test/support/postgres';
import { PostgresEventStore } from '../eventstore';
import { IdentityModelEvent } from './identity-model';
import { TokenIndex } from './token-index';
import { mintToken } from './tokens';

// Two stores on one database stand for two API processes: index B learns of A's appends only
// through PostgreSQL (NOTIFY, or the fallback poll), as another process would.

const NOW = new Date('2026-01-01T00:00:00.000Z');
const clock = () => NOW;
const metadata: EventMetadata = {
  correlationId: 'corr-int',
  causationId: 'corr-int',
  requestId: 'req-00000000-0000-4000-8000-00000000000a',
  actor: { userId: 'admin', projectId: 'admin', domainId: 'default', roles: ['admin'] },
  occurredAt: NOW.toISOString(),
  schemaVersion: 1,
};
const ev = (e: IdentityModelEvent | { type: string; data: unknown }): NewEvent => ({ id: randomUUID(), ...e, metadata });

let db: TestDatabase;
let storeA: PostgresEventStore;
let storeB: PostgresEventStore;
let indexA: TokenIndex;
let indexB: TokenIndex;

async function issue(userId = 'alice'): Promise<{ value: string; tokenId: string; auditId: string; position: Position }> {
  const t = mintToken();
  const data: TokenIssued['data'] = {
    tokenId: t.tokenId,
    tokenHash: t.hash,
    userId,
    methods: ['password'],
    scope: { type: 'project', projectId: 'p1', domainId: 'default' },
    roleIds: ['r-member'],
    issuedAt: NOW.toISOString(),
    expiresAt: '2026-01-01T01:00:00.000Z',
    auditIds: [t.auditId],
  };
  const { position } = await storeA.append(tokenStream(t.tokenId), [ev({ type: 'TokenIssued', data })], 'no_stream');
  return { value: t.value, tokenId: t.tokenId, auditId: t.auditId, position };
}

async function revoke(token: { tokenId: string; auditId: string }, userId = 'alice'): Promise<Position> {
  const revoked = ev({ type: 'TokenRevoked', data: { tokenId: token.tokenId, userId, auditIds: [token.auditId], reason: 'DELETE /v3/auth/tokens' } });
  return (await storeA.append(tokenStream(token.tokenId), [revoked], 0n)).position;
}

const user = (userId: string) =>
  ev({ type: 'UserCreated', data: { userId, domainId: 'default', name: userId, enabled: true, defaultProjectId: null, description: null, options: {}, passwordHash: null, passwordCreatedAt: null } });
const member = (userId: string) => ev({ type: 'RoleAssigned', data: { actorType: 'user', actorId: userId, targetType: 'project', targetId: 'p1', roleId: 'r-member', inherited: false } });

beforeAll(async () => {
  db = await createTestDatabase('strata_token_index');
  storeA = await PostgresEventStore.connect(db.url);
  storeB = await PostgresEventStore.connect(db.url);
  await storeA.append(domainStream('default'), [ev({ type: 'DomainCreated', data: { domainId: 'default', name: 'Default', description: '', enabled: true, options: {} } })], 'no_stream');
  await storeA.append(projectStream('p1'), [
    ev({ type: 'ProjectCreated', data: { projectId: 'p1', domainId: 'default', name: 'demo', description: '', enabled: true, parentId: 'default', isDomain: false, tags: [], options: {} } }),
  ], 'no_stream');
  await storeA.append(roleStream('r-member'), [ev({ type: 'RoleCreated', data: { roleId: 'r-member', name: 'member', domainId: null, description: null, options: {} } })], 'no_stream');
  await storeA.append(userStream('alice'), [user('alice')], 'no_stream');
  await storeA.append('assignment-alice-p1-member', [member('alice')], 'no_stream');
  indexA = new TokenIndex(storeA, { clock });
  indexB = new TokenIndex(storeB, { clock, probeIntervalMs: 20 });
  await Promise.all([indexA.start(), indexB.start()]);
});

afterAll(async () => {
  await Promise.all([indexA?.close(), indexB?.close()]);
  await Promise.all([storeA?.close(), storeB?.close()]);
  await db?.drop();
});

describe('TokenIndex on PostgreSQL', () => {
  it('validates a freshly issued token in both processes once each has reached its position', async () => {
    const token = await issue();
    await expect(indexA.waitFor(token.position, 5000)).resolves.toBe(true);
    await expect(indexB.waitFor(token.position, 5000)).resolves.toBe(true);
    for (const index of [indexA, indexB]) {
      expect(index.validate(token.value)).toMatchObject({
        valid: true,
        token: { tokenId: token.tokenId, user: { id: 'alice', domain: { id: 'default', name: 'Default' } }, roles: [{ id: 'r-member', name: 'member' }] },
      });
    }
  });

  it('rejects a revoked token in the other process too', async () => {
    const token = await issue();
    await indexB.waitFor(token.position, 5000);
    expect(indexB.validate(token.value).valid).toBe(true);
    const position = await revoke(token);
    await expect(indexB.waitFor(position, 5000)).resolves.toBe(true);
    expect(indexB.validate(token.value)).toEqual({ valid: false, reason: 'revoked' });
    await indexA.waitFor(position, 5000);
    expect(indexA.validate(token.value)).toEqual({ valid: false, reason: 'revoked' });
  });

  it('rejects every token of a disabled user, in both processes', async () => {
    await storeA.append(userStream('bob'), [user('bob')], 'no_stream');
    await storeA.append('assignment-bob-p1-member', [member('bob')], 'no_stream');
    const first = await issue('bob');
    const second = await issue('bob');
    await indexB.waitFor(second.position, 5000);
    expect([indexB.validate(first.value).valid, indexB.validate(second.value).valid]).toEqual([true, true]);
    const { position } = await storeA.append(userStream('bob'), [ev({ type: 'UserDisabled', data: { userId: 'bob' } })], 0n);
    await Promise.all([indexA.waitFor(position, 5000), indexB.waitFor(position, 5000)]);
    for (const index of [indexA, indexB]) {
      expect(index.validate(first.value)).toEqual({ valid: false, reason: 'user-disabled' });
      expect(index.validate(second.value)).toEqual({ valid: false, reason: 'user-disabled' });
    }
  });

  it('catches up a third process started later, revocations included', async () => {
    const live = await issue();
    const gone = await issue();
    await revoke(gone);
    const storeC = await PostgresEventStore.connect(db.url);
    const late = new TokenIndex(storeC, { clock });
    try {
      await late.start();
      expect(late.validate(live.value).valid).toBe(true);
      expect(late.validate(gone.value)).toEqual({ valid: false, reason: 'revoked' });
    } finally {
      await late.close();
      await storeC.close();
    }
  });

  describe('waitFor', () => {
    it('reaches an issued token by its delivery alone, without asking the store', async () => {
      const deliveryOnly = new TokenIndex(storeB, { clock, probeIntervalMs: 60_000 });
      try {
        await deliveryOnly.start();
        const token = await issue();
        await expect(deliveryOnly.waitFor(token.position, 5000)).resolves.toBe(true);
        expect(deliveryOnly.validate(token.value).valid).toBe(true);
      } finally {
        await deliveryOnly.close();
      }
    });

    it("reaches a position of another context's event, which the filtered subscription never delivers", async () => {
      const { position } = await storeA.append(`server-${randomUUID()}`, [ev({ type: 'ServerCreationRequested', data: {} })], 'no_stream');
      await expect(indexB.waitFor(position, 5000)).resolves.toBe(true);
      expect(indexB.position! >= position).toBe(true);
    });

    it('answers false when the position is never reached', async () => {
      const head = (await storeA.headPosition())!;
      const beyond = head.replace(/^\d{20}/, (txid) => String(BigInt(txid) + 1_000_000n).padStart(20, '0'));
      await expect(indexB.waitFor(beyond, 200)).resolves.toBe(false);
    });
  });

  it('propagates a revocation from append to the other process within the poll interval (p50/p99 logged)', async () => {
    const tokens = [];
    for (let i = 0; i < 100; i++) tokens.push(await issue());
    await indexB.waitFor(tokens[tokens.length - 1].position, 5000);
    const sameProcess: number[] = [];
    const otherProcess: number[] = [];
    for (const token of tokens) {
      const position = await revoke(token);
      const committed = process.hrtime.bigint();
      const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
      const [a, b] = await Promise.all([
        indexA.waitFor(position, 5000).then(() => ms(committed)),
        indexB.waitFor(position, 5000).then(() => ms(committed)),
      ]);
      sameProcess.push(a);
      otherProcess.push(b);
      expect(indexB.validate(token.value)).toEqual({ valid: false, reason: 'revoked' });
    }
    const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
    const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(2)} ms, p99 ${pct(xs, 99).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms`;
    console.log(`revocation commit → index applied (n=${tokens.length}): same process ${fmt(sameProcess)}; other process ${fmt(otherProcess)}`);
    expect(pct(otherProcess, 99)).toBeLessThan(500);
  });
});
