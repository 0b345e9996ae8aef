import { Inject, Injectable } from '@nestjs/common';
import { CreateImage, ImageCommand, imageDecider, ImagePatchOperation, imageStream, ImageState, MemberStatus } from '../../../../domain/image';
import { CommandMetadata, EventStore, Position } from '../../../../domain/kernel';
import { uuidFromName } from '../../../../infra/ids/ids';
import { runCommand } from '../../../shared/src/identity-commands';
import { EVENT_STORE } from '../../../shared/src/runtime.tokens';

export interface ImageCommandResult {
  position: Position | null;
  state: ImageState;
}

type DataOf<T extends ImageCommand['type']> = Extract<ImageCommand, { type: T }>['data'];

/** Image commands the API issues, each on the image's own stream; returns the position for read-your-writes. */
@Injectable()
export class ImageWrites {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  run<T extends ImageCommand['type']>(type: T, data: DataOf<T>, meta: CommandMetadata): Promise<ImageCommandResult> {
    return runCommand(this.store, imageDecider, imageStream((data as { imageId: string }).imageId), type, data as ImageCommand['data'], meta);
  }

  /** Without an `id` in the body, the id derives from the request id: a retried create lands on the same image. */
  create(data: Omit<CreateImage['data'], 'imageId'> & { imageId?: string }, meta: CommandMetadata): Promise<ImageCommandResult & { imageId: string }> {
    const imageId = data.imageId ?? uuidFromName(`image-create\u0000${meta.requestId}`);
    return this.run('CreateImage', { ...data, imageId }, meta).then((r) => ({ ...r, imageId }));
  }

  update(imageId: string, operations: ImagePatchOperation[], mayChangeOwner: boolean, meta: CommandMetadata) {
    return this.run('UpdateImage', { imageId, operations, mayChangeOwner }, meta);
  }

  updateMember(imageId: string, memberId: string, status: MemberStatus, meta: CommandMetadata) {
    return this.run('UpdateImageMember', { imageId, memberId, status }, meta);
  }
}
