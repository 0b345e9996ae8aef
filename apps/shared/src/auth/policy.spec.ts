import { TokenContext } from '../../../../infra/identity/identity-model';
import { PolicyDenied } from './auth-errors';
import { hasRole, mayUseSubjectToken, requireAdmin, requireProjectReader } from './policy';
import { actorOf, commandMetadata } from './request-context';

function token(roles: string[], projectId = 'p1'): TokenContext {
  return {
    tokenId: 't1',
    user: { id: 'u1', name: 'u1', domain: { id: 'default', name: 'Default' } },
    scope: { type: 'project', project: { id: projectId, name: projectId, domain: { id: 'default', name: 'Default' } } },
    roles: roles.map((name) => ({ id: `${name}-id`, name })),
    methods: ['password'],
    issuedAt: '2026-11-25T09:00:00.000Z',
    expiresAt: '2026-11-25T10:00:00.000Z',
    auditIds: ['a'],
  };
}

describe('policy (admin ⊃ member ⊃ reader)', () => {
  it('lets a higher role satisfy a lower one even without implied roles on the token', () => {
    expect(hasRole(token(['admin']), 'reader')).toBe(true);
    expect(hasRole(token(['member']), 'reader')).toBe(true);
    expect(hasRole(token(['reader']), 'member')).toBe(false);
    expect(hasRole(token(['custom']), 'reader')).toBe(false);
  });

  it('refuses a member an admin rule with the rule named in the message', () => {
    expect(() => requireAdmin(token(['member', 'reader']), 'identity:create_project')).toThrow(
      new PolicyDenied('identity:create_project'),
    );
    expect(() => requireAdmin(token(['admin']), 'identity:create_project')).not.toThrow();
  });

  it('lets a reader read its own project and no other', () => {
    expect(() => requireProjectReader(token(['reader']), 'p1', 'identity:get_project')).not.toThrow();
    expect(() => requireProjectReader(token(['reader']), 'p2', 'identity:get_project')).toThrow(PolicyDenied);
    expect(() => requireProjectReader(token(['admin']), 'p2', 'identity:get_project')).not.toThrow();
  });
});

describe('request context → command metadata', () => {
  it('takes the request id, the actor from the token and the time given', () => {
    const meta = commandMetadata({ id: 'req-6f1f7b5e-4d8a-4c3e-9a2b-1c0d9e8f7a6b' }, token(['admin']), new Date('2026-11-25T09:30:00Z'));
    expect(meta).toEqual({
      requestId: 'req-6f1f7b5e-4d8a-4c3e-9a2b-1c0d9e8f7a6b',
      correlationId: '6f1f7b5e-4d8a-4c3e-9a2b-1c0d9e8f7a6b',
      causationId: 'req-6f1f7b5e-4d8a-4c3e-9a2b-1c0d9e8f7a6b',
      actor: { userId: 'u1', projectId: 'p1', domainId: 'default', roles: ['admin'] },
      now: '2026-11-25T09:30:00.000Z',
    });
  });

  it('uses the system actor without a token', () => {
    expect(actorOf(null)).toEqual({ userId: null, projectId: null, domainId: null, roles: ['system'] });
  });
});

describe('token policies (keystone/common/policies/token.py)', () => {
  const other = (roles: string[]): TokenContext => ({ ...token(roles), user: { id: 'u2', name: 'u2', domain: { id: 'default', name: 'Default' } } });
  const system = (roles: string[]): TokenContext => ({ ...other(roles), scope: { type: 'system', system: 'all' } });

  it('lets the token subject check, validate and revoke their own token, whatever their roles', () => {
    for (const rule of ['identity:check_token', 'identity:validate_token', 'identity:revoke_token'] as const) expect(mayUseSubjectToken(token([]), token(['member']), rule)).toBe(true);
  });

  it("refuses another member a user's token, and lets an admin do anything", () => {
    expect(mayUseSubjectToken(other(['member']), token([]), 'identity:validate_token')).toBe(false);
    expect(mayUseSubjectToken(other(['admin']), token([]), 'identity:revoke_token')).toBe(true);
  });

  it('lets a system reader check and validate but not revoke', () => {
    expect(mayUseSubjectToken(system(['reader']), token([]), 'identity:check_token')).toBe(true);
    expect(mayUseSubjectToken(system(['reader']), token([]), 'identity:validate_token')).toBe(true);
    expect(mayUseSubjectToken(system(['reader']), token([]), 'identity:revoke_token')).toBe(false);
  });
});
