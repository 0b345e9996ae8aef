import { NewEvent, RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { uuidFromName } from '../../infra/ids/ids';
import { Projection, Row, RowAccess, RowRef } from '../../projections/kernel/projection';
import { FIXED_NOW } from './decider-spec';

/**
 * A realistic "servers" read model for engine tests: one wide row per server (jsonb metadata,
 * timestamps, Nova's vm_state/task_state/power_state) and a per-host instance count that some
 * events change together with the server (multi-row, multi-table events).
 */
export type ServerEvent =
  | { type: 'ServerBuildRequested'; data: { serverId: string; name: string; projectId: string; userId: string; flavorId: string; imageId: string; vcpus: number; ramMb: number; metadata: Record<string, string> } }
  | { type: 'ServerScheduled'; data: { serverId: string; host: string; vcpus: number } }
  | { type: 'ServerSpawned'; data: { serverId: string } }
  | { type: 'ServerRenamed'; data: { serverId: string; name: string } }
  | { type: 'ServerMetadataSet'; data: { serverId: string; metadata: Record<string, string> } }
  | { type: 'ServerStopped'; data: { serverId: string } }
  | { type: 'ServerStarted'; data: { serverId: string } }
  | { type: 'ServerDeleted'; data: { serverId: string; host: string | null; vcpus: number } };

export const SERVER_EVENT_TYPES: ServerEvent['type'][] = [
  'ServerBuildRequested',
  'ServerScheduled',
  'ServerSpawned',
  'ServerRenamed',
  'ServerMetadataSet',
  'ServerStopped',
  'ServerStarted',
  'ServerDeleted',
];

export interface SampleProjectionOptions {
  name?: string;
  version?: number;
  /** Table name prefix, so that several sample projections can share one database's `rm` schema. */
  tablePrefix?: string;
}

export function serversProjection(options: SampleProjectionOptions = {}): Projection {
  const prefix = options.tablePrefix ?? '';
  const servers = `${prefix}servers`;
  const hosts = `${prefix}host_instances`;

  const serverRow = (rows: RowAccess, event: RecordedEvent, id: string): Row | undefined => rows.get(servers, id);
  const touch = (row: Row, event: RecordedEvent): Row => ({ ...row, updated_at: event.metadata.occurredAt, stream_version: Number(event.version) });
  const countOnHost = (rows: RowAccess, event: RecordedEvent, host: string, delta: number, vcpus: number) => {
    const current = rows.get(hosts, host) ?? { host, instance_count: 0, vcpus_used: 0, updated_at: event.metadata.occurredAt };
    const next = { ...current, instance_count: Number(current.instance_count) + delta, vcpus_used: Number(current.vcpus_used) + delta * vcpus, updated_at: event.metadata.occurredAt };
    if (next.instance_count <= 0) rows.delete(hosts, host);
    else rows.put(hosts, next);
  };

  return {
    name: options.name ?? 'servers',
    version: options.version ?? 1,
    eventTypes: SERVER_EVENT_TYPES,
    tables: [
      {
        name: servers,
        primaryKey: 'id',
        columns: {
          id: { type: 'text' },
          name: { type: 'text' },
          project_id: { type: 'text' },
          user_id: { type: 'text' },
          flavor_id: { type: 'text' },
          image_id: { type: 'text' },
          vcpus: { type: 'integer' },
          ram_mb: { type: 'bigint' },
          host: { type: 'text', nullable: true },
          vm_state: { type: 'text' },
          task_state: { type: 'text', nullable: true },
          power_state: { type: 'text' },
          metadata: { type: 'jsonb' },
          rename_count: { type: 'integer' },
          created_at: { type: 'timestamptz' },
          updated_at: { type: 'timestamptz' },
          launched_at: { type: 'timestamptz', nullable: true },
          stream_version: { type: 'bigint' },
        },
        indexes: [['project_id'], ['host']],
      },
      {
        name: hosts,
        primaryKey: 'host',
        columns: {
          host: { type: 'text' },
          instance_count: { type: 'integer' },
          vcpus_used: { type: 'integer' },
          updated_at: { type: 'timestamptz' },
        },
      },
    ],

    rowsFor(event: RecordedEvent): RowRef[] {
      const e = event as unknown as ServerEvent;
      const server = { table: servers, key: e.data.serverId };
      switch (e.type) {
        case 'ServerScheduled':
          return [server, { table: hosts, key: e.data.host }];
        case 'ServerDeleted':
          return e.data.host ? [server, { table: hosts, key: e.data.host }] : [server];
        default:
          return [server];
      }
    },

    apply(event: RecordedEvent, rows: RowAccess): void {
      const e = event as unknown as ServerEvent;
      const at = event.metadata.occurredAt;
      if (e.type === 'ServerBuildRequested') {
        const d = e.data;
        rows.put(servers, {
          id: d.serverId,
          name: d.name,
          project_id: d.projectId,
          user_id: d.userId,
          flavor_id: d.flavorId,
          image_id: d.imageId,
          vcpus: d.vcpus,
          ram_mb: d.ramMb,
          host: null,
          vm_state: 'building',
          task_state: 'scheduling',
          power_state: 'NOSTATE',
          metadata: d.metadata,
          rename_count: 0,
          created_at: at,
          updated_at: at,
          launched_at: null,
          stream_version: Number(event.version),
        });
        return;
      }
      const row = serverRow(rows, event, e.data.serverId);
      if (!row) return;
      switch (e.type) {
        case 'ServerScheduled':
          rows.put(servers, { ...touch(row, event), host: e.data.host, task_state: 'spawning' });
          countOnHost(rows, event, e.data.host, +1, e.data.vcpus);
          return;
        case 'ServerSpawned':
          rows.put(servers, { ...touch(row, event), vm_state: 'active', task_state: null, power_state: 'RUNNING', launched_at: at });
          return;
        case 'ServerRenamed':
          rows.put(servers, { ...touch(row, event), name: e.data.name, rename_count: Number(row.rename_count) + 1 });
          return;
        case 'ServerMetadataSet':
          rows.put(servers, { ...touch(row, event), metadata: { ...(row.metadata as Record<string, string>), ...e.data.metadata } });
          return;
        case 'ServerStopped':
          rows.put(servers, { ...touch(row, event), vm_state: 'stopped', power_state: 'SHUTDOWN' });
          return;
        case 'ServerStarted':
          rows.put(servers, { ...touch(row, event), vm_state: 'active', power_state: 'RUNNING' });
          return;
        case 'ServerDeleted':
          rows.delete(servers, e.data.serverId);
          if (e.data.host) countOnHost(rows, event, e.data.host, -1, e.data.vcpus);
          return;
        default: {
          const unhandled: never = e;
          return unhandled;
        }
      }
    },
  };
}

/** Deterministic events for the sample projection (fixed clock, name-based ids). */
export class ServerScenario {
  private n = 0;

  constructor(private readonly seed = 'scenario') {}

  serverId(i: number): string {
    return uuidFromName(`${this.seed}/server/${i}`);
  }

  event<E extends ServerEvent>(type: E['type'], data: E['data']): NewEvent {
    const n = ++this.n;
    const occurredAt = new Date(Date.parse(FIXED_NOW) + n * 1000).toISOString();
    return {
      id: uuidFromName(`${this.seed}/event/${n}`),
      type,
      data,
      metadata: {
        correlationId: `req-${this.seed}-${n}`,
        causationId: `req-${this.seed}-${n}`,
        requestId: `req-${this.seed}-${n}`,
        actor: SYSTEM_ACTOR,
        occurredAt,
        schemaVersion: 1,
      },
    };
  }

  /** A server built on `host`, spawned, then given metadata: four events. */
  lifecycle(i: number, host = `compute-${i % 3}`): NewEvent[] {
    const serverId = this.serverId(i);
    return [
      this.event('ServerBuildRequested', { serverId, name: `vm-${i}`, projectId: `project-${i % 4}`, userId: 'user-1', flavorId: 'm1.small', imageId: 'cirros', vcpus: 1 + (i % 2), ramMb: 2048, metadata: { role: 'web', index: String(i) } }),
      this.event('ServerScheduled', { serverId, host, vcpus: 1 + (i % 2) }),
      this.event('ServerSpawned', { serverId }),
      this.event('ServerMetadataSet', { serverId, metadata: { owner: 'ops' } }),
    ];
  }

  /** An event no sample projection handles (another context's). */
  unrelated(i: number): NewEvent {
    return this.event('ImageUploaded' as ServerEvent['type'], { serverId: `image-${i}` } as never);
  }
}

export const streamOf = (serverId: string) => `server-${serverId}`;
