import { EventMetadata, NewEvent, Position } from '../../domain/kernel';
import { domainStream, projectStream, roleStream, TokenIssued, tokenStream, userStream } from '../../domain/identity';
import { InMemoryEventStore } from '../eventstore';
import { IdentityModelEvent } from './identity-model';
import { TokenIndex } from './token-index';
import { mintToken } from './tokens';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const metadata: EventMetadata = {
  correlationId: 'corr-1',
  causationId: 'corr-1',
  requestId: 'req-00000000-0000-4000-8000-000000000001',
  actor: { userId: null, projectId: null, domainId: null, roles: ['system'] },
  occurredAt: NOW.toISOString(),
  schemaVersion: 1,
};
let ids = 0;
const ev = (e: IdentityModelEvent | { type: string; data: unknown }): NewEvent => ({ id: `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`, ...e, metadata });

async function seed(store: InMemoryEventStore): Promise<void> {
  await store.append(domainStream('default'), [ev({ type: 'DomainCreated', data: { domainId: 'default', name: 'Default', description: '', enabled: true, options: {} } })], 'any');
  await store.append(projectStream('p1'), [
    ev({ type: 'ProjectCreated', data: { projectId: 'p1', domainId: 'default', name: 'demo', description: '', enabled: true, parentId: 'default', isDomain: false, tags: [], options: {} } }),
  ], 'any');
  await store.append(userStream('alice'), [
    ev({ type: 'UserCreated', data: { userId: 'alice', domainId: 'default', name: 'alice', enabled: true, defaultProjectId: null, description: null, options: {}, passwordHash: null, passwordCreatedAt: null } }),
  ], 'any');
  await store.append(roleStream('r-member'), [ev({ type: 'RoleCreated', data: { roleId: 'r-member', name: 'member', domainId: null, description: null, options: {} } })], 'any');
  await store.append('assignment-a1', [ev({ type: 'RoleAssigned', data: { actorType: 'user', actorId: 'alice', targetType: 'project', targetId: 'p1', roleId: 'r-member', inherited: false } })], 'any');
}

async function issue(store: InMemoryEventStore): Promise<{ value: string; tokenId: string; position: Position }> {
  const t = mintToken();
  const data: TokenIssued['data'] = {
    tokenId: t.tokenId,
    tokenHash: t.hash,
    userId: 'alice',
    methods: ['password'],
    scope: { type: 'project', projectId: 'p1' },
    roleIds: ['r-member'],
    issuedAt: NOW.toISOString(),
    expiresAt: '2026-01-01T01:00:00.000Z',
    auditIds: [t.auditId],
  };
  const { position } = await store.append(tokenStream(t.tokenId), [ev({ type: 'TokenIssued', data })], 'no_stream');
  return { value: t.value, tokenId: t.tokenId, position };
}

describe('TokenIndex (in-memory store)', () => {
  let store: InMemoryEventStore;
  let index: TokenIndex;

  beforeEach(async () => {
    store = new InMemoryEventStore({ clock: () => NOW });
    await seed(store);
  });
  afterEach(async () => {
    await index.close();
    await store.close();
  });

  it('validates a token issued before it started once ready', async () => {
    const token = await issue(store);
    index = new TokenIndex(store, { clock: () => NOW });
    await index.start();
    expect(index.validate(token.value)).toMatchObject({ valid: true, token: { tokenId: token.tokenId, roles: [{ id: 'r-member', name: 'member' }] } });
  });

  it('validates a token issued while live once waitFor reaches its position', async () => {
    index = new TokenIndex(store, { clock: () => NOW });
    await index.start();
    const token = await issue(store);
    await expect(index.waitFor(token.position, 1000)).resolves.toBe(true);
    expect(index.validate(token.value).valid).toBe(true);
  });

  it('never reads the store to validate', async () => {
    const token = await issue(store);
    index = new TokenIndex(store, { clock: () => NOW });
    await index.start();
    const reads = [jest.spyOn(store, 'readAll'), jest.spyOn(store, 'readStream'), jest.spyOn(store, 'headPosition')];
    expect(index.validate(token.value).valid).toBe(true);
    expect(index.validate('stk1_not-a-token')).toEqual({ valid: false, reason: 'unknown' });
    expect(reads.map((r) => r.mock.calls.length)).toEqual([0, 0, 0]);
  });

  it('answers unknown to an empty or oversized value without hashing it', async () => {
    index = new TokenIndex(store, { clock: () => NOW });
    await index.start();
    expect(index.validate('')).toEqual({ valid: false, reason: 'unknown' });
    expect(index.validate('x'.repeat(10_000))).toEqual({ valid: false, reason: 'unknown' });
  });

  it("reaches another context's position, which it never receives, through the store's head", async () => {
    index = new TokenIndex(store, { clock: () => NOW, probeIntervalMs: 5 });
    await index.start();
    const { position } = await store.append('server-s1', [ev({ type: 'ServerCreationRequested', data: {} })], 'no_stream');
    await expect(index.waitFor(position, 1000)).resolves.toBe(true);
    expect(index.position).toBe(position);
  });

  it('counts a store head read before catch-up as reached', async () => {
    const { position } = await store.append('server-s1', [ev({ type: 'ServerCreationRequested', data: {} })], 'no_stream');
    index = new TokenIndex(store, { clock: () => NOW, probeIntervalMs: 60_000 });
    await index.start();
    await expect(index.waitFor(position, 10)).resolves.toBe(true);
  });

  it("does not pass another context's position while an identity event below it is undelivered", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const subscribe = store.subscribeToAll.bind(store);
    // Holds live delivery back, as a slow subscription would.
    jest.spyOn(store, 'subscribeToAll').mockImplementation(async function* (opts) {
      for await (const event of subscribe(opts)) {
        await gate;
        yield event;
      }
    });
    index = new TokenIndex(store, { clock: () => NOW, probeIntervalMs: 5 });
    await index.start();
    const token = await issue(store);
    const { position } = await store.append('server-s1', [ev({ type: 'ServerCreationRequested', data: {} })], 'no_stream');
    await expect(index.waitFor(position, 50)).resolves.toBe(false);
    expect(index.validate(token.value)).toEqual({ valid: false, reason: 'unknown' });
    open();
    await expect(index.waitFor(position, 1000)).resolves.toBe(true);
    expect(index.validate(token.value).valid).toBe(true);
  });

  it('times out on a position the store has not reached', async () => {
    index = new TokenIndex(store, { clock: () => NOW, probeIntervalMs: 5 });
    await index.start();
    await expect(index.waitFor('99999999999999999999', 30)).resolves.toBe(false);
  });

  it('releases pending waits on close', async () => {
    index = new TokenIndex(store, { clock: () => NOW, probeIntervalMs: 60_000 });
    await index.start();
    const pending = index.waitFor('99999999999999999999', 60_000);
    await index.close();
    await expect(pending).resolves.toBe(false);
  });
});
