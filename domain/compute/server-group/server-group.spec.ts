import { Conflict, NotFound, QuotaExceeded, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { ServerGroupCommand, ServerGroupCreated, serverGroupDecider, ServerGroupEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'req-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(serverGroupDecider);

const data: ServerGroupCreated['data'] = { groupId: 'g1', name: 'grp', policy: 'anti-affinity', rules: { max_server_per_host: 2 }, projectId: 'p1', userId: 'u1' };
const created: ServerGroupEvent = { type: 'ServerGroupCreated', data };
const added = (serverId: string): ServerGroupEvent => ({ type: 'ServerGroupMemberAdded', data: { groupId: 'g1', serverId } });
const add = (serverId: string, maxMembers = 10): ServerGroupCommand => ({ type: 'AddServerGroupMember', data: { groupId: 'g1', serverId, maxMembers }, metadata });
const removeMember = (serverId: string): ServerGroupCommand => ({ type: 'RemoveServerGroupMember', data: { groupId: 'g1', serverId }, metadata });
const remove: ServerGroupCommand = { type: 'DeleteServerGroup', data: { groupId: 'g1' }, metadata };
const deleted: ServerGroupEvent = { type: 'ServerGroupDeleted', data: { groupId: 'g1', projectId: 'p1' } };

describe('server group', () => {
  describe('when absent', () => {
    it('is created with its policy and rules', () => {
      spec.given([]).when({ type: 'CreateServerGroup', data, metadata }).then([created]);
    });

    it("refuses a delete or a member with Nova's InstanceGroupNotFound", () => {
      spec
        .given([])
        .when(remove)
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Instance group g1 could not be found.'));
      spec.given([]).when(add('s1')).thenThrows(NotFound);
    });
  });

  describe('when active', () => {
    it('refuses a second create', () => {
      spec.given([created]).when({ type: 'CreateServerGroup', data, metadata }).thenThrows(Conflict);
    });

    it('adds a member once', () => {
      spec.given([created]).when(add('s1')).then([added('s1')]);
      spec.given([created, added('s1')]).when(add('s1')).thenNothingHappens();
    });

    it('refuses a member beyond server_group_members', () => {
      spec
        .given([created, added('s1')])
        .when(add('s2', 1))
        .thenThrows(QuotaExceeded, (e) => expect(e.message).toBe('Quota exceeded, too many servers in group'));
      spec.given([created, added('s1')]).when(add('s2', -1)).then([added('s2')]);
    });

    it('removes a member, and ignores one it does not have', () => {
      spec.given([created, added('s1')]).when(removeMember('s1')).then([{ type: 'ServerGroupMemberRemoved', data: { groupId: 'g1', serverId: 's1' } }]);
      spec.given([created]).when(removeMember('s1')).thenNothingHappens();
    });

    it('is deleted', () => {
      spec.given([created]).when(remove).then([deleted]);
    });
  });

  describe('when deleted', () => {
    it('refuses another delete', () => {
      spec.given([created, deleted]).when(remove).thenThrows(NotFound);
    });
  });
});
