import { createHash } from 'node:crypto';
import { ServerEvent } from '../../domain/compute/server';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { getRow, pairKey, table } from '../kernel/rows';

export const MIGRATIONS_TABLE = 'compute_migrations';
/** The migration a server has open, so that each step finds it (a row only for servers that were resized). */
export const MIGRATION_SERVERS_TABLE = 'compute_migration_servers';
/** One row: the last migration id given (Nova's autoincrement key, here numbered in log order, so every rebuild numbers alike). */
export const MIGRATION_IDS_TABLE = 'compute_migration_ids';
const SEQUENCE = 'migrations';

/** Nova's migration statuses of a resize (nova/compute/manager.py, nova/conductor/tasks/migrate.py). */
export type MigrationStatus = 'pre-migrating' | 'migrating' | 'post-migrating' | 'finished' | 'confirmed' | 'reverting' | 'reverted' | 'error';

/** A migration record (os-migrations), one per resize. */
export type MigrationRow = {
  key: string;
  /** Nova's integer id: 1, 2, 3... in the order the resizes were asked for (the log's), so every rebuild gives the same. */
  id: number;
  uuid: string;
  instance_uuid: string;
  source_compute: string;
  source_node: string;
  dest_compute: string | null;
  dest_node: string | null;
  dest_host: string | null;
  /** Nova's internal flavor ids (the flavors table's keys), derived from the flavor ids. */
  old_instance_type_id: number | null;
  new_instance_type_id: number;
  status: MigrationStatus;
  /** 'migration' for a cold migration (the same flavor on another host). */
  migration_type: 'resize' | 'migration';
  /** Who asked for it (Nova records the request's user and project, shown from 2.80). */
  user_id: string | null;
  project_id: string | null;
  created_at: string;
  updated_at: string | null;
  stream_version: number;
};

/** A resized server: its open migration, and whether it is deleted (its migrations are then no longer listed). */
export type MigrationIdsRow = { key: string; last: number };
type MigrationServerRow = { server_id: string; open: MigrationRow | null; deleted: boolean; stream_version: number };

export const MIGRATION_EVENT_TYPES: ServerEvent['type'][] = [
  'ServerResizeRequested',
  'ServerResizeClaimed',
  'ServerMigratedOut',
  'ServerResized',
  'ServerResizeConfirmed',
  'ServerRevertResizeRequested',
  'ServerResizeReverted',
  'ServerActionFailed',
  'ServerDeleted',
];

const hex = (text: string) => createHash('sha1').update(text).digest('hex');

/** A stable positive integer for an id (Nova's database keys are integers). */
export const legacyId = (what: string, id: string): number => parseInt(hex(`${what}:${id}`).slice(0, 7), 16) + 1;

