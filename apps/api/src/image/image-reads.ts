import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import type { ReadQueries } from '../../../../infra/audit/time-travel';
import { Position } from '../../../../domain/kernel';
import { ProjectionEngine } from '../../../../infra/projections';
import type { ImageRow } from '../../../../projections/image';
import { DATABASE_URL, PROJECTION_ENGINE } from '../../../shared/src/runtime.tokens';
import type { GlanceViewer } from './glance-viewer';

const WAIT_MS = 5_000;
const READ_MODEL = 'image_images';

export type SortKey = 'name' | 'status' | 'container_format' | 'disk_format' | 'size' | 'id' | 'created_at' | 'updated_at';
export const SORT_KEYS: readonly SortKey[] = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'];

export interface ImageQuery {
  visibility?: 'public' | 'private' | 'shared' | 'community' | 'all';
  memberStatus: 'pending' | 'accepted' | 'rejected' | 'all';
  /** Exact matches on columns (name, status, owner, disk_format, container_format, checksum, os_hash_value). */
  equals: Partial<Record<'name' | 'status' | 'owner' | 'disk_format' | 'container_format' | 'checksum' | 'os_hash_value' | 'size' | 'virtual_size' | 'min_ram' | 'min_disk', string>>;
  /** `id=in:a,b` and `name=in:...` (glance/api/v2 `in` operator). */
  anyOf: Partial<Record<'id' | 'name' | 'status' | 'disk_format' | 'container_format', string[]>>;
  protected?: boolean;
  osHidden: boolean;
  sizeMin?: number;
  sizeMax?: number;
  tags: string[];
  /** Extra properties that must equal these values. */
  properties: Record<string, string>;
  /** created_at / updated_at comparisons (`gt:2026-01-01T00:00:00Z`). */
  times: { column: 'created_at' | 'updated_at'; op: '>' | '>=' | '<' | '<=' | '=' | '<>'; value: string }[];
  sort: { key: SortKey; dir: 'asc' | 'desc' }[];
}

/** Builds a WHERE clause with numbered parameters. */
class Conditions {
  readonly sql: string[] = [];
  readonly params: unknown[] = [];

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(sql: string): void {
    this.sql.push(sql);
  }

  where(): string {
    return this.sql.length === 0 ? '' : `WHERE ${this.sql.join(' AND ')}`;
  }
}

/**
 * Glance's `_select_images_query` + `image_get_all` over rm.image_images: a regular user sees
 * public and community images, its project's own, and shared images it is a member of (with the
 * asked member status); without a visibility filter, community images only when owned.
 */
function visibilityConditions(c: Conditions, viewer: GlanceViewer, q: ImageQuery): void {
  const project = viewer.projectId;
  if (!viewer.admin) {
    const p = c.param(project);
    const memberStatus = q.memberStatus === 'all' ? '' : ` AND members->${p}->>'status' = ${c.param(q.memberStatus)}`;
    c.add(`(visibility IN ('public', 'community') OR owner = ${p} OR (visibility = 'shared' AND members ? ${p}${memberStatus}))`);
  }
  if (q.visibility !== undefined) {
    if (q.visibility !== 'all') c.add(`visibility = ${c.param(q.visibility)}`);
  } else if (project === null) {
    c.add(`visibility <> 'community'`);
  } else {
    c.add(`(owner = ${c.param(project)} OR visibility <> 'community')`);
  }
}

function sortValue(row: ImageRow, key: SortKey): string | number | null {
  const v = row[key];
  if (v === null || v === undefined) return null;
  if (key === 'size') return Number(v);
  if (key === 'created_at' || key === 'updated_at') return new Date(v as string).getTime();
  return String(v);
}

/** Queries over the `rm.image_images` view, after a read-your-writes wait on the command's position. */
@Injectable()
export class ImageReads implements OnModuleDestroy {
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

  private source: ReadQueries = { query: <R extends object>(sql: string, params: unknown[] = []) => this.pool.query(sql, params).then((r) => r.rows as R[]) };

