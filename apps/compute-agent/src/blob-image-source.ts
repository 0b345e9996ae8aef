import { Pool } from 'pg';
import { BlobKey, BlobStore } from '../../../infra/blob';
import { ImageBytes, ImageChecksumAlgorithm, ImageSource } from '../../../infra/hypervisor';

interface ImageRow {
  status: string;
  blob_key: string | null;
  disk_format: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  checksum: string | null;
}

const ALGORITHMS: ReadonlySet<string> = new Set<ImageChecksumAlgorithm>(['md5', 'sha1', 'sha256', 'sha384', 'sha512']);

/**
 * Image bytes for a compute host that shares Strata's data dir (the all-in-one, or an agent on the
 * machine of the image service): the image's row in the images read model says where its bytes are
 * and what hash they must have; the blob store serves them. The driver verifies the hash.
 */
export class BlobImageSource implements ImageSource {
  constructor(
    private readonly pool: Pool,
    private readonly blobs: BlobStore,
  ) {}

  async fetch(imageId: string): Promise<ImageBytes> {
    const { rows } = await this.pool.query<ImageRow>(
      'SELECT status, blob_key, disk_format, os_hash_algo, os_hash_value, checksum FROM rm.image_images WHERE id = $1',
      [imageId],
    );
    const image = rows[0];
    if (!image) throw new Error(`Image ${imageId} could not be found.`);
    if (image.status !== 'active' || image.blob_key === null) throw new Error(`Image ${imageId} has no data to boot from (status ${image.status}); upload it first.`);
    const checksum =
      image.os_hash_algo && image.os_hash_value && ALGORITHMS.has(image.os_hash_algo)
        ? { algo: image.os_hash_algo as ImageChecksumAlgorithm, value: image.os_hash_value }
        : image.checksum
          ? { algo: 'md5' as const, value: image.checksum }
          : undefined;
    return { stream: await this.blobs.get(image.blob_key as BlobKey), checksum, diskFormat: image.disk_format };
  }
}
