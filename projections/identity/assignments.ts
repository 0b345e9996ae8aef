import { ActorType, AssignmentEvent, assignmentKey, nameKey, ResourceOptions, RoleEvent, TargetType } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, changedColumns, created, getRow, pairKey, table, touched, Tracked, TRACKED_COLUMNS, withNameKey } from './rows';

export const ROLES_TABLE = 'identity_roles';
export const ROLE_IMPLICATIONS_TABLE = 'identity_role_implications';
export const ROLE_ASSIGNMENTS_TABLE = 'identity_role_assignments';

export type RoleRow = Tracked & {
  id: string;
  name: string;
  name_key: string;
  /** null for a global role. */
  domain_id: string | null;
  description: string | null;
  options: ResourceOptions;
};

/** Key `prior_role_id|implied_role_id`. */
export type RoleImplicationRow = {
  key: string;
  prior_role_id: string;
  implied_role_id: string;
  created_at: string;
};

/** Key `assignmentKey(...)`, the same canonical text the write side hashes into the assignment's stream name. */
export type RoleAssignmentRow = {
  key: string;
  actor_type: ActorType;
  actor_id: string;
  target_type: TargetType;
  /** `all` for the system target. */
  target_id: string;
  role_id: string;
  inherited: boolean;
  created_at: string;
};

type AssignmentsEvent = RoleEvent | AssignmentEvent;

export const ASSIGNMENTS_EVENT_TYPES: AssignmentsEvent['type'][] = [
  'RoleCreated',
  'RoleUpdated',
  'RoleDeleted',
  'RoleImplicationAdded',
  'RoleImplicationRemoved',
  'RoleAssigned',
  'RoleUnassigned',
];

/** Keystone's assignment backend: roles, implied roles and role assignments (GET /v3/role_assignments, grants). */
export const identityAssignmentsProjection: Projection = {
  name: 'identity_assignments',
  version: 1,
  eventTypes: ASSIGNMENTS_EVENT_TYPES,
  tables: [
    table<RoleRow>({
      name: ROLES_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        name: { type: 'text' },
        name_key: { type: 'text' },
        domain_id: { type: 'text', nullable: true },
        description: { type: 'text', nullable: true },
        options: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
      // GET /v3/roles?name= and ?domain_id= (global roles: domain_id IS NULL).
      indexes: [['domain_id', 'name_key'], ['name_key']],
    }),
    table<RoleImplicationRow>({
      name: ROLE_IMPLICATIONS_TABLE,
      primaryKey: 'key',
      columns: {
        key: { type: 'text' },
        prior_role_id: { type: 'text' },
        implied_role_id: { type: 'text' },
        created_at: { type: 'timestamptz' },
      },
      indexes: [['prior_role_id'], ['implied_role_id']],
    }),
    table<RoleAssignmentRow>({
      name: ROLE_ASSIGNMENTS_TABLE,
      primaryKey: 'key',
      columns: {
        key: { type: 'text' },
        actor_type: { type: 'text' },
        actor_id: { type: 'text' },
        target_type: { type: 'text' },
        target_id: { type: 'text' },
        role_id: { type: 'text' },
        inherited: { type: 'boolean' },
        created_at: { type: 'timestamptz' },
      },
      // role_assignments?user.id= / group.id= (with scope: the token's roles on a project), ?scope.*=, ?role.id=.
      indexes: [['actor_id', 'target_type', 'target_id'], ['target_type', 'target_id'], ['role_id']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const e = event as unknown as AssignmentsEvent;
    switch (e.type) {
      case 'RoleCreated':
      case 'RoleUpdated':
      case 'RoleDeleted':
        return [{ table: ROLES_TABLE, key: e.data.roleId }];
      case 'RoleImplicationAdded':
      case 'RoleImplicationRemoved':
        return [{ table: ROLE_IMPLICATIONS_TABLE, key: pairKey(e.data.priorRoleId, e.data.impliedRoleId) }];
      case 'RoleAssigned':
      case 'RoleUnassigned':
        return [{ table: ROLE_ASSIGNMENTS_TABLE, key: assignmentKey(e.data) }];
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as AssignmentsEvent;
    const at = event.metadata.occurredAt;
    switch (e.type) {
      case 'RoleCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<RoleRow>(rows, ROLES_TABLE, d.roleId), event)) return;
        rows.put(ROLES_TABLE, {
          id: d.roleId,
          name: d.name,
          name_key: nameKey(d.name),
          domain_id: d.domainId,
          description: d.description,
          options: d.options,
          ...created(event),
        } satisfies RoleRow);
        return;
      }
      case 'RoleUpdated': {
        const row = getRow<RoleRow>(rows, ROLES_TABLE, e.data.roleId);
        if (!row || alreadyApplied(row, event)) return;
        const changes = withNameKey(changedColumns(e.data, { name: 'name', description: 'description', options: 'options' }));
        rows.put(ROLES_TABLE, { ...row, ...changes, ...touched(event) });
        return;
      }
      case 'RoleDeleted':
        rows.delete(ROLES_TABLE, e.data.roleId);
        return;
      case 'RoleImplicationAdded': {
        const key = pairKey(e.data.priorRoleId, e.data.impliedRoleId);
        if (getRow<RoleImplicationRow>(rows, ROLE_IMPLICATIONS_TABLE, key)) return;
        rows.put(ROLE_IMPLICATIONS_TABLE, { key, prior_role_id: e.data.priorRoleId, implied_role_id: e.data.impliedRoleId, created_at: at } satisfies RoleImplicationRow);
        return;
      }
      case 'RoleImplicationRemoved':
        rows.delete(ROLE_IMPLICATIONS_TABLE, pairKey(e.data.priorRoleId, e.data.impliedRoleId));
        return;
      case 'RoleAssigned': {
        const d = e.data;
        const key = assignmentKey(d);
        if (getRow<RoleAssignmentRow>(rows, ROLE_ASSIGNMENTS_TABLE, key)) return;
        rows.put(ROLE_ASSIGNMENTS_TABLE, {
          key,
          actor_type: d.actorType,
          actor_id: d.actorId,
          target_type: d.targetType,
          target_id: d.targetId,
          role_id: d.roleId,
          inherited: d.inherited,
          created_at: at,
        } satisfies RoleAssignmentRow);
        return;
      }
      case 'RoleUnassigned':
        rows.delete(ROLE_ASSIGNMENTS_TABLE, assignmentKey(e.data));
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
