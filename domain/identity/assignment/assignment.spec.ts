import { Forbidden, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { AssignmentCommand, assignmentDecider, AssignmentEvent, assignmentKey, RoleAssignment } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(assignmentDecider);

const grant: RoleAssignment = { actorType: 'user', actorId: 'u1', targetType: 'project', targetId: 'p1', roleId: 'r-member', inherited: false };
const assign = (a: Partial<RoleAssignment> = {}): AssignmentCommand => ({ type: 'AssignRole', data: { ...grant, ...a }, metadata });
const unassign = (a: Partial<RoleAssignment> = {}): AssignmentCommand => ({ type: 'UnassignRole', data: { ...grant, ...a }, metadata });
const assigned = (a: Partial<RoleAssignment> = {}): AssignmentEvent => ({ type: 'RoleAssigned', data: { ...grant, ...a } });
const unassigned: AssignmentEvent = { type: 'RoleUnassigned', data: grant };

describe('role assignment', () => {
  describe('when absent', () => {
    it('assigns the role', () => {
      spec.given([]).when(assign()).then([assigned()]);
    });

    it('assigns a group an inherited role on a domain', () => {
      const a = { actorType: 'group', actorId: 'g1', targetType: 'domain', targetId: 'd1', inherited: true } as const;
      spec.given([]).when(assign(a)).then([assigned(a)]);
    });

    it('assigns a system role on all', () => {
      spec.given([]).when(assign({ targetType: 'system', targetId: 'all' })).then([assigned({ targetType: 'system', targetId: 'all' })]);
    });

    it('rejects a system target other than all', () => {
      spec.given([]).when(assign({ targetType: 'system', targetId: 'p1' })).thenThrows(InvalidInput);
    });

    it('rejects an inherited system assignment', () => {
      spec.given([]).when(assign({ targetType: 'system', targetId: 'all', inherited: true })).thenThrows(InvalidInput);
    });

    it('rejects an unknown actor type', () => {
      spec.given([]).when(assign({ actorType: 'robot' as never })).thenThrows(InvalidInput);
    });

    it('rejects an empty role id', () => {
      spec.given([]).when(assign({ roleId: '' })).thenThrows(InvalidInput);
    });

    it('assigns a domain-specific role on a project of its domain, recording only the grant', () => {
      const command: AssignmentCommand = { type: 'AssignRole', data: { ...grant, context: { roleDomainId: 'd1', projectDomainId: 'd1' } }, metadata };
      spec.given([]).when(command).then([assigned()]);
    });

    it('forbids a domain-specific role on a project of another domain (DomainSpecificRoleMismatch)', () => {
      const command: AssignmentCommand = { type: 'AssignRole', data: { ...grant, context: { roleDomainId: 'd1', projectDomainId: 'd2' } }, metadata };
      spec.given([]).when(command).thenThrows(Forbidden, (e) => expect(e.message).toBe('Project p1 must be in the same domain as the role r-member being assigned.'));
    });

    it('rejects a domain-specific role on the system', () => {
      const command: AssignmentCommand = { type: 'AssignRole', data: { ...grant, targetType: 'system', targetId: 'all', context: { roleDomainId: 'd1' } }, metadata };
      spec.given([]).when(command).thenThrows(InvalidInput, (e) => expect(e.message).toMatch(/^Role r-member is a domain-specific role/));
    });

    it('answers NotFound to an unassign, worded as Keystone does', () => {
      spec
        .given([])
        .when(unassign())
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Could not find role assignment with role: r-member, user or group: u1, project, domain, or system: p1.'));
    });
  });

  describe('when assigned', () => {
    it('does nothing when assigned again', () => {
      spec.given([assigned()]).when(assign()).thenNothingHappens();
    });

    it('unassigns the role', () => {
      spec.given([assigned()]).when(unassign()).then([unassigned]);
    });
  });

  describe('when unassigned', () => {
    it('assigns the role again', () => {
      spec.given([assigned(), unassigned]).when(assign()).then([assigned()]);
    });

    it('answers NotFound to a second unassign', () => {
      spec.given([assigned(), unassigned]).when(unassign()).thenThrows(NotFound);
    });
  });

  describe('assignmentKey', () => {
    it('is the same text for the same grant whatever the field order', () => {
      const reordered: RoleAssignment = { inherited: false, roleId: 'r-member', targetId: 'p1', targetType: 'project', actorId: 'u1', actorType: 'user' };
      expect(assignmentKey(reordered)).toBe(assignmentKey(grant));
    });

    it('spells out every field', () => {
      expect(assignmentKey(grant)).toBe('actor=user:u1|target=project:p1|role=r-member|inherited=false');
    });

    it('tells an inherited grant from a direct one', () => {
      expect(assignmentKey({ ...grant, inherited: true })).not.toBe(assignmentKey(grant));
    });

    it('tells a user from a group with the same id', () => {
      expect(assignmentKey({ ...grant, actorType: 'group' })).not.toBe(assignmentKey(grant));
    });
  });
});
