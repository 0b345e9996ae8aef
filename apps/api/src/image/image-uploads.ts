import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool, PoolClient } from 'pg';
import { DiskFormat } from '../../../../domain/image';
import { CommandMetadata, SYSTEM_ACTOR } from '../../../../domain/kernel';
import { uuidFromName } from '../../../../infra/ids/ids';
import { BlobKey, BlobStore, BlobTooLarge, StoredBlob } from '../../../../infra/blob';
import { DiskInspection, DiskInspectionFailed, DiskInspector, diskFormatMismatch, unsafeImage, virtualSizeFor } from '../../../../infra/image';
import type { ImageRow } from '../../../../projections/image';
import { DATABASE_URL } from '../../../shared/src/runtime.tokens';
import { GlanceError } from './glance-errors';
import { ImageReads } from './image-reads';
import { ImageWrites } from './image-writes';
import { DISK_INSPECTOR, IMAGE_BLOBS } from './image.tokens';

/** Glance's `image_size_cap` default: 1 TiB. */
const IMAGE_SIZE_CAP = 1024 ** 4;
const REAP_EVERY_MS = 60_000;
/**
 * Leftovers are swept only this long after they were last written: a running upload rewrites its
 * temp file with every batch, and a stored blob is recorded by its image within seconds.
 */
const SWEEP_AGE_MS = 15 * 60_000;
/** PostgreSQL's undefined_table: on a first boot the image read model's view comes a moment after the API. */
const UNDEFINED_TABLE = '42P01';

/** Advisory-lock keys: one namespace per use, hashed by PostgreSQL. */
const lockKey = (kind: 'uploader' | 'blob', name: string) => `strata-image-${kind}:${name}`;

/**
 * Image bytes: PUT/GET /v2/images/{id}/file and what a delete leaves behind. The bytes are
 * stored before the image turns active and the image is failed when they cannot be, so no image
 * is ever active without its bytes; a blob is removed only under an exclusive advisory lock that
 * every activation holds shared, so a delete never takes bytes a concurrent upload just recorded.
 * An upload cut short by this process dying is failed by the next reaper of any API process: the
 * uploader holds a session lock for its lifetime, and a lock that can be taken is a dead uploader.
 */