/** The migration's uuid: the request's own uuid when the order is a request id, else one derived from it. */
function migrationUuid(orderId: string): string {
  const m = /^req-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(orderId);
  if (m) return m[1];
  const h = hex(`migration:${orderId}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * os-migrations (Nova's migrations table) from the servers' streams: a resize opens a migration
 * (pre-migrating), the claim on the destination moves it (migrating), the agent's resize finishes it
 * (finished: VERIFY_RESIZE), and a confirm, a revert or a failure closes it. A server's deletion
 * marks its migrations deleted with it (nova/db/main/api.py `instance_destroy` soft-deletes them):
 * os-migrations no longer lists them, but a marker may still name one.
 */
export const computeMigrationsProjection: Projection = {
  name: MIGRATIONS_TABLE,
  // 2: a deleted server's migrations are marked (compute_migration_servers.deleted); ids numbered in log order (were hashes).
  version: 2,
  eventTypes: MIGRATION_EVENT_TYPES,
  tables: [
    table<MigrationRow>({
      name: MIGRATIONS_TABLE,
      primaryKey: 'key',
      columns: {
        key: { type: 'text' },
        id: { type: 'bigint' },
        uuid: { type: 'text' },
        instance_uuid: { type: 'text' },
        source_compute: { type: 'text' },
        source_node: { type: 'text' },
        dest_compute: { type: 'text', nullable: true },
        dest_node: { type: 'text', nullable: true },
        dest_host: { type: 'text', nullable: true },
        old_instance_type_id: { type: 'bigint', nullable: true },
        new_instance_type_id: { type: 'bigint' },
        status: { type: 'text' },
        migration_type: { type: 'text' },
        user_id: { type: 'text', nullable: true },
        project_id: { type: 'text', nullable: true },
        created_at: { type: 'timestamptz' },
        updated_at: { type: 'timestamptz', nullable: true },
        stream_version: { type: 'bigint' },
      },
      indexes: [['instance_uuid'], ['created_at'], ['uuid'], ['status'], ['source_compute'], ['dest_compute']],
    }),
    table<MigrationServerRow>({
      name: MIGRATION_SERVERS_TABLE,
      primaryKey: 'server_id',
      columns: { server_id: { type: 'text' }, open: { type: 'jsonb', nullable: true }, deleted: { type: 'boolean' }, stream_version: { type: 'bigint' } },
    }),
    table<MigrationIdsRow>({ name: MIGRATION_IDS_TABLE, primaryKey: 'key', columns: { key: { type: 'text' }, last: { type: 'bigint' } } }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    const server = { table: MIGRATION_SERVERS_TABLE, key: (event.data as { serverId: string }).serverId };
    return event.type === 'ServerResizeRequested' ? [server, { table: MIGRATION_IDS_TABLE, key: SEQUENCE }] : [server];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as ServerEvent;
    const serverId = (e.data as { serverId: string }).serverId;
    const version = Number(event.version);
    const server = getRow<MigrationServerRow>(rows, MIGRATION_SERVERS_TABLE, serverId);
    // Only a resize opens a migration: the other events of a server that never had one change nothing.
    if (!server && e.type !== 'ServerResizeRequested') return;
    // STYLE §7: an event of the server's stream at or before the row's version is applied already.
    if (server && server.stream_version >= version) return;
    const at = event.metadata.occurredAt;
    let open = server?.open ?? null;
    let deleted = server?.deleted ?? false;
    const step = (change: Partial<MigrationRow>, close = false) => {
      if (!open) return;
      const row: MigrationRow = { ...open, ...change, updated_at: at, stream_version: version };
      rows.put(MIGRATIONS_TABLE, row);
      open = close ? null : row;
    };
    switch (e.type) {
      case 'ServerResizeRequested': {
        const d = e.data;
        const uuid = migrationUuid(d.orderId);
        const actor = event.metadata.actor as { userId?: string; projectId?: string | null } | undefined;
        // Past the server row's version check: each resize takes one id, once.
        const id = (getRow<MigrationIdsRow>(rows, MIGRATION_IDS_TABLE, SEQUENCE)?.last ?? 0) + 1;
        rows.put(MIGRATION_IDS_TABLE, { key: SEQUENCE, last: id } satisfies MigrationIdsRow);
        open = {
          key: pairKey(serverId, d.orderId),
          id,
          uuid,
          instance_uuid: serverId,
          source_compute: d.host,
          source_node: d.host,
          dest_compute: null,
          dest_node: null,
          dest_host: null,
          old_instance_type_id: d.oldFlavorId === undefined ? null : legacyId('flavor', d.oldFlavorId),
          new_instance_type_id: legacyId('flavor', d.newFlavor.id),
          status: 'pre-migrating',
          migration_type: d.migration ? 'migration' : 'resize',
          user_id: actor?.userId ?? null,
          project_id: actor?.projectId ?? null,
          created_at: at,
          updated_at: null,
          stream_version: version,
        };
        rows.put(MIGRATIONS_TABLE, open);
        break;
      }
      case 'ServerResizeClaimed':
        step({ status: 'migrating', dest_compute: e.data.host, dest_node: e.data.node });
        break;
      case 'ServerMigratedOut':
        // nova/compute/manager.py `_resize_instance`: the source has let the guest go.
        step({ status: 'post-migrating' });
        break;
      case 'ServerResized':
        step({ status: 'finished', dest_compute: e.data.host, dest_node: e.data.node, old_instance_type_id: legacyId('flavor', e.data.oldFlavor.id) });
        break;
      case 'ServerResizeConfirmed':
        step({ status: 'confirmed' }, true);
        break;
      case 'ServerRevertResizeRequested':
        step({ status: 'reverting' });
        break;
      case 'ServerResizeReverted':
        step({ status: 'reverted' }, true);
        break;
      case 'ServerActionFailed':
        if (e.data.action === 'resize' || e.data.action === 'revertResize') step({ status: 'error' }, true);
        break;
      case 'ServerDeleted':
        // nova/compute/api.py `_confirm_resize_on_deleting`: a server deleted in VERIFY_RESIZE confirms its resize.
        // A migration in any other step is left as it was, as Nova leaves it.
        if (open?.status === 'finished') step({ status: 'confirmed' }, true);
        else open = null;
        deleted = true;
        break;
      default:
        return;
    }
    rows.put(MIGRATION_SERVERS_TABLE, { server_id: serverId, open, deleted, stream_version: version } satisfies MigrationServerRow);
  },
};
