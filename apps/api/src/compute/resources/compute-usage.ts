import { Injectable } from '@nestjs/common';
import { DEFAULT_QUOTA_CLASS, effectiveLimits, QuotaLimits, QuotaResource } from '../../../../../domain/compute/quota';
import { KEYPAIRS_TABLE } from '../../../../../projections/compute/keypairs';
import { QUOTA_CLASSES_TABLE, QuotaClassRow, QuotaRow, QUOTAS_TABLE } from '../../../../../projections/compute/quotas';
import { SERVER_GROUPS_TABLE } from '../../../../../projections/compute/server-groups';
import { ReadModelCache } from '../../../../../infra/projections';
import { ComputeReadModel } from '../compute-read-model';
import { NovaError } from '../nova-errors';
import { ResourceReads, UNDEFINED_TABLE } from './resource-reads';

/** What a project uses of each counted quota resource (Nova counts, it keeps no usage records). */
export interface ProjectUsage {
  instances: number;
  cores: number;
  ram: number;
  server_groups: number;
}

export type CountedResource = keyof ProjectUsage;


/**
 * Quota limits and usage of projects and users: os-quota-sets, limits, and the checks the server
 * API makes before a boot (nova/quota.py `_server_group_count`, `_instances_cores_ram_count`).
 */
@Injectable()
export class ComputeUsage {
  /** Every boot checks its project's limits; quota sets and classes rarely change. */
  private readonly projectLimits: ReadModelCache<QuotaLimits>;

  constructor(
    private readonly reads: ResourceReads,
    private readonly rm: ComputeReadModel,
  ) {
    this.projectLimits = rm.cache(QUOTAS_TABLE);
  }

  /** The project's own limits, without the defaults. */
  async overrides(projectId: string): Promise<Partial<QuotaLimits>> {
    const row = await this.reads.one<QuotaRow>(QUOTAS_TABLE, `SELECT * FROM rm.${QUOTAS_TABLE} WHERE project_id = $1`, [projectId]);
    return row?.limits ?? {};
  }

  /** The limits set on a quota class (os-quota-class-sets); the `default` class's change every project's defaults. */
  async classLimits(className: string = DEFAULT_QUOTA_CLASS): Promise<Record<string, number>> {
    const row = await this.reads.one<QuotaClassRow>(QUOTA_CLASSES_TABLE, `SELECT * FROM rm.${QUOTA_CLASSES_TABLE} WHERE class_name = $1`, [className]);
    return row?.limits ?? {};
  }

  /** Every project's defaults: the configured ones, changed by the `default` quota class. */
  async defaults(): Promise<QuotaLimits> {
    return effectiveLimits({}, await this.classLimits());
  }

  /** The project's limits: the defaults, overridden by its quota set. */
  /** The project's limits (shared and frozen). */
  async limits(projectId: string): Promise<QuotaLimits> {
    return this.projectLimits.get(projectId, async () => {
      const [overrides, classDefaults] = await Promise.all([this.overrides(projectId), this.classLimits()]);
      return effectiveLimits(overrides, classDefaults);
    });
  }

  /** Servers (not deleted) and server groups of the project, counted in one statement. */
  async projectUsage(projectId: string): Promise<ProjectUsage> {
    try {
      const [row] = await this.rm.prepared<ProjectUsage>(
        `SELECT s.instances, s.cores, s.ram, (SELECT count(*)::int FROM rm.${SERVER_GROUPS_TABLE} WHERE project_id = $1) AS server_groups
           FROM (SELECT count(*)::int AS instances, coalesce(sum(vcpus), 0)::int AS cores, coalesce(sum(memory_mb), 0)::int AS ram
                   FROM rm.compute_servers WHERE project_id = $1 AND NOT deleted) s`,
        [projectId],
      );
      return row;
    } catch (e) {
      if ((e as { code?: string }).code === UNDEFINED_TABLE) return { instances: 0, cores: 0, ram: 0, server_groups: await this.serverGroupCount(projectId) };
      throw e;
    }
  }

  async serverGroupCount(projectId: string): Promise<number> {
    const [row] = await this.rm.query<{ n: number }>(`SELECT count(*)::int AS n FROM rm.${SERVER_GROUPS_TABLE} WHERE project_id = $1`, [projectId]);
    return row.n;
  }

  /** Keypairs are counted per user (key_pairs is a user quota in Nova). */
  async keypairCount(userId: string): Promise<number> {
    const [row] = await this.rm.query<{ n: number }>(`SELECT count(*)::int AS n FROM rm.${KEYPAIRS_TABLE} WHERE user_id = $1`, [userId]);
    return row.n;
  }

  /** Usage of every quota resource Nova counts, for os-quota-sets detail and quota updates. */
  async inUse(projectId: string, userId?: string): Promise<Partial<Record<QuotaResource, number>>> {
    const usage = await this.projectUsage(projectId);
    return { ...usage, ...(userId ? { key_pairs: await this.keypairCount(userId) } : {}) };
  }

  /**
   * Refuses a request that would take the project over its limits, with Nova's 403
   * (nova/exception.py TooManyInstances): "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances".
   */
  async assertWithinQuota(projectId: string, requested: Partial<Record<'instances' | 'cores' | 'ram', number>>): Promise<void> {
    const [limits, usage] = await Promise.all([this.limits(projectId), this.projectUsage(projectId)]);
    const overs = (Object.keys(requested) as ('instances' | 'cores' | 'ram')[])
      .filter((r) => limits[r] >= 0 && usage[r] + (requested[r] ?? 0) > limits[r])
      .sort();
    if (overs.length === 0) return;
    const list = (f: (r: (typeof overs)[number]) => number) => overs.map(f).join(', ');
    throw new NovaError(
      403,
      `Quota exceeded for ${overs.join(', ')}: Requested ${list((r) => requested[r] ?? 0)}, but already used ${list((r) => usage[r])} of ${list((r) => limits[r])} ${overs.join(', ')}`,
    );
  }
}
