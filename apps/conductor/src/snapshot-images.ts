import { ImageRequester, Server } from '../../../domain/compute';
import { ImageCommand, imageDecider, ImageEvent, ImageState, imageStream } from '../../../domain/image';
import { CommandMetadata, DomainError, EventStore, FoldCache } from '../../../domain/kernel';
import { deterministicEventId } from '../../../infra/ids/ids';
import { StoredSnapshot } from '../../shared/src/compute-protocol';
import { snapshotImage } from '../../shared/src/snapshot-images';

/** The uploader a shelved image's `saving` step names: the conductor, which activates it in the same append. */
const CONDUCTOR_UPLOADER = 'strata-conductor';

/**
 * The images a server's snapshots make (createImage, and shelve's `<name>-shelved`): the conductor records
 * the bytes once the host has stored the copy of the root disk (creating the image first if the API has not,
 * as for a shelve), and deletes a shelved image after the unshelve or with the server, or a snapshot image
 * whose copy failed. Only deciders write events: these are the image decider's commands.
 */
export class SnapshotImages {
  private readonly images: FoldCache<ImageCommand, ImageEvent, ImageState>;

  constructor(store: EventStore) {
    this.images = new FoldCache(store, imageDecider, { eventId: deterministicEventId, soleWriter: false, capacity: 100 });
  }

  /**
   * Records the copy's bytes on the image, in one append (created if need be, formats, saving, active), so
   * that no reader, the image API's upload reaper included, ever sees it half made. A repeated report finds it
   * active and changes nothing. Resolves to false when the image is in a state that cannot take the bytes
   * (deleted, killed, or bytes being uploaded to it through the image API): the snapshot then fails visibly.
   * A shelve's image is made here, for whoever shelved the server (shared with its project when they are of another).
   */
  async record(s: Server, name: string, imageId: string, requester: ImageRequester, copy: StoredSnapshot, meta: CommandMetadata): Promise<boolean> {
    const stream = imageStream(imageId);
    const { state } = await this.images.load(stream);
    const command = <T extends ImageCommand['type']>(type: T, data: Extract<ImageCommand, { type: T }>['data']) => ({ type, data, metadata: meta }) as ImageCommand;
    const commands: ImageCommand[] = [];
    if (state.status === 'absent') {
      // Made here for a shelve (createImage's is the API's, unless the API stopped before making it).
      const made = snapshotImage(imageId, name, { serverId: s.serverId, projectId: s.projectId, requester, flavor: s.flavor, image: s.image });
      commands.push(command('CreateImage', { ...made.image, diskFormat: copy.diskFormat, containerFormat: 'bare' }));
      if (made.member) commands.push(command('AddImageMember', { imageId, memberId: made.member }));
    }
    if (state.status === 'queued' && (state.image.diskFormat !== copy.diskFormat || state.image.containerFormat !== 'bare')) {
      // nova/image/glance.py: the driver sets the formats of the copy on the image the API created without them.
      commands.push(
        command('UpdateImage', {
          imageId,
          operations: [
            { op: 'replace', path: 'disk_format', value: copy.diskFormat },
            { op: 'replace', path: 'container_format', value: 'bare' },
          ],
        }),
      );
    }
    if (state.status === 'absent' || state.status === 'queued') commands.push(command('StartImageUpload', { imageId, uploader: CONDUCTOR_UPLOADER }));
    if (state.status === 'absent' || state.status === 'queued' || state.status === 'active') {
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

  /** Deletes the image (after an unshelve, with the server, or after a failed copy); one already gone, or protected by its owner since, is left as it is. */
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
