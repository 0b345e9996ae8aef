import { hasRole, isAdmin, scopedProjectId, TokenContext } from '../../../shared/src/auth';
import { AUDITOR_ROLE_NAME } from '../../../shared/src/identity-bootstrap';

/** The `auditor` role reads every resource's history and the whole audit trail, and changes nothing. */
export const isAuditor = (token: TokenContext) => token.roles.some((r) => r.name === AUDITOR_ROLE_NAME);

/**
 * What a token may read of the audit trail: `all` for admins and auditors (cloud-wide, as Keystone's
 * admin role is), one project for a reader of it, nothing otherwise.
 */
export type AuditScope = { kind: 'all' } | { kind: 'project'; projectId: string } | { kind: 'none' };

export function auditScope(token: TokenContext): AuditScope {
  if (isAdmin(token) || isAuditor(token)) return { kind: 'all' };
  const projectId = scopedProjectId(token);
  if (projectId !== null && hasRole(token, 'reader')) return { kind: 'project', projectId };
  return { kind: 'none' };
}

/**
 * Fields the services show only to admins: Nova's OS-EXT-SRV-ATTR (host, node, instance name,
 * hostname, reservation, launch index, user data) and where a server was claimed or moved;
 * Glance's image locations. A project reader reading its own resources' history sees them masked.
 */
const ADMIN_ONLY_FIELDS = new Set([
  'userData',
  'host',
  'node',
  'instanceName',
  'hostname',
  'reservationId',
  'launchIndex',
  'claimId',
  'claims',
  'sourceHost',
  'sourceNode',
  'sourceClaimId',
  'destHost',
  'destNode',
  'destClaimId',
  'previousHost',
  'releasedHost',
  'releasedClaimId',
  'blobKey',
  'locations',
  'uploader',
]);

/** What a scope may see of a field, by name: everything for admins and auditors, no admin-only field for readers. */
export function hiddenFrom(scope: AuditScope): (key: string) => boolean {
  return scope.kind === 'all' ? () => false : (key) => ADMIN_ONLY_FIELDS.has(key);
}
