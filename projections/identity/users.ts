import { GroupEvent, nameKey, ResourceOptions, UserEvent } from '../../domain/identity';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { alreadyApplied, changedColumns, created, getRow, pairKey, table, touched, Tracked, TRACKED_COLUMNS, withNameKey } from './rows';

export const USERS_TABLE = 'identity_users';
/** Password hashes only: list and show read identity_users, which has no hash column, so they cannot leak one. */
export const USER_CREDENTIALS_TABLE = 'identity_user_credentials';
export const GROUPS_TABLE = 'identity_groups';
export const GROUP_MEMBERS_TABLE = 'identity_group_members';

export type UserRow = Tracked & {
  id: string;
  domain_id: string;
  name: string;
  name_key: string;
  enabled: boolean;
  default_project_id: string | null;
  description: string | null;
  email: string | null;
  options: ResourceOptions;
  /** Keystone derives it from `[security_compliance] password_expires_days`, which no event carries: the API computes it. */
  password_expires_at: string | null;
  password_created_at: string | null;
  /** Keystone's free-form `extra` attributes (e.g. `project_id`), returned flat with the user. */
  extra: Record<string, unknown>;
};

/** One row per user that has a password. */
export type UserCredentialRow = {
  user_id: string;
  password_hash: string;
  password_created_at: string;
};

export type GroupRow = Tracked & {
  id: string;
  domain_id: string;
  name: string;
  name_key: string;
  description: string;
};

/** Key `group_id|user_id`. */
export type GroupMemberRow = {
  key: string;
  group_id: string;
  user_id: string;
  created_at: string;
};

type UsersEvent = UserEvent | GroupEvent;

export const USERS_EVENT_TYPES: UsersEvent['type'][] = [
  'UserCreated',
  'UserUpdated',
  'UserEnabled',
  'UserDisabled',
  'UserPasswordChanged',
  'UserDeleted',
  'GroupCreated',
  'GroupUpdated',
  'GroupDeleted',
  'UserAddedToGroup',
  'UserRemovedFromGroup',
];

