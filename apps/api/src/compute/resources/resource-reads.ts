import { Injectable } from '@nestjs/common';
import { Position } from '../../../../../domain/kernel';
import { decodeRow } from '../../../../../infra/projections/sql';
import { COMPUTE_RESOURCE_PROJECTIONS } from '../../../../../projections/compute/resources-index';
import { Row } from '../../../../../projections/kernel/projection';
import { ComputeReadModel } from '../compute-read-model';

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

  async one<R extends Row>(table: string, sql: string, params: unknown[] = []): Promise<R | null> {
    return (await this.rows<R>(table, sql, params))[0] ?? null;
  }

  /** Read-your-writes on the one read model an answer reads. */
  waitFor(position: Position | null, table: string): Promise<void> {
    return this.rm.waitFor(position, [table]);
  }
}
