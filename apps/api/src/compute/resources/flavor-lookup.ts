import { Injectable } from '@nestjs/common';
import { FlavorSnapshot } from '../../../../../domain/compute/flavor-spec';
import { FlavorRow, FLAVORS_TABLE } from '../../../../../projections/compute/flavors';
import { isAdmin, scopedProjectId, TokenContext } from '../../../../shared/src/auth';
import { ReadModelCache } from '../../../../../infra/projections';
import { ComputeReadModel } from '../compute-read-model';
import { ResourceReads } from './resource-reads';

export const snapshotOf = (row: FlavorRow): FlavorSnapshot => ({
  id: row.flavor_id,
  name: row.name,
  vcpus: row.vcpus,
  memoryMb: row.memory_mb,
  rootGb: row.root_gb,
  ephemeralGb: row.ephemeral_gb,
  swapMb: row.swap,
  rxtxFactor: row.rxtx_factor,
  isPublic: row.is_public,
  description: row.description,
  extraSpecs: row.extra_specs,
});

/** Nova's flavor visibility: public flavors to all, private ones to admins and the projects given access. */
export function flavorVisible(row: FlavorRow, token: TokenContext): boolean {
  if (row.is_public || isAdmin(token)) return true;
  const project = scopedProjectId(token);
  return project !== null && row.projects.includes(project);
}

/** Reads flavors for the compute APIs; the server API resolves a boot request's flavor with it. */
@Injectable()
export class FlavorLookup {
  /** Every boot looks its flavor up; flavors rarely change. */
  private readonly rows: ReadModelCache<FlavorRow | null>;

  constructor(
    private readonly reads: ResourceReads,
    rm: ComputeReadModel,
  ) {
    this.rows = rm.cache(FLAVORS_TABLE);
  }

  /** The flavor's row, shared and frozen. */
  async row(flavorId: string): Promise<FlavorRow | null> {
    return this.rows.get(flavorId, () => this.reads.one<FlavorRow>(FLAVORS_TABLE, `SELECT * FROM rm.${FLAVORS_TABLE} WHERE flavor_id = $1`, [flavorId]));
  }

  /** The flavor as a server records it, or null when it does not exist or the token may not see it. */
  async flavor(flavorId: string, token: TokenContext): Promise<FlavorSnapshot | null> {
    const row = await this.row(flavorId);
    return row && flavorVisible(row, token) ? snapshotOf(row) : null;
  }
}