/** Keystone's identity backend: users (with their password hashes kept apart), groups and memberships. */
export const identityUsersProjection: Projection = {
  name: 'identity_users',
  version: 1,
  eventTypes: USERS_EVENT_TYPES,
  tables: [
    table<UserRow>({
      name: USERS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        domain_id: { type: 'text' },
        name: { type: 'text' },
        name_key: { type: 'text' },
        enabled: { type: 'boolean' },
        default_project_id: { type: 'text', nullable: true },
        description: { type: 'text', nullable: true },
        email: { type: 'text', nullable: true },
        options: { type: 'jsonb' },
        password_expires_at: { type: 'timestamptz', nullable: true },
        password_created_at: { type: 'timestamptz', nullable: true },
        extra: { type: 'jsonb' },
        ...TRACKED_COLUMNS,
      },
      // GET /v3/users?domain_id=&name= (the pair is unique; also the password-auth lookup), ?name= across domains.
      indexes: [['domain_id', 'name_key'], ['name_key']],
    }),
    table<UserCredentialRow>({
      name: USER_CREDENTIALS_TABLE,
      primaryKey: 'user_id',
      columns: {
        user_id: { type: 'text' },
        password_hash: { type: 'text' },
        password_created_at: { type: 'timestamptz' },
      },
    }),
    table<GroupRow>({
      name: GROUPS_TABLE,
      primaryKey: 'id',
      columns: {
        id: { type: 'text' },
        domain_id: { type: 'text' },
        name: { type: 'text' },
        name_key: { type: 'text' },
        description: { type: 'text' },
        ...TRACKED_COLUMNS,
      },
      indexes: [['domain_id', 'name_key'], ['name_key']],
    }),
    table<GroupMemberRow>({
      name: GROUP_MEMBERS_TABLE,
      primaryKey: 'key',
      columns: {
        key: { type: 'text' },
        group_id: { type: 'text' },
        user_id: { type: 'text' },
        created_at: { type: 'timestamptz' },
      },
      // GET /v3/groups/{id}/users and GET /v3/users/{id}/groups (also the token's group roles).
      indexes: [['group_id'], ['user_id']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const e = event as unknown as UsersEvent;
    switch (e.type) {
      case 'UserCreated':
      case 'UserPasswordChanged':
      case 'UserDeleted':
        return [
          { table: USERS_TABLE, key: e.data.userId },
          { table: USER_CREDENTIALS_TABLE, key: e.data.userId },
        ];
      case 'UserUpdated':
      case 'UserEnabled':
      case 'UserDisabled':
        return [{ table: USERS_TABLE, key: e.data.userId }];
      case 'GroupCreated':
      case 'GroupUpdated':
        return [{ table: GROUPS_TABLE, key: e.data.groupId }];
      case 'GroupDeleted':
        return [{ table: GROUPS_TABLE, key: e.data.groupId }, ...e.data.memberIds.map((userId) => ({ table: GROUP_MEMBERS_TABLE, key: pairKey(e.data.groupId, userId) }))];
      case 'UserAddedToGroup':
      case 'UserRemovedFromGroup':
        return [{ table: GROUP_MEMBERS_TABLE, key: pairKey(e.data.groupId, e.data.userId) }];
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as UsersEvent;
    const at = event.metadata.occurredAt;
    switch (e.type) {
      case 'UserCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<UserRow>(rows, USERS_TABLE, d.userId), event)) return;
        rows.put(USERS_TABLE, {
          id: d.userId,
          domain_id: d.domainId,
          name: d.name,
          name_key: nameKey(d.name),
          enabled: d.enabled,
          default_project_id: d.defaultProjectId,
          description: d.description,
          email: d.email ?? null,
          options: d.options,
          password_expires_at: null,
          password_created_at: d.passwordHash === null ? null : d.passwordCreatedAt,
          extra: d.extra ?? {},
          ...created(event),
        } satisfies UserRow);
        setPassword(rows, d.userId, d.passwordHash, d.passwordCreatedAt ?? at);
        return;
      }
      case 'UserUpdated':
        return updateUser(rows, event, e.data.userId, () =>
          withNameKey(changedColumns(e.data, { name: 'name', defaultProjectId: 'default_project_id', description: 'description', email: 'email', options: 'options', extra: 'extra' })),
        );
      case 'UserEnabled':
        return updateUser(rows, event, e.data.userId, () => ({ enabled: true }));
      case 'UserDisabled':
        return updateUser(rows, event, e.data.userId, () => ({ enabled: false }));
      case 'UserPasswordChanged': {
        const d = e.data;
        const user = getRow<UserRow>(rows, USERS_TABLE, d.userId);
        if (!user || alreadyApplied(user, event)) return;
        updateUser(rows, event, d.userId, () => ({ password_created_at: d.passwordHash === null ? null : d.changedAt }));
        setPassword(rows, d.userId, d.passwordHash, d.changedAt);
        return;
      }
      case 'UserDeleted':
        rows.delete(USERS_TABLE, e.data.userId);
        rows.delete(USER_CREDENTIALS_TABLE, e.data.userId);
        return;
      case 'GroupCreated': {
        const d = e.data;
        if (alreadyApplied(getRow<GroupRow>(rows, GROUPS_TABLE, d.groupId), event)) return;
        rows.put(GROUPS_TABLE, { id: d.groupId, domain_id: d.domainId, name: d.name, name_key: nameKey(d.name), description: d.description, ...created(event) } satisfies GroupRow);
        return;
      }
      case 'GroupUpdated': {
        const row = getRow<GroupRow>(rows, GROUPS_TABLE, e.data.groupId);
        if (!row || alreadyApplied(row, event)) return;
        rows.put(GROUPS_TABLE, { ...row, ...withNameKey(changedColumns(e.data, { name: 'name', description: 'description' })), ...touched(event) });
        return;
      }
      case 'GroupDeleted':
        rows.delete(GROUPS_TABLE, e.data.groupId);
        for (const userId of e.data.memberIds) rows.delete(GROUP_MEMBERS_TABLE, pairKey(e.data.groupId, userId));
        return;
      case 'UserAddedToGroup': {
        const key = pairKey(e.data.groupId, e.data.userId);
        if (getRow<GroupMemberRow>(rows, GROUP_MEMBERS_TABLE, key)) return;
        rows.put(GROUP_MEMBERS_TABLE, { key, group_id: e.data.groupId, user_id: e.data.userId, created_at: at } satisfies GroupMemberRow);
        return;
      }
      case 'UserRemovedFromGroup':
        rows.delete(GROUP_MEMBERS_TABLE, pairKey(e.data.groupId, e.data.userId));
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};

function updateUser(rows: RowAccess, event: RecordedEvent, userId: string, changes: () => Partial<UserRow>): void {
  const row = getRow<UserRow>(rows, USERS_TABLE, userId);
  if (!row || alreadyApplied(row, event)) return;
  rows.put(USERS_TABLE, { ...row, ...changes(), ...touched(event) });
}

function setPassword(rows: RowAccess, userId: string, passwordHash: string | null, createdAt: string): void {
  if (passwordHash === null) rows.delete(USER_CREDENTIALS_TABLE, userId);
  else rows.put(USER_CREDENTIALS_TABLE, { user_id: userId, password_hash: passwordHash, password_created_at: createdAt } satisfies UserCredentialRow);
}
