import { ServerGroupEvent, ServerGroupPolicy } from '../../domain/compute/server-group';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, created, getRow, table, touched, Tracked, TRACKED_COLUMNS } from '../kernel/rows';

export const SERVER_GROUPS_TABLE = 'compute_server_groups';

/** A server group (os-server-groups) with its members; a deleted group leaves the read model. */
export type ServerGroupRow = Tracked & {
  id: string;
  name: string;
  policy: ServerGroupPolicy;
  rules: { max_server_per_host?: number };
  project_id: string;
  user_id: string;
  /** Server ids in the order they joined. */
  members: string[];
};

export const SERVER_GROUP_EVENT_TYPES: ServerGroupEvent['type'][] = ['ServerGroupCreated', 'ServerGroupMemberAdded', 'ServerGroupMemberRemoved', 'ServerGroupDeleted'];

/** A server's deletion, from the server's own stream: it leaves its group at once, as Nova's instance_destroy removes the membership with the instance. */
type ServerLeft = { type: 'ServerDeleted'; data: { serverId: string; serverGroupId: string | null } };

export const computeServerGroupsProjection: Projection = {
  name: SERVER_GROUPS_TABLE,
  // 2: a deleted server leaves its group with the ServerDeleted event (was: only when the conductor's removal came).
  version: 2,
  eventTypes: [...SERVER_GROUP_EVENT_TYPES, 'ServerDeleted'],
  tables: [
    table<ServerGroupRow>({
      name: SERVER_GROUPS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        name: { type: 'text' },
        policy: { type: 'text' },
        rules: { type: 'jsonb' },
        project_id: { type: 'text' },
        user_id: { type: 'text' },
        members: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['project_id'], ['created_at']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    if (event.type === 'ServerDeleted') {
      const group = (event.data as ServerLeft['data']).serverGroupId;
      return group ? [{ table: SERVER_GROUPS_TABLE, key: group }] : [];
    }
    return [{ table: SERVER_GROUPS_TABLE, key: (event.data as { groupId: string }).groupId }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    if (event.type === 'ServerDeleted') {
      // Another stream's event: the row's stream_version (its group stream's) says nothing about it; the removal is idempotent.
      const { serverId, serverGroupId } = (event as unknown as ServerLeft).data;
      const group = serverGroupId ? getRow<ServerGroupRow>(rows, SERVER_GROUPS_TABLE, serverGroupId) : undefined;
      if (group?.members.includes(serverId)) rows.put(SERVER_GROUPS_TABLE, { ...group, members: group.members.filter((m) => m !== serverId) });
      return;
    }
    const e = event as unknown as ServerGroupEvent;
    const row = getRow<ServerGroupRow>(rows, SERVER_GROUPS_TABLE, e.data.groupId);
    if (e.type === 'ServerGroupCreated') {
      if (alreadyApplied(row, event)) return;
      const d = e.data;
      rows.put(SERVER_GROUPS_TABLE, { id: d.groupId, name: d.name, policy: d.policy, rules: d.rules, project_id: d.projectId, user_id: d.userId, members: [], ...created(event) } satisfies ServerGroupRow);
      return;
    }
    if (!row || alreadyApplied(row, event)) return;
    switch (e.type) {
      case 'ServerGroupMemberAdded':
        rows.put(SERVER_GROUPS_TABLE, { ...row, members: row.members.includes(e.data.serverId) ? row.members : [...row.members, e.data.serverId], ...touched(event) });
        return;
      case 'ServerGroupMemberRemoved':
        rows.put(SERVER_GROUPS_TABLE, { ...row, members: row.members.filter((m) => m !== e.data.serverId), ...touched(event) });
        return;
      case 'ServerGroupDeleted':
        rows.delete(SERVER_GROUPS_TABLE, e.data.groupId);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