  /** The same queries over other read models: those at a past instant (`as_of`). */
  over(source: ReadQueries): ImageReads {
    const reads = Object.create(this) as ImageReads;
    reads.source = source;
    return reads;
  }

  async waitFor(position: Position | null): Promise<void> {
    if (position === null) return;
    await this.engine.waiter().waitFor(position, [READ_MODEL], WAIT_MS);
  }

  /** The image row whatever its visibility; callers decide what the viewer may see. */
  async image(imageId: string): Promise<ImageRow | null> {
    const rows = await this.source.query<ImageRow>('SELECT * FROM rm.image_images WHERE id = $1', [imageId]);
    return rows[0] ?? null;
  }

  /** Glance's `is_image_visible`: admin, public and community, the owner, and any member (pending ones too, so they can accept). */
  static visible(row: ImageRow, viewer: GlanceViewer): boolean {
    if (viewer.admin || row.visibility === 'public' || row.visibility === 'community') return true;
    if (viewer.projectId === null) return false;
    if (row.owner === viewer.projectId) return true;
    return row.visibility === 'shared' && viewer.projectId in row.members;
  }

  /** Every image the query selects, in list order; the caller pages with the marker. */
  async images(viewer: GlanceViewer, q: ImageQuery): Promise<ImageRow[]> {
    const c = new Conditions();
    visibilityConditions(c, viewer, q);
    // Compared as text, as the query string gives them: `size=abc` matches nothing rather than failing.
    for (const [column, value] of Object.entries(q.equals)) if (value !== undefined) c.add(`${column}::text = ${c.param(value)}`);
    for (const [column, values] of Object.entries(q.anyOf)) if (values !== undefined) c.add(`${column} = ANY (${c.param(values)}::text[])`);
    if (q.protected !== undefined) c.add(`protected = ${c.param(q.protected)}`);
    c.add(`os_hidden = ${c.param(q.osHidden)}`);
    if (q.sizeMin !== undefined) c.add(`size >= ${c.param(q.sizeMin)}`);
    if (q.sizeMax !== undefined) c.add(`size <= ${c.param(q.sizeMax)}`);
    if (q.tags.length > 0) c.add(`tags @> ${c.param(JSON.stringify(q.tags))}::jsonb`);
    if (Object.keys(q.properties).length > 0) c.add(`properties @> ${c.param(JSON.stringify(q.properties))}::jsonb`);
    for (const t of q.times) c.add(`${t.column} ${t.op} ${c.param(t.value)}::timestamptz`);
    const rows = await this.source.query<ImageRow>(`SELECT * FROM rm.image_images ${c.where()}`, c.params);
    return rows.sort((a, b) => this.compare(a, b, q.sort));
  }

  /** The list order: the asked keys, then created_at and id in the first direction as tie-breakers. */
  compare(a: ImageRow, b: ImageRow, sort: ImageQuery['sort']): number {
    const keys = [...sort];
    const defaultDir = sort[0]?.dir ?? 'desc';
    for (const key of ['created_at', 'id'] as const) if (!keys.some((k) => k.key === key)) keys.push({ key, dir: defaultDir });
    for (const { key, dir } of keys) {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      if (x === y) continue;
      // PostgreSQL and MySQL order NULLs differently; Glance on MySQL puts them first ascending.
      const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return dir === 'asc' ? order : -order;
    }
    return 0;
  }

  /** Other live images whose bytes are stored under `blobKey` (content-addressed: identical uploads share one blob). */
  async blobUsers(blobKey: string, except: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM rm.image_images WHERE blob_key = $1 AND id <> $2', [blobKey, except]);
    return Number(rows[0].n);
  }

  /** Images left in `saving` by an uploader, for the reaper. */
  async uploadsInFlight(): Promise<{ id: string; uploader: string }[]> {
    const { rows } = await this.pool.query<{ id: string; uploader: string }>(`SELECT id, uploader FROM rm.image_images WHERE status = 'saving' AND uploader IS NOT NULL`);
    return rows;
  }

  async isBlobReferenced(blobKey: string): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM rm.image_images WHERE blob_key = $1 LIMIT 1', [blobKey]);
    return rows.length > 0;
  }
}
