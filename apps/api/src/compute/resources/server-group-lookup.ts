import { Injectable } from '@nestjs/common';
import { ServerGroupPolicy } from '../../../../../domain/compute/server-group';
import { ServerGroupRow, SERVER_GROUPS_TABLE } from '../../../../../projections/compute/server-groups';
import { ResourceReads } from './resource-reads';

/** A server group as the server API and the scheduler need it. */
export interface ServerGroupView {
  id: string;
  name: string;
  policy: ServerGroupPolicy;
  rules: { max_server_per_host?: number };
  members: string[];
  projectId: string;
  userId: string;
}

/** Reads server groups for the server API (scheduler hints `group`). */
@Injectable()
export class ServerGroupLookup {
  constructor(private readonly reads: ResourceReads) {}

  async row(groupId: string): Promise<ServerGroupRow | null> {
    return this.reads.one<ServerGroupRow>(SERVER_GROUPS_TABLE, `SELECT * FROM rm.${SERVER_GROUPS_TABLE} WHERE id = $1`, [groupId]);
  }

  async group(groupId: string): Promise<ServerGroupView | null> {
    const r = await this.row(groupId);
    return r && { id: r.id, name: r.name, policy: r.policy, rules: r.rules, members: r.members, projectId: r.project_id, userId: r.user_id };
  }
}
