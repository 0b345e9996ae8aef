import { Server } from '../../../domain/compute';
import { ImageCommand, imageDecider, ImageEvent, ImageState, imageStream } from '../../../domain/image';
import { CommandMetadata, DomainError, EventStore, FoldCache } from '../../../domain/kernel';
import { deterministicEventId } from '../../../infra/ids/ids';
import { StoredSnapshot } from '../../shared/src/compute-protocol';

/** The uploader a shelved image's `saving` step names: the conductor, which activates it in the same append. */
const CONDUCTOR_UPLOADER = 'strata-conductor';

/**
 * The images shelve makes (Nova's `<name>-shelved` snapshot, nova/compute/utils.py `create_image`): the
 * conductor records one once the host has stored the copy of the root disk, and deletes it after the
 * unshelve or with the server. Only deciders write events: these are the image decider's commands.
 */
export class ShelvedImages {
  private readonly images: FoldCache<ImageCommand, ImageEvent, ImageState>;

  constructor(store: EventStore) {
    this.images = new FoldCache(store, imageDecider, { eventId: deterministicEventId, soleWriter: false, capacity: 100 });
  }

  /**
   * Creates the image and records its bytes in one append (created, saving, active), so that no reader,
   * the image API's upload reaper included, ever sees it half made. A repeated report finds it active and
   * changes nothing. Resolves to false when the image exists in a state that cannot take the bytes (deleted,
   * killed): the shelve then fails visibly.
   */
  async record(s: Server, name: string, imageId: string, copy: StoredSnapshot, meta: CommandMetadata): Promise<boolean> {
    const stream = imageStream(imageId);
    const { state } = await this.images.load(stream);
    const command = <T extends ImageCommand['type']>(type: T, data: Extract<ImageCommand, { type: T }>['data']) => ({ type, data, metadata: meta }) as ImageCommand;
    const commands: ImageCommand[] = [];
    if (state.status === 'absent') {
      commands.push(
        command('CreateImage', {
          imageId,
          name,
          owner: s.projectId,
          visibility: 'private',
          diskFormat: copy.diskFormat,
          containerFormat: 'bare',
          minDisk: Math.max(s.flavor.rootGb, s.image.minDisk),
          minRam: s.image.minRam,
          // The base image's properties, then what Nova's snapshot adds to them.
          properties: { ...s.image.properties, image_type: 'snapshot', instance_uuid: s.serverId, user_id: s.userId, base_image_ref: s.image.id },
        }),
      );
    }
    if (state.status === 'absent' || state.status === 'queued') commands.push(command('StartImageUpload', { imageId, uploader: CONDUCTOR_UPLOADER }));
    if (state.status === 'absent' || state.status === 'queued' || state.status === 'saving' || state.status === 'active') {
      commands.push(
        command('ActivateImage', {
          imageId,
          size: copy.size,
          checksum: copy.md5,
          osHashAlgo: 'sha512',
          osHashValue: copy.sha512,
          virtualSize: copy.virtualSize,
          blobKey: copy.blobKey,
        }),
      );
    }
    if (commands.length === 0) return false;
    try {
      await this.images.handleAll(stream, commands);
      return true;
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      return false;
    }
  }

  /** Where the image's bytes are (its blob key), or null when it holds none (gone, or never stored). */
  async blobOf(imageId: string): Promise<string | null> {
    const { state } = await this.images.load(imageStream(imageId));
    return state.status === 'active' ? (state.image.data?.blobKey ?? null) : null;
  }

  /** Deletes the image (after an unshelve, or with the server); one already gone, or protected by its owner since, is left as it is. */
  async delete(imageId: string, meta: CommandMetadata): Promise<void> {
    const stream = imageStream(imageId);
    try {
      await this.images.handle(stream, { type: 'DeleteImage', data: { imageId }, metadata: meta });
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
    }
    this.images.forget(stream);
  }
}
