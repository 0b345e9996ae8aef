import type { FlavorSnapshot, ImageRequester, ServerImage } from '../../../domain/compute';
import type { CreateImage } from '../../../domain/image';

/** What a snapshot image is made from: the server's project, who asked, the flavor and the image it was built from. */
export interface SnapshotSource {
  serverId: string;
  /** The server's project. */
  projectId: string;
  requester: ImageRequester;
  flavor: Pick<FlavorSnapshot, 'rootGb'>;
  image: Pick<ServerImage, 'id' | 'properties' | 'minDisk' | 'minRam'>;
}

/**
 * Properties of the base image a snapshot never inherits: Nova's `non_inheritable_image_properties`
 * default (`cache_in_nova`, `bittorrent`) and the ones it drops whatever that option says
 * (nova/compute/utils.py NON_INHERITABLE_IMAGE_PROPERTIES: an image's signature and volume
 * encryption key are its own), and every property of the `os_glance` namespace, which is Glance's.
 */
const NON_INHERITABLE = new Set([
  'cache_in_nova',
  'bittorrent',
  'cinder_encryption_key_id',
  'cinder_encryption_key_deletion_policy',
  'img_signature',
  'img_signature_hash_method',
  'img_signature_key_type',
  'img_signature_certificate_uuid',
]);
const NON_INHERITABLE_NAMESPACES = ['os_glance'];

const inheritable = (key: string) => !NON_INHERITABLE.has(key) && !NON_INHERITABLE_NAMESPACES.some((ns) => key.startsWith(ns));

export interface SnapshotImage {
  image: CreateImage['data'];
  /** The server's project when someone of another project made the snapshot: it is added as the image's member. */
  member: string | null;
}

/**
 * A server's snapshot image as Nova makes it (createImage, shelve; nova/compute/utils.py `create_image` and
 * `initialize_instance_snapshot_metadata`): the image API creates it for the requester, so it is their
 * project's; private when that is the server's project, otherwise shared with the server's project as a
 * member (an admin's snapshot of another project's server). The base image's properties but the
 * non-inheritable ones, its minimums, then `instance_uuid`, the requester's `user_id`, `image_type`
 * snapshot, `base_image_ref` and what the caller adds. No formats: the copy sets them. A requester
 * without a project (a system-scoped token) leaves the image with the server's project.
 */
export function snapshotImage(imageId: string, name: string, source: SnapshotSource, extra: Record<string, string> = {}): SnapshotImage {
  const owner = source.requester.projectId ?? source.projectId;
  const shared = owner !== source.projectId;
  const base = Object.fromEntries(Object.entries(source.image.properties).filter(([key]) => inheritable(key)));
  return {
    image: {
      imageId,
      name,
      owner,
      visibility: shared ? 'shared' : 'private',
      minDisk: Math.max(source.flavor.rootGb, source.image.minDisk),
      minRam: source.image.minRam,
      properties: { ...base, instance_uuid: source.serverId, user_id: source.requester.userId, image_type: 'snapshot', base_image_ref: source.image.id, ...extra },
    },
    member: shared ? source.projectId : null,
  };
}
