import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import { metadefNameKey } from '../../../../domain/image';
import { Position } from '../../../../domain/kernel';
import { ProjectionEngine } from '../../../../infra/projections';
import type { MetadefNamespaceRow, MetadefResourceTypeRow } from '../../../../projections/image';
import { DATABASE_URL, PROJECTION_ENGINE } from '../../../shared/src/runtime.tokens';
import type { GlanceViewer } from '../image/glance-viewer';

const WAIT_MS = 5_000;
const READ_MODEL = 'image_metadefs';

/** Queries over rm.image_metadef_namespaces and rm.image_metadef_resource_types, after a read-your-writes wait. */
@Injectable()
export class MetadefReads implements OnModuleDestroy {
  private readonly pool: Pool;

  constructor(
    @Inject(DATABASE_URL) databaseUrl: string,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 4 });
    this.pool.on('error', () => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  async waitFor(position: Position | null): Promise<void> {
    if (position === null) return;
    await this.engine.waiter().waitFor(position, [READ_MODEL], WAIT_MS);
  }

  /** glance/db/sqlalchemy/metadef_api/namespace.py `_is_namespace_visible`. */
  static visible(row: MetadefNamespaceRow, viewer: GlanceViewer): boolean {
    if (viewer.admin || row.owner === null || row.visibility === 'public') return true;
    return viewer.projectId !== null && row.owner === viewer.projectId;
  }

  /** The namespace of that name in any case, whatever its visibility. */
  async namespace(name: string): Promise<MetadefNamespaceRow | null> {
    const { rows } = await this.pool.query<MetadefNamespaceRow>('SELECT * FROM rm.image_metadef_namespaces WHERE namespace_key = $1', [metadefNameKey(name)]);
    return rows[0] ?? null;
  }

  /** `_select_namespaces_query`: an admin sees all, others public ones and their project's. */
  async namespaces(viewer: GlanceViewer): Promise<MetadefNamespaceRow[]> {
    if (viewer.admin) return (await this.pool.query<MetadefNamespaceRow>('SELECT * FROM rm.image_metadef_namespaces')).rows;
    // Unlike a show, the list leaves out private namespaces without an owner.
    const { rows } = await this.pool.query<MetadefNamespaceRow>(`SELECT * FROM rm.image_metadef_namespaces WHERE visibility = 'public' OR owner = $1`, [viewer.projectId]);
    return rows;
  }

  /** Every resource type, in the order they came to be (Glance's ids). */
  async resourceTypes(): Promise<MetadefResourceTypeRow[]> {
    const { rows } = await this.pool.query<MetadefResourceTypeRow>('SELECT * FROM rm.image_metadef_resource_types ORDER BY position, key');
    return rows;
  }
}
