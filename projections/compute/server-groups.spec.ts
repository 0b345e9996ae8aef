import { recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { computeServerGroupsProjection, SERVER_GROUPS_TABLE } from './server-groups';

const created = { type: 'ServerGroupCreated', data: { groupId: 'g1', name: 'grp', policy: 'anti-affinity', rules: { max_server_per_host: 2 }, projectId: 'p1', userId: 'u1' } };
const member = (type: string, serverId: string) => ({ type, data: { groupId: 'g1', serverId } });
const rowOf = (events: Array<{ type: string; data: unknown }>) => projectInMemory(computeServerGroupsProjection, recordedStream('servergroup-g1', events)).get(SERVER_GROUPS_TABLE, 'g1');

describe('compute_server_groups projection', () => {
  it('keeps policy, rules, owner and members in order', () => {
    const row = rowOf([created, member('ServerGroupMemberAdded', 's1'), member('ServerGroupMemberAdded', 's2'), member('ServerGroupMemberRemoved', 's1')]);
    expect(row).toMatchObject({ id: 'g1', name: 'grp', policy: 'anti-affinity', rules: { max_server_per_host: 2 }, project_id: 'p1', user_id: 'u1', members: ['s2'] });
  });

  it("takes a deleted server out of its group with the server's own ServerDeleted, and the conductor's removal after it changes nothing", () => {
    const events = recordedStream('servergroup-g1', [created, member('ServerGroupMemberAdded', 's1'), member('ServerGroupMemberAdded', 's2')]);
    const deleted = recordedStream('server-s1', [{ type: 'ServerDeleted', data: { serverId: 's1', serverGroupId: 'g1' } }]).map((e) => ({ ...e, position: '00000000000000000010' }));
    const rows = projectInMemory(computeServerGroupsProjection, [...events, ...deleted]);
    expect(rows.get(SERVER_GROUPS_TABLE, 'g1')).toMatchObject({ members: ['s2'], stream_version: 2 });
    const removed = recordedStream('servergroup-g1', [created, member('ServerGroupMemberAdded', 's1'), member('ServerGroupMemberAdded', 's2'), member('ServerGroupMemberRemoved', 's1')]);
    const after = projectInMemory(computeServerGroupsProjection, [...events, ...deleted, removed[3]]);
    expect(after.get(SERVER_GROUPS_TABLE, 'g1')).toMatchObject({ members: ['s2'], stream_version: 3 });
  });

  it('drops a deleted group', () => {
    expect(rowOf([created, { type: 'ServerGroupDeleted', data: { groupId: 'g1', projectId: 'p1' } }])).toBeUndefined();
  });
});
