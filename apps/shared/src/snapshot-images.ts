import type { FlavorSnapshot, ServerImage } from '../../../domain/compute';
import type { CreateImage } from '../../../domain/image';

/** What a snapshot image is made from: the server's project, requester, flavor and the image it was built from. */
export interface SnapshotSource {
  serverId: string;
  projectId: string;
  userId: string;
  flavor: Pick<FlavorSnapshot, 'rootGb'>;
  image: Pick<ServerImage, 'id' | 'properties' | 'minDisk' | 'minRam'>;
}

/**
 * A server's snapshot image as nova/compute/utils.py `create_image` makes it (createImage, shelve): private to
 * the server's project, the base image's properties and minimums, then `instance_uuid`, `user_id`,
 * `image_type` snapshot, `base_image_ref` and what the caller adds. No formats: the copy sets them.
 */
export function snapshotImage(imageId: string, name: string, source: SnapshotSource, extra: Record<string, string> = {}): CreateImage['data'] {
  return {
    imageId,
    name,
    owner: source.projectId,
    visibility: 'private',
    minDisk: Math.max(source.flavor.rootGb, source.image.minDisk),
    minRam: source.image.minRam,
    properties: { ...source.image.properties, instance_uuid: source.serverId, user_id: source.userId, image_type: 'snapshot', base_image_ref: source.image.id, ...extra },
  };
}
