import { createHash, getHashes, randomBytes } from 'node:crypto';
import { access, chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { QemuImg } from './commands';
import { ImageBytes, ImageSource } from './image-source';

/** A base image in the cache, ready to back overlays. */
export interface CachedImage {
  path: string;
  format: 'qcow2' | 'raw';
  virtualSizeBytes: number;
}

/** The image's bytes are not what Glance promised, or not something the host may boot; `reason` says which. */
export class ImageRejected extends Error {
  constructor(
    readonly imageId: string,
    readonly reason: string,
  ) {
    super(`image ${imageId} ${reason}`);
    this.name = 'ImageRejected';
  }
}

/** Glance `disk_format` to the qemu-img format that reads it (Glance's `vhd` is qemu's `vpc`, `ploop` is `parallels`). */
const QEMU_FORMATS: Record<string, string> = {
  raw: 'raw',
  qcow2: 'qcow2',
  vmdk: 'vmdk',
  vdi: 'vdi',
  vhd: 'vpc',
  vhdx: 'vhdx',
  ploop: 'parallels',
  iso: 'raw',
};

function qemuFormatOf(imageId: string, diskFormat: string | null): string | null {
  if (diskFormat === null) return null;
  const format = QEMU_FORMATS[diskFormat];
  if (!format) throw new ImageRejected(imageId, `has disk_format ${diskFormat}, which the libvirt driver cannot boot (it takes ${Object.keys(QEMU_FORMATS).join(', ')})`);
  return format;
}

/** File name of an image in the cache: its id when that is a plain name, else a digest of it. */
function cacheKey(imageId: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(imageId) ? imageId : createHash('sha256').update(imageId).digest('hex');
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Nova's `_base` image cache for one host: an image is fetched once, verified against its checksum,
 * converted to qcow2 unless it is qcow2 or raw already, and renamed into place, so that a file in the
 * cache is always whole. Concurrent requests for one image share one download. The cached file's name
 * ends in its format (`<image>.qcow2` or `<image>.raw`): overlays must name their backing format, and
 * probing a raw file for one is what lets a crafted image read host files.
 */
export class ImageCache {
  private readonly inFlight = new Map<string, Promise<CachedImage>>();
  private readonly known = new Map<string, CachedImage>();

  constructor(
    readonly dir: string,
    private readonly source: ImageSource,
    private readonly qemuImg: QemuImg,
  ) {}

  async ensure(imageId: string): Promise<CachedImage> {
    const key = cacheKey(imageId);
    const known = this.known.get(key);
    if (known && (await exists(known.path))) return known;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.load(imageId, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async load(imageId: string, key: string): Promise<CachedImage> {
    for (const format of ['qcow2', 'raw'] as const) {
      const path = join(this.dir, `${key}.${format}`);
      if (await exists(path)) return this.remember(key, { path, format, virtualSizeBytes: (await this.qemuImg.info(path, format)).virtualSize });
    }
    return this.download(imageId, key);
  }

  private remember(key: string, image: CachedImage): CachedImage {
    this.known.set(key, image);
    return image;
  }

  private async download(imageId: string, key: string): Promise<CachedImage> {
    await mkdir(this.dir, { recursive: true });
    await chmod(this.dir, 0o755);
    const part = join(this.dir, `.${key}.part-${randomBytes(6).toString('hex')}`);
    const converted = `${part}.qcow2`;
    let bytes: ImageBytes | undefined;
    try {
      bytes = await this.source.fetch(imageId);
      const checksum = bytes.checksum;
      if (checksum && !getHashes().includes(checksum.algo)) throw new ImageRejected(imageId, `has a ${checksum.algo} checksum, an algorithm this host cannot compute`);
      const hash = checksum ? createHash(checksum.algo) : null;
      const declared = qemuFormatOf(imageId, bytes.diskFormat);
      const file = await open(part, 'wx', 0o644);
      try {
        for await (const chunk of bytes.stream as AsyncIterable<Uint8Array | string>) {
          const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          hash?.update(buffer);
          await file.write(buffer);
        }
      } finally {
        await file.close();
      }
      if (checksum && hash) {
        const actual = hash.digest('hex');
        if (actual !== checksum.value.toLowerCase()) {
          throw new ImageRejected(imageId, `failed ${checksum.algo} checksum verification: expected ${checksum.value}, got ${actual}`);
        }
      }
      const probed = await this.qemuImg.info(part, null);
      if (declared !== null && probed.format !== declared) {
        throw new ImageRejected(imageId, `has disk_format ${bytes.diskFormat} but its bytes are a ${probed.format} image`);
      }
      // A backing, data or extent file would let the image read any file on the host (OSSA-2024-001).
      const foreign = probed.backingFilename ?? probed.dataFile ?? probed.extentFiles.find((f) => f !== part) ?? null;
      if (foreign !== null) throw new ImageRejected(imageId, `refers to another file (${foreign}); images must be self-contained`);
      let path = part;
      let format: CachedImage['format'];
      if (probed.format === 'qcow2' || probed.format === 'raw') {
        format = probed.format;
      } else {
        await this.qemuImg.convert({ path: part, format: probed.format }, { path: converted, format: 'qcow2' });
        await rm(part, { force: true });
        path = converted;
        format = 'qcow2';
      }
      const { virtualSize } = await this.qemuImg.info(path, format);
      const cached = join(this.dir, `${key}.${format}`);
      await rename(path, cached);
      return this.remember(key, { path: cached, format, virtualSizeBytes: virtualSize });
    } catch (error) {
      const stream = bytes?.stream as { destroy?: () => void } | undefined;
      stream?.destroy?.();
      await rm(part, { force: true });
      await rm(converted, { force: true });
      throw error;
    }
  }
}
