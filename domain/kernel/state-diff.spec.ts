import { diffStates, maskFields, redactSecrets, summarizeChanges } from './state-diff';

describe('state diff for auditors', () => {
  it('lists changed, added and removed leaves by dotted path', () => {
    const before = { status: 'live', server: { name: 'a', vmState: 'building', fault: null, meta: { k: '1' } } };
    const after = { status: 'live', server: { name: 'a', vmState: 'active', fault: { code: 500 }, meta: {} } };
    expect(diffStates(before, after)).toEqual([
      { field: 'server.vmState', before: 'building', after: 'active', kind: 'changed' },
      { field: 'server.fault.code', before: null, after: 500, kind: 'added' },
      { field: 'server.meta.k', before: '1', after: null, kind: 'removed' },
    ]);
  });

  it('compares arrays whole and skips unchanged subtrees', () => {
    const shared = { big: [1, 2, 3] };
    expect(diffStates({ s: shared, tags: ['x'] }, { s: shared, tags: ['x', 'y'] })).toEqual([{ field: 'tags', before: ['x'], after: ['x', 'y'], kind: 'changed' }]);
    expect(diffStates({ tags: ['x'] }, { tags: ['x'] })).toEqual([]);
  });

  it('masks secrets but still says that they changed', () => {
    const changes = diffStates({ user: { passwordHash: 'scrypt$1' } }, { user: { passwordHash: 'scrypt$2' } });
    expect(changes).toEqual([{ field: 'user.passwordHash', before: '***', after: '***', kind: 'changed' }]);
    expect(diffStates({}, { credential: { secret: { a: 'b' } } })).toEqual([{ field: 'credential.secret.a', before: null, after: '***', kind: 'added' }]);
    expect(redactSecrets({ user: { name: 'u', passwordHash: 'h', tokenHash: 't', password: null }, list: [{ secretHash: 's' }] })).toEqual({
      user: { name: 'u', passwordHash: '***', tokenHash: '***', password: null },
      list: [{ secretHash: '***' }],
    });
  });

  it('redacts secrets at any depth without touching its input, and shares what it does not mask', () => {
    const input = { name: 'alice', auth: { passwordHash: '$argon2id$x', methods: ['password'] }, keys: [{ privateKey: 'k', name: 'a' }, { name: 'b' }], extra: { a: 1 } };
    const snapshot = JSON.parse(JSON.stringify(input));
    const out = redactSecrets(input);
    expect(out).toEqual({ name: 'alice', auth: { passwordHash: '***', methods: ['password'] }, keys: [{ privateKey: '***', name: 'a' }, { name: 'b' }], extra: { a: 1 } });
    expect(input).toEqual(snapshot);
    expect(out.extra).toBe(input.extra);
    expect(out.auth.methods).toBe(input.auth.methods);
    expect(out.keys[1]).toBe(input.keys[1]);
    const clean = { id: 'x', nested: { list: [1, { a: null }] }, secret: null };
    expect(redactSecrets(clean)).toBe(clean);
    expect(maskFields({ host: 'h1', name: 'vm' }, (k) => k === 'host')).toEqual({ host: '***', name: 'vm' });
  });

  it('summarizes in one line', () => {
    const changes = diffStates({ a: 1, b: 'x', c: null, d: 1, e: 1 }, { a: 2, b: 'y', c: 'z', d: 2, e: 2 });
    expect(summarizeChanges(changes, 2)).toBe('a: 1 → 2, b: x → y, +3 more');
    expect(summarizeChanges([])).toBe('no change to the state');
  });
});
