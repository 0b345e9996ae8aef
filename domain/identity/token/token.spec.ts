import { Conflict, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { IssueToken, TokenCommand, tokenDecider, TokenEvent, TokenIssued } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(tokenDecider);
const HASH = 'a'.repeat(64);
const EXPIRES = '2026-01-01T01:00:00.000Z';

const issueData: IssueToken['data'] = {
  tokenId: 't1',
  tokenHash: HASH,
  userId: 'u1',
  methods: ['password'],
  scope: { type: 'project', projectId: 'p1', domainId: 'default' },
  roleIds: ['r-member', 'r-reader'],
  expiresAt: EXPIRES,
  auditIds: ['audit-1'],
};
const issue = (data: Partial<IssueToken['data']> = {}): TokenCommand => ({ type: 'IssueToken', data: { ...issueData, ...data }, metadata });
const revoke = (now = FIXED_NOW, reason = 'logout'): TokenCommand => ({ type: 'RevokeToken', data: { tokenId: 't1', reason }, metadata: { ...metadata, now } });
const issued = (data: Partial<TokenIssued['data']> = {}): TokenEvent => ({ type: 'TokenIssued', data: { ...issueData, issuedAt: FIXED_NOW, ...data } });
const revoked: TokenEvent = { type: 'TokenRevoked', data: { tokenId: 't1', userId: 'u1', auditIds: ['audit-1'], reason: 'logout' } };

describe('token', () => {
  describe('when absent', () => {
    it('issues a project-scoped token stamped with the command time', () => {
      spec.given([]).when(issue()).then([issued()]);
    });

    it('issues an unscoped token without roles', () => {
      spec.given([]).when(issue({ scope: { type: 'unscoped' }, roleIds: [] })).then([issued({ scope: { type: 'unscoped' }, roleIds: [] })]);
    });

    it('issues a rescoped token from an application credential', () => {
      const extra = { methods: ['application_credential'], applicationCredentialId: 'ac1', parentAuditId: 'audit-0', auditIds: ['audit-1', 'audit-0'] };
      spec.given([]).when(issue(extra)).then([issued(extra)]);
    });

    it('issues a system-scoped token', () => {
      spec.given([]).when(issue({ scope: { type: 'system', system: 'all' } })).then([issued({ scope: { type: 'system', system: 'all' } })]);
    });

    it('rejects a token value where its hash belongs', () => {
      spec.given([]).when(issue({ tokenHash: 'gAAAAABraw-token-value' })).thenThrows(InvalidInput);
    });

    it('rejects an unscoped token with roles', () => {
      spec.given([]).when(issue({ scope: { type: 'unscoped' } })).thenThrows(InvalidInput);
    });

    it('rejects a scoped token without roles', () => {
      spec.given([]).when(issue({ roleIds: [] })).thenThrows(InvalidInput);
    });

    it('rejects a domain scope without a domain id', () => {
      spec.given([]).when(issue({ scope: { type: 'domain', domainId: '' } })).thenThrows(InvalidInput);
    });

    it('rejects a token that expires when it is issued', () => {
      spec.given([]).when(issue({ expiresAt: FIXED_NOW })).thenThrows(InvalidInput);
    });

    it('rejects a token without methods', () => {
      spec.given([]).when(issue({ methods: [] })).thenThrows(InvalidInput);
    });

    it('rejects a token without audit ids', () => {
      spec.given([]).when(issue({ auditIds: [] })).thenThrows(InvalidInput);
    });

    it('answers NotFound to a revocation', () => {
      spec.given([]).when(revoke()).thenThrows(NotFound);
    });
  });

  describe('when issued', () => {
    it('refuses a second issue with the same id', () => {
      spec.given([issued()]).when(issue()).thenThrows(Conflict);
    });

    it('revokes it, carrying the user and audit ids the revocation index needs', () => {
      spec.given([issued()]).when(revoke()).then([revoked]);
    });

    it('rejects a revocation without a reason', () => {
      spec.given([issued()]).when(revoke(FIXED_NOW, '')).thenThrows(InvalidInput);
    });

    it('answers NotFound once it has expired, as Keystone does', () => {
      spec.given([issued()]).when(revoke(EXPIRES)).thenThrows(NotFound);
    });
  });

  describe('when revoked', () => {
    it('answers NotFound to a second revocation', () => {
      spec.given([issued(), revoked]).when(revoke()).thenThrows(NotFound);
    });
  });
});
