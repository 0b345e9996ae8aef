import { Injectable } from '@nestjs/common';
import { Position } from '../../../../../domain/kernel';
import { decodeRow } from '../../../../../infra/projections/sql';
import { AGGREGATES_TABLE } from '../../../../../projections/compute/aggregates';
import { HostRow, HOSTS_TABLE } from '../../../../../projections/compute/hosts';
import { SERVERS_TABLE } from '../../../../../projections/compute/servers';
import { COMPUTE_RESOURCE_PROJECTIONS } from '../../../../../projections/compute/resources-index';
import { Row } from '../../../../../projections/kernel/projection';
import { ComputeReadModel } from '../compute-read-model';

/** PostgreSQL's undefined_table: a read model not built yet (a fresh install's first requests). */
export const UNDEFINED_TABLE = '42P01';

/**
 * SQL: the availability zone a host's aggregates give it (nova/availability_zones.py
 * `get_host_availability_zone`: the first aggregate with one), or null. `host` is an SQL expression.
 */
export const AGGREGATE_ZONE_OF = (host: string) =>
  `(SELECT a.availability_zone FROM rm.${AGGREGATES_TABLE} a WHERE a.availability_zone IS NOT NULL AND a.hosts ? ${host} ORDER BY a.id LIMIT 1)`;

/** Nova's compute node numbers: reserved host memory and disk count as used (resource_tracker.py). */
export function nodeUsage(h: HostRow) {
  const memoryUsed = h.memory_mb_used + (h.allocation.reservedHostMemoryMb ?? 0);
  const diskUsed = h.local_gb_used + Math.ceil((h.allocation.reservedHostDiskMb ?? 0) / 1024);
  return { memoryUsed, diskUsed, freeRam: h.memory_mb - memoryUsed, freeDisk: h.local_gb - diskUsed };
}

const TABLES = new Map(COMPUTE_RESOURCE_PROJECTIONS.flatMap((p) => p.tables.map((t) => [t.name, t] as const)));

/** Typed reads of this module's read models (`rm.<table>`), rows decoded as the projections wrote them. */
@Injectable()
export class ResourceReads {
  constructor(private readonly rm: ComputeReadModel) {}

  /** `sql` selects `*` from `rm.<table>`; its rows come back with numbers, ISO times and parsed jsonb. */
  async rows<R extends Row>(table: string, sql: string, params: unknown[] = []): Promise<R[]> {
    const spec = TABLES.get(table);
    if (!spec) throw new Error(`unknown read model ${table}`);
    const raw = await this.rm.query<Record<string, unknown>>(sql, params);
    return raw.map((r) => decodeRow(spec, r) as R);
  }

  /**
   * Every compute host, in the order they registered (os-hypervisors, os-services, os-hosts, zones),
   * each in its availability zone: its aggregate's where it has one, else its agent's.
   */
  async hosts(): Promise<HostRow[]> {
    const spec = TABLES.get(HOSTS_TABLE)!;
    const raw = await this.rm.query<Record<string, unknown>>(`SELECT h.*, ${AGGREGATE_ZONE_OF('h.host')} AS aggregate_zone FROM rm.${HOSTS_TABLE} h ORDER BY h.created_at, h.host`);
    return raw.map((r) => {
      const row = decodeRow(spec, r) as HostRow;
      return typeof r.aggregate_zone === 'string' ? { ...row, availability_zone: r.aggregate_zone } : row;
    });
  }

  /** Of `hosts`, those where a server (not deleted) is. */
  async hostsWithServers(hosts: readonly string[]): Promise<string[]> {
    if (!hosts.length) return [];
    const rows = await this.rm.query<{ host: string }>(`SELECT DISTINCT host FROM rm.${SERVERS_TABLE} WHERE host = ANY($1) AND NOT deleted`, [hosts]);
    return rows.map((r) => r.host);
  }

  async one<R extends Row>(table: string, sql: string, params: unknown[] = []): Promise<R | null> {
    return (await this.rows<R>(table, sql, params))[0] ?? null;
  }

  /** Read-your-writes on the one read model an answer reads. */
  waitFor(position: Position | null, table: string): Promise<void> {
    return this.rm.waitFor(position, [table]);
  }
}