@Injectable()
export class ImageUploads implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('image');
  private readonly pool: Pool;
  /** This process as an uploader: `<host>/<pid>/<random>`. */
  readonly uploader = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private liveness: PoolClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reaping: Promise<void> | null = null;

  constructor(
    @Inject(DATABASE_URL) databaseUrl: string,
    @Inject(IMAGE_BLOBS) readonly blobs: BlobStore,
    @Inject(DISK_INSPECTOR) private readonly inspector: DiskInspector,
    private readonly reads: ImageReads,
    private readonly writes: ImageWrites,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 6 });
    this.pool.on('error', () => undefined);
  }

  async onModuleInit(): Promise<void> {
    this.liveness = await this.pool.connect();
    this.liveness.on('error', () => undefined);
    await this.liveness.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey('uploader', this.uploader)]);
    this.timer = setInterval(() => void this.reapOnce(), REAP_EVERY_MS);
    this.timer.unref();
    void this.reapOnce();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.reaping;
    this.liveness?.release();
    await this.pool.end();
  }

  /** PUT /v2/images/{id}/file: queued → saving → active, or back to queued (the client may retry) when the bytes are refused. */
  async upload(image: ImageRow, body: Readable, meta: CommandMetadata, signal: AbortSignal): Promise<void> {
    const imageId = image.id;
    await this.writes.run('StartImageUpload', { imageId, uploader: this.uploader }, meta);
    let stored: StoredBlob;
    try {
      stored = await this.blobs.put(body, { maxBytes: IMAGE_SIZE_CAP, signal });
    } catch (error) {
      const reason = error instanceof BlobTooLarge ? error.message : `The upload did not complete: ${(error as Error).message}`;
      await this.fail(imageId, reason, false, meta);
      throw error instanceof BlobTooLarge ? error : new GlanceError(400, 'Image upload did not complete: the request body ended early or could not be read.');
    }
    try {
      const inspection = await this.inspect(stored.key).catch((error) => {
        throw error instanceof DiskInspectionFailed ? new GlanceError(400, `Image data could not be read as a disk image: ${error.message}`) : error;
      });
      const refusal = unsafeImage(inspection) ?? diskFormatMismatch(image.disk_format ?? 'raw', inspection);
      if (refusal) throw new GlanceError(400, refusal);
      // Raw data is as large as its bytes (Glance's FileInspector); qemu-img rounds a raw file up to whole sectors.
      const virtualSize = inspection.format === 'raw' && image.disk_format !== 'vhd' ? stored.size : virtualSizeFor((image.disk_format ?? 'raw') as DiskFormat, inspection);
      await this.activate(imageId, stored, virtualSize, meta);
    } catch (error) {
      await this.fail(imageId, (error as Error).message, !(error instanceof GlanceError), meta);
      await this.release(stored.key, imageId);
      throw error;
    }
  }

  /** GET /v2/images/{id}/file (with an optional byte range). */
  download(image: ImageRow, range?: { start: number; end?: number }): Promise<Readable> {
    return this.blobs.get(image.blob_key as BlobKey, range);
  }

  /**
   * Deletes the image (the caller has checked who may) and, once the read model has it gone, its
   * bytes unless another image recorded the same content. The decider's refusals (a protected
   * image) come out as they are.
   */
  async deleteImage(row: ImageRow, meta: CommandMetadata): Promise<void> {
    const { position, state } = await this.writes.run('DeleteImage', { imageId: row.id }, meta);
    await this.reads.waitFor(position);
    await this.release(state.status === 'deleted' ? (state.image.data?.blobKey ?? row.blob_key) : row.blob_key, row.id);
  }

  /** After a delete: the bytes go unless another image recorded the same content. */
  async release(blobKey: string | null, deletedImageId: string): Promise<void> {
    if (blobKey === null) return;
    await this.withBlobLock(blobKey, 'exclusive', async () => {
      if ((await this.reads.blobUsers(blobKey, deletedImageId)) === 0) await this.blobs.delete(blobKey as BlobKey);
    });
  }

  /** One pass of the reaper: fail the uploads of dead uploaders, then sweep unreferenced bytes. */
  reapOnce(): Promise<void> {
    this.reaping ??= this.reap()
      .catch((error) => {
        if ((error as { code?: string }).code === UNDEFINED_TABLE) return;
        this.log.warn(`image reaper: ${(error as Error).message}`);
      })
      .finally(() => (this.reaping = null));
    return this.reaping;
  }

  private async reap(): Promise<void> {
    for (const { id, uploader } of await this.reads.uploadsInFlight()) {
      if (uploader === this.uploader || !(await this.uploaderIsDead(uploader))) continue;
      const meta = systemMeta(`image-reaper/${id}/${uploader}`);
      await this.fail(id, `The upload was interrupted: API process ${uploader} stopped before it completed.`, true, meta);
      this.log.warn(`image ${id}: upload of dead API process ${uploader} marked killed`);
    }
    const report = await this.blobs.sweepOrphans((key) => this.reads.isBlobReferenced(key), SWEEP_AGE_MS);
    if (report.partialUploads + report.blobs.length > 0) {
      this.log.log(`image store swept: ${report.partialUploads} interrupted uploads, ${report.blobs.length} unreferenced blobs, ${report.bytes} bytes`);
    }
  }

  private async uploaderIsDead(uploader: string): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      const key = lockKey('uploader', uploader);
      const { rows } = await client.query<{ free: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS free', [key]);
      if (rows[0].free) await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      return rows[0].free;
    } finally {
      client.release();
    }
  }

  private async activate(imageId: string, stored: StoredBlob, virtualSize: number, meta: CommandMetadata): Promise<void> {
    await this.withBlobLock(stored.key, 'shared', async () => {
      // A delete of another image with the same content may have removed the blob between put and here.
      if (!(await this.blobs.stat(stored.key))) throw new Error('the stored bytes were removed by a concurrent delete; upload again');
      const { position } = await this.writes.run(
        'ActivateImage',
        { imageId, size: stored.size, checksum: stored.md5, osHashAlgo: 'sha512', osHashValue: stored.sha512, virtualSize, blobKey: stored.key },
        meta,
      );
      // The lock is held until the read model shows the reference, which is what a delete checks.
      await this.reads.waitFor(position);
    });
  }

  private async fail(imageId: string, reason: string, killed: boolean, meta: CommandMetadata): Promise<void> {
    try {
      const { position } = await this.writes.run('FailImageUpload', { imageId, reason: reason.slice(0, 1000), killed }, meta);
      await this.reads.waitFor(position);
    } catch (error) {
      // Deleted meanwhile, or already failed by a reaper: the image is not active either way.
      this.log.warn(`image ${imageId}: could not record the failed upload: ${(error as Error).message}`);
    }
  }

  private async inspect(key: BlobKey): Promise<DiskInspection> {
    if (this.blobs.localPath) return this.inspector.inspect(this.blobs.localPath(key));
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-inspect-'));
    try {
      const file = path.join(dir, 'image');
      await pipeline(await this.blobs.get(key), createWriteStream(file));
      return await this.inspector.inspect(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async withBlobLock<T>(blobKey: string, mode: 'shared' | 'exclusive', work: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const fn = mode === 'shared' ? 'pg_advisory_lock_shared' : 'pg_advisory_lock';
    const unlock = mode === 'shared' ? 'pg_advisory_unlock_shared' : 'pg_advisory_unlock';
    const key = lockKey('blob', blobKey);
    try {
      await client.query(`SELECT ${fn}(hashtextextended($1, 0))`, [key]);
      try {
        return await work();
      } finally {
        await client.query(`SELECT ${unlock}(hashtextextended($1, 0))`, [key]);
      }
    } finally {
      client.release();
    }
  }
}

/** The reaper acts for the system; its request id is fixed per reaped upload, so two racing reapers append the same event ids. */
function systemMeta(requestKey: string): CommandMetadata {
  const requestId = `req-${uuidFromName(requestKey)}`;
  return { requestId, correlationId: requestId.slice(4), causationId: requestId, actor: SYSTEM_ACTOR, now: new Date().toISOString() };
}
