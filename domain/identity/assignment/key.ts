import { RoleAssignment } from './events';

export const SYSTEM_TARGET_ID = 'all';

/**
 * Canonical text of an assignment; infra hashes it into the uuid of `assignment-<uuid>` so that
 * the same grant always lands on the same stream. Keystone ids never contain '|' or '='.
 */
export function assignmentKey(a: RoleAssignment): string {
  return [
    `actor=${a.actorType}:${a.actorId}`,
    `target=${a.targetType}:${a.targetId}`,
    `role=${a.roleId}`,
    `inherited=${a.inherited ? 'true' : 'false'}`,
  ].join('|');
}
