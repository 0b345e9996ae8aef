import { Injectable } from '@nestjs/common';
import { Position } from '../../../../../domain/kernel';
import { decodeRow } from '../../../../../infra/projections/sql';
import { HostRow, HOSTS_TABLE } from '../../../../../projections/compute/hosts';
import { COMPUTE_RESOURCE_PROJECTIONS } from '../../../../../projections/compute/resources-index';
import { Row } from '../../../../../projections/kernel/projection';
import { ComputeReadModel } from '../compute-read-model';

/** PostgreSQL's undefined_table: a read model not built yet (a fresh install's first requests). */
export const UNDEFINED_TABLE = '42P01';

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

  /** Every compute host, in the order they registered (os-hypervisors, os-services, os-hosts, zones). */
  hosts(): Promise<HostRow[]> {
    return this.rows<HostRow>(HOSTS_TABLE, `SELECT * FROM rm.${HOSTS_TABLE} ORDER BY created_at, host`);
  }

  async one<R extends Row>(table: string, sql: string, params: unknown[] = []): Promise<R | null> {
    return (await this.rows<R>(table, sql, params))[0] ?? null;
  }

  /** Read-your-writes on the one read model an answer reads. */
  waitFor(position: Position | null, table: string): Promise<void> {
    return this.rm.waitFor(position, [table]);
  }
}
