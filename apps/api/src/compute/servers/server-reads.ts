import { Injectable } from '@nestjs/common';
import { statesForStatus } from '../../../../../domain/compute';
import type { ServerRow } from '../../../../../projections/compute/servers';
import type { ReadQueries } from '../../../../../infra/audit/time-travel';
import { sqlParams } from '../../../../../infra/persistence/sql-params';
import { ReadModelCache } from '../../../../../infra/projections';
import { IMAGES_TABLE } from '../../../../../projections/image/images';
import { ComputeReadModel } from '../compute-read-model';
import { isAdmin, scopedProjectId, TokenContext } from '../../../../shared/src/auth';
import { notFound } from '../nova-errors';
import { AGGREGATE_ZONE_OF } from '../resources/resource-reads';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ServerListQuery {
  /** Null: every project (admin with all_tenants). */
  projectId: string | null;
  name?: RegExp;
  status?: { vmStates: string[]; taskStates: (string | null)[] | 'any' };
  host?: string;
  changesSince?: string;
  changesBefore?: string;
  /** Deleted servers: only with changes-since, or deleted=true (admin). */
  deleted: 'no' | 'yes' | 'also';
  flavorId?: string;
  imageId?: string;
  availabilityZone?: string;
  userId?: string;
  locked?: boolean;
  reservationId?: string;
  sortKey: 'created_at' | 'updated_at' | 'display_name' | 'launched_at' | 'host' | 'vm_state' | 'task_state' | 'uuid';
  sortDir: 'asc' | 'desc';
  /** At most this many, the first in list order (ignored with a name regex, which is applied after the query). */
  limit?: number;
  /**
   * Only the servers after this one in list order (the page after a marker): compared on the sort
   * key and the id in SQL, so a late page reads its own rows, not the list up to the marker.
   * The marker must be in the list (`inList`); ignored with a name regex.
   */
  after?: string;
}

const SORT_COLUMN: Record<ServerListQuery['sortKey'], string> = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  display_name: 'name',
  launched_at: 'launched_at',
  host: 'host',
  vm_state: 'vm_state',
  task_state: 'task_state',
  uuid: 'id',
};

/** Queries over `rm.compute_servers` and `rm.compute_instance_actions`. */
@Injectable()
export class ServerReads {
  private source: ReadQueries;
  /** Live image rows (a boot's image), made on first use: `over` copies read elsewhere and never need it. */
  private images?: ReadModelCache<Record<string, unknown> | null>;

  constructor(readonly rm: ComputeReadModel) {
    this.source = rm;
  }

  /** The same queries over other read models: those at a past instant (`as_of`). */
  over(source: ReadQueries): ServerReads {
    const reads = new ServerReads(this.rm);
    reads.source = source;
    return reads;
  }

  async server(serverId: string): Promise<ServerRow | null> {
    const rows = await this.source.query<ServerRow>('SELECT * FROM rm.compute_servers WHERE id = $1', [serverId]);
    return rows[0] ?? null;
  }

  /** The server if the token may see it: other projects' servers, deleted ones and ids that are no uuid do not exist (Nova's 404). */
  async visible(token: TokenContext, serverId: string): Promise<ServerRow> {
    const row = UUID.test(serverId) ? await this.server(serverId) : null;
    if (!row || row.deleted || (!isAdmin(token) && row.project_id !== scopedProjectId(token))) throw notFound(`Instance ${serverId} could not be found.`);
    return row;
  }

  /** Every server the query selects, in list order; the caller pages with the marker (name regexes are applied here). */
  async servers(q: ServerListQuery): Promise<ServerRow[]> {
    const { where, p, params } = filters(q);
    const column = SORT_COLUMN[q.sortKey];
    const dir = q.sortDir === 'asc' ? 'ASC' : 'DESC';
    let from = 'rm.compute_servers';
    if (q.after !== undefined && !q.name) {
      // Rows sort NULLS LAST either way: after a marker with a value come the greater (or lesser) values, then
      // every null; after a null marker, only the nulls past its id.
      const op = dir === 'ASC' ? '>' : '<';
      const marker = p(q.after);
      from = `rm.compute_servers CROSS JOIN (SELECT ${column} AS marker_value FROM rm.compute_servers WHERE id = ${marker}) m`;
      where.push(`(CASE WHEN m.marker_value IS NULL THEN ${column} IS NULL AND id ${op} ${marker} ELSE (${column}, id) ${op} (m.marker_value, ${marker}) OR ${column} IS NULL END)`);
    }
    const limit = q.limit !== undefined && !q.name ? ` LIMIT ${p(q.limit)}` : '';
    const sql = `SELECT rm.compute_servers.* FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${column} ${dir} NULLS LAST, id ${dir}${limit}`;
    const rows = await this.source.query<ServerRow>(sql, params);
    return q.name ? rows.filter((r) => q.name!.test(r.name)) : rows;
  }

  /** Whether the query selects this server (a marker must be in the list it pages). */
  async inList(q: ServerListQuery, serverId: string): Promise<boolean> {
    const { where, p, params } = filters(q);
    where.push(`id = ${p(serverId)}`);
    const rows = await this.source.query<ServerRow>(`SELECT * FROM rm.compute_servers WHERE ${where.join(' AND ')}`, params);
    return q.name ? rows.some((r) => q.name!.test(r.name)) : rows.length > 0;
  }

