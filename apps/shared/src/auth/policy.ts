import { TokenContext } from '../../../../infra/identity/identity-model';
import { PolicyDenied } from './auth-errors';

/** Keystone's default roles. Tokens already carry implied roles; the ladder also holds for a deployment that lost its implications. */
export type DefaultRole = 'admin' | 'member' | 'reader';
const GRANTS: Record<DefaultRole, readonly DefaultRole[]> = { admin: ['admin', 'member', 'reader'], member: ['member', 'reader'], reader: ['reader'] };

export function hasRole(token: TokenContext, role: DefaultRole): boolean {
  return token.roles.some((r) => (GRANTS[r.name as DefaultRole] ?? [r.name]).includes(role));
}

export const isAdmin = (token: TokenContext) => hasRole(token, 'admin');

/** The project a token is scoped to, or null. */
export function scopedProjectId(token: TokenContext): string | null {
  return token.scope.type === 'project' ? token.scope.project.id : null;
}

/**
 * One policy check: `allowed` is the rule's condition, evaluated by the caller from the token
 * (admin, same project, same user, ...); `rule` names it as Keystone does in its 403 message.
 */
export function authorize(rule: string, allowed: boolean): void {
  if (!allowed) throw new PolicyDenied(rule);
}

/** Keystone's `admin_required`, the default of every identity write. */
export function requireAdmin(token: TokenContext, rule: string): void {
  authorize(rule, isAdmin(token));
}

/** A reader (or better) of the given project, or an admin. */
export function requireProjectReader(token: TokenContext, projectId: string, rule: string): void {
  authorize(rule, isAdmin(token) || (scopedProjectId(token) === projectId && hasRole(token, 'reader')));
}

export type TokenRule = 'identity:check_token' | 'identity:validate_token' | 'identity:revoke_token';

/**
 * Keystone's token policies (keystone/common/policies/token.py): admin, or `(role:reader and
 * system_scope:all)` for check/validate, or `token_subject` — the subject token's user is the caller.
 */
export function mayUseSubjectToken(caller: TokenContext, subject: TokenContext, rule: TokenRule): boolean {
  if (isAdmin(caller) || subject.user.id === caller.user.id) return true;
  return rule !== 'identity:revoke_token' && caller.scope.type === 'system' && hasRole(caller, 'reader');
}
