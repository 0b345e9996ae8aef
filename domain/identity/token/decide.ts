import { assertNever, Conflict, InvalidInput, NotFound } from '../../kernel';
import { requireInstant, requireNonEmpty } from '../validation';
import { IssueToken, RevokeToken, TokenCommand } from './commands';
import { TokenEvent, TokenScope } from './events';
import { TokenState } from './state';

const SHA256_HEX = /^[0-9a-f]{64}$/;

function requireScope(scope: TokenScope, roleIds: string[]): void {
  switch (scope.type) {
    case 'project':
      requireNonEmpty(scope.projectId, 'scope.project.id');
      break;
    case 'domain':
      requireNonEmpty(scope.domainId, 'scope.domain.id');
      break;
    case 'system':
      if (scope.system !== 'all') throw new InvalidInput("Invalid input for field 'scope.system': only 'all' exists.", { field: 'scope.system' });
      break;
    case 'unscoped':
      // An unscoped token carries no roles (Keystone api-ref, POST /v3/auth/tokens).
      if (roleIds.length > 0) throw new InvalidInput('An unscoped token carries no roles.', { field: 'roles' });
      return;
    default:
      assertNever(scope);
  }
  // Keystone refuses a scoped token without a role on the target (401), before this command exists.
  if (roleIds.length === 0) throw new InvalidInput('A scoped token needs at least one role.', { field: 'roles' });
}

export function issueToken(command: IssueToken, state: TokenState): TokenEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store token - Duplicate ID, ${d.tokenId}.`, { tokenId: d.tokenId });
  if (typeof d.tokenHash !== 'string' || !SHA256_HEX.test(d.tokenHash)) {
    throw new InvalidInput('The token hash must be a lowercase hex SHA-256.', { field: 'tokenHash' });
  }
  requireNonEmpty(d.userId, 'user_id');
  if (!Array.isArray(d.methods) || d.methods.length === 0) throw new InvalidInput('A token needs at least one authentication method.', { field: 'methods' });
  if (!Array.isArray(d.auditIds) || d.auditIds.length === 0) throw new InvalidInput('A token needs an audit id.', { field: 'audit_ids' });
  requireScope(d.scope, d.roleIds);
  const issuedAt = command.metadata.now;
  if (requireInstant(d.expiresAt, 'expires_at') <= requireInstant(issuedAt, 'issued_at')) {
    throw new InvalidInput('A token must expire after it is issued.', { field: 'expires_at' });
  }
  const { applicationCredentialId, parentAuditId, ...rest } = d;
  return [
    {
      type: 'TokenIssued',
      data: {
        ...rest,
        issuedAt,
        ...(applicationCredentialId !== undefined ? { applicationCredentialId } : {}),
        ...(parentAuditId !== undefined ? { parentAuditId } : {}),
      },
    },
  ];
}

export function revokeToken(command: RevokeToken, state: TokenState): TokenEvent[] {
  const { tokenId, reason } = command.data;
  requireNonEmpty(reason, 'reason');
  // Keystone validates the subject token first: revoked or expired tokens are 404 TokenNotFound.
  if (state.status !== 'issued' || Date.parse(state.token.expiresAt) <= requireInstant(command.metadata.now, 'now')) {
    throw new NotFound(`Could not find token: ${tokenId}.`, { tokenId });
  }
  return [{ type: 'TokenRevoked', data: { tokenId, userId: state.token.userId, auditIds: state.token.auditIds, reason } }];
}

export function decideToken(command: TokenCommand, state: TokenState): TokenEvent[] {
  switch (command.type) {
    case 'IssueToken':
      return issueToken(command, state);
    case 'RevokeToken':
      return revokeToken(command, state);
    default:
      return assertNever(command);
  }
}