  async instanceActions<T extends object>(serverId: string): Promise<T[]> {
    return this.source.query<T>('SELECT * FROM rm.compute_instance_actions WHERE server_id = $1 ORDER BY start_time DESC, id DESC', [serverId]);
  }

  async instanceAction<T extends object>(serverId: string, requestId: string): Promise<T | null> {
    const rows = await this.source.query<T>('SELECT * FROM rm.compute_instance_actions WHERE server_id = $1 AND request_id = $2', [serverId, requestId]);
    return rows[0] ?? null;
  }

  /** Host status for 2.16's `host_status`: UP, DOWN (not reporting or forced down), MAINTENANCE (disabled). */
  async hostStatus(host: string | null): Promise<string> {
    if (host === null) return '';
    const rows = await this.source.query<Record<string, unknown>>('SELECT * FROM rm.compute_hosts WHERE host = $1', [host]).catch(() => []);
    const h = rows[0];
    if (!h) return 'UNKNOWN';
    if (h.forced_down === true || h.up === false) return 'DOWN';
    if (h.enabled === false) return 'MAINTENANCE';
    return 'UP';
  }

  /** The available zones (nova/availability_zones.py `get_only_available`): those of enabled compute services (their aggregates', else their agents'). */
  async availabilityZones(): Promise<string[]> {
    const rows = await this.source
      .query<{ availability_zone: string }>(`SELECT DISTINCT coalesce(${AGGREGATE_ZONE_OF('h.host')}, h.availability_zone) AS availability_zone FROM rm.compute_hosts h WHERE h.enabled`)
      .catch(() => []);
    return rows.map((r) => r.availability_zone);
  }

  /** The zone each of these compute hosts is in (their aggregates', else their agents'); hosts not registered are left out. */
  async hostZones(hosts: Iterable<string | null>): Promise<Map<string, string>> {
    const names = [...new Set(hosts)].filter((h): h is string => h !== null);
    if (names.length === 0) return new Map();
    const rows = await this.source
      .query<{ host: string; availability_zone: string }>(`SELECT h.host, coalesce(${AGGREGATE_ZONE_OF('h.host')}, h.availability_zone) AS availability_zone FROM rm.compute_hosts h WHERE h.host = ANY($1::text[])`, [names])
      .catch(() => []);
    return new Map(rows.map((r) => [r.host, r.availability_zone]));
  }

  /** The zone of a compute host; null when there is no such host. */
  async hostZone(host: string): Promise<string | null> {
    return (await this.hostZones([host])).get(host) ?? null;
  }

  async hostExists(host: string): Promise<boolean> {
    const rows = await this.source.query('SELECT 1 FROM rm.compute_hosts WHERE host = $1', [host]).catch(() => []);
    return rows.length > 0;
  }

  /** An image row of Glance's read model (shared and frozen when read live). */
  async image(imageId: string): Promise<Record<string, unknown> | null> {
    const read = async () => (await this.source.query<Record<string, unknown>>('SELECT * FROM rm.image_images WHERE id = $1', [imageId]))[0] ?? null;
    if (this.source !== this.rm) return read();
    this.images ??= this.rm.cache(IMAGES_TABLE);
    return this.images.get(imageId, read);
  }

  async keypair(userId: string, name: string): Promise<{ public_key: string } | null> {
    const rows = await this.source.query<{ public_key: string }>('SELECT public_key FROM rm.compute_keypairs WHERE user_id = $1 AND name = $2', [userId, name]);
    return rows[0] ?? null;
  }

  static statusFilter(status: string) {
    return statesForStatus(status);
  }
}

/** The WHERE conditions of a list query (all but the name regex), with their parameters; `p` adds one more. */
function filters(q: ServerListQuery): { where: string[]; params: unknown[]; p: (v: unknown) => string } {
  const where: string[] = [];
  const { params, p } = sqlParams();
  if (q.projectId !== null) where.push(`project_id = ${p(q.projectId)}`);
  if (q.deleted === 'no') where.push('NOT deleted');
  if (q.deleted === 'yes') where.push('deleted');
  if (q.status) {
    where.push(`vm_state = ANY(${p(q.status.vmStates)}::text[])`);
    if (q.status.taskStates !== 'any') {
      const tasks = q.status.taskStates.filter((t) => t !== null);
      where.push(`(task_state = ANY(${p(tasks)}::text[])${q.status.taskStates.includes(null) ? ' OR task_state IS NULL' : ''})`);
    }
  }
  if (q.host !== undefined) where.push(`host = ${p(q.host)}`);
  if (q.changesSince !== undefined) where.push(`updated_at >= ${p(q.changesSince)}::timestamptz`);
  if (q.changesBefore !== undefined) where.push(`updated_at <= ${p(q.changesBefore)}::timestamptz`);
  if (q.flavorId !== undefined) where.push(`flavor_id = ${p(q.flavorId)}`);
  if (q.imageId !== undefined) where.push(`image_id = ${p(q.imageId)}`);
  if (q.availabilityZone !== undefined) where.push(`availability_zone = ${p(q.availabilityZone)}`);
  if (q.userId !== undefined) where.push(`user_id = ${p(q.userId)}`);
  if (q.locked !== undefined) where.push(`locked = ${p(q.locked)}`);
  if (q.reservationId !== undefined) where.push(`reservation_id = ${p(q.reservationId)}`);
  return { where, params, p };
}
