import { RoleAssignment } from '../../domain/identity';
import { foldStrictly, IdentityScenario, rowsOf } from '../../test/projections/identity-scenario';
import { identityAssignmentsProjection as projection, ROLE_ASSIGNMENTS_TABLE, ROLE_IMPLICATIONS_TABLE, ROLES_TABLE } from './assignments';

function defaultRoles(s: IdentityScenario) {
  return {
    admin: s.add('RoleCreated', { roleId: 'r-admin', name: 'admin', domainId: null, description: null, options: { immutable: true } }),
    member: s.add('RoleCreated', { roleId: 'r-member', name: 'Member', domainId: null, description: 'project member', options: {} }),
    reader: s.add('RoleCreated', { roleId: 'r-reader', name: 'reader', domainId: null, description: null, options: {} }),
  };
}

const aliceMemberOfP1: RoleAssignment = { actorType: 'user', actorId: 'u1', targetType: 'project', targetId: 'p1', roleId: 'r-member', inherited: false };
const KEY = 'actor=user:u1|target=project:p1|role=r-member|inherited=false';

describe('identity_assignments projection', () => {
  describe('roles', () => {
    it('records global and domain-specific roles', () => {
      const s = new IdentityScenario();
      const { admin } = defaultRoles(s);
      const local = s.add('RoleCreated', { roleId: 'r-ops', name: 'Ops', domainId: 'd1', description: 'operators', options: {} });
      const rows = foldStrictly(projection, s.recorded());
      expect(rows.get(ROLES_TABLE, 'r-admin')).toEqual({
        id: 'r-admin',
        name: 'admin',
        name_key: 'admin',
        domain_id: null,
        description: null,
        options: { immutable: true },
        created_at: admin,
        updated_at: admin,
        stream_version: 0,
      });
      expect(rows.get(ROLES_TABLE, 'r-ops')).toEqual({
        id: 'r-ops',
        name: 'Ops',
        name_key: 'ops',
        domain_id: 'd1',
        description: 'operators',
        options: {},
        created_at: local,
        updated_at: local,
        stream_version: 0,
      });
    });

    it('changes only the fields an update carries', () => {
      const s = new IdentityScenario();
      const { member } = defaultRoles(s);
      const updated = s.add('RoleUpdated', { roleId: 'r-member', name: 'member', description: null });
      const rows = foldStrictly(projection, s.recorded());
      expect(rows.get(ROLES_TABLE, 'r-member')).toEqual({
        id: 'r-member',
        name: 'member',
        name_key: 'member',
        domain_id: null,
        description: null,
        options: {},
        created_at: member,
        updated_at: updated,
        stream_version: 1,
      });
    });

    it('removes a deleted role', () => {
      const s = new IdentityScenario();
      defaultRoles(s);
      s.add('RoleDeleted', { roleId: 'r-reader', name: 'reader', domainId: null });
      const rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, ROLES_TABLE).map((r) => r.id)).toEqual(['r-admin', 'r-member']);
    });
  });

  describe('implied roles', () => {
    it('adds and removes implications', () => {
      const s = new IdentityScenario();
      defaultRoles(s);
      const adminImpliesMember = s.add('RoleImplicationAdded', { priorRoleId: 'r-admin', impliedRoleId: 'r-member' });
      const memberImpliesReader = s.add('RoleImplicationAdded', { priorRoleId: 'r-member', impliedRoleId: 'r-reader' });
      s.add('RoleImplicationAdded', { priorRoleId: 'r-admin', impliedRoleId: 'r-reader' });
      let rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, ROLE_IMPLICATIONS_TABLE)).toHaveLength(3);

      s.add('RoleImplicationRemoved', { priorRoleId: 'r-admin', impliedRoleId: 'r-reader' });
      rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, ROLE_IMPLICATIONS_TABLE)).toEqual([
        { key: 'r-admin|r-member', prior_role_id: 'r-admin', implied_role_id: 'r-member', created_at: adminImpliesMember },
        { key: 'r-member|r-reader', prior_role_id: 'r-member', implied_role_id: 'r-reader', created_at: memberImpliesReader },
      ]);
    });

    it('names the implication row by prior|implied', () => {
      const s = new IdentityScenario();
      s.add('RoleImplicationAdded', { priorRoleId: 'r-admin', impliedRoleId: 'r-member' });
      expect(projection.rowsFor(s.recorded()[0])).toEqual([{ table: ROLE_IMPLICATIONS_TABLE, key: 'r-admin|r-member' }]);
    });
  });

  describe('role assignments', () => {
    it('records an assignment under its canonical key', () => {
      const s = new IdentityScenario();
      defaultRoles(s);
      const assigned = s.add('RoleAssigned', aliceMemberOfP1);
      const recorded = s.recorded();
      expect(projection.rowsFor(recorded[recorded.length - 1])).toEqual([{ table: ROLE_ASSIGNMENTS_TABLE, key: KEY }]);
      const rows = foldStrictly(projection, recorded);
      expect(rowsOf(rows, ROLE_ASSIGNMENTS_TABLE)).toEqual([
        { key: KEY, actor_type: 'user', actor_id: 'u1', target_type: 'project', target_id: 'p1', role_id: 'r-member', inherited: false, created_at: assigned },
      ]);
    });

    it('keeps group, domain, inherited and system grants apart and removes only the one unassigned', () => {
      const s = new IdentityScenario();
      defaultRoles(s);
      s.add('RoleAssigned', aliceMemberOfP1);
      s.add('RoleAssigned', { ...aliceMemberOfP1, inherited: true });
      s.add('RoleAssigned', { actorType: 'group', actorId: 'g1', targetType: 'domain', targetId: 'd1', roleId: 'r-reader', inherited: true });
      const system = s.add('RoleAssigned', { actorType: 'user', actorId: 'admin', targetType: 'system', targetId: 'all', roleId: 'r-admin', inherited: false });
      s.add('RoleUnassigned', aliceMemberOfP1);
      const rows = foldStrictly(projection, s.recorded());
      expect(rowsOf(rows, ROLE_ASSIGNMENTS_TABLE).map((r) => r.key)).toEqual([
        'actor=user:u1|target=project:p1|role=r-member|inherited=true',
        'actor=group:g1|target=domain:d1|role=r-reader|inherited=true',
        'actor=user:admin|target=system:all|role=r-admin|inherited=false',
      ]);
      expect(rows.get(ROLE_ASSIGNMENTS_TABLE, 'actor=user:admin|target=system:all|role=r-admin|inherited=false')).toEqual({
        key: 'actor=user:admin|target=system:all|role=r-admin|inherited=false',
        actor_type: 'user',
        actor_id: 'admin',
        target_type: 'system',
        target_id: 'all',
        role_id: 'r-admin',
        inherited: false,
        created_at: system,
      });
    });

    it('records a grant again after it was revoked', () => {
      const s = new IdentityScenario();
      s.add('RoleAssigned', aliceMemberOfP1);
      s.add('RoleUnassigned', aliceMemberOfP1);
      const again = s.add('RoleAssigned', aliceMemberOfP1);
      const rows = foldStrictly(projection, s.recorded());
      expect(rows.get(ROLE_ASSIGNMENTS_TABLE, KEY)).toMatchObject({ created_at: again });
    });

    it('keeps the assignments of a deleted role: RoleDeleted does not list them', () => {
      const s = new IdentityScenario();
      defaultRoles(s);
      s.add('RoleAssigned', aliceMemberOfP1);
      s.add('RoleImplicationAdded', { priorRoleId: 'r-admin', impliedRoleId: 'r-member' });
      s.add('RoleDeleted', { roleId: 'r-member', name: 'Member', domainId: null });
      const rows = foldStrictly(projection, s.recorded());
      expect(rows.get(ROLES_TABLE, 'r-member')).toBeUndefined();
      // Readers join on identity_roles; the cascade belongs to the write side (see the report).
      expect(rows.get(ROLE_ASSIGNMENTS_TABLE, KEY)).toBeDefined();
      expect(rows.get(ROLE_IMPLICATIONS_TABLE, 'r-admin|r-member')).toBeDefined();
    });
  });
});
