import { Injectable } from '@nestjs/common';
import { ServerCommand, serverDecider, serverGroupDecider, serverGroupStream, serverStream } from '../../../../../domain/compute';
import { CreateImage, imageDecider, imageStream } from '../../../../../domain/image';
import { CommandMetadata } from '../../../../../domain/kernel';
import { ComputeWrites } from '../compute-writes';

type DataOf<T extends ServerCommand['type']> = Extract<ServerCommand, { type: T }>['data'];

/** Server commands of the API, each on the server's own stream. */
@Injectable()
export class ServerWrites {
  constructor(private readonly writes: ComputeWrites) {}

  run<T extends ServerCommand['type']>(type: T, data: DataOf<T>, meta: CommandMetadata) {
    return this.writes.run(serverDecider, serverStream((data as { serverId: string }).serverId), type, data as ServerCommand['data'], meta);
  }

  /** A new server: its id is made from the request, so its stream is new unless the request is a retry (then it is read). */
  create(spec: DataOf<'CreateServer'>, meta: CommandMetadata) {
    return this.writes.run(serverDecider, serverStream(spec.serverId), 'CreateServer', spec, meta, { fresh: true });
  }

  /**
   * The image a createImage copies the server's disk into, queued until the copy is stored (nova/compute/utils.py
   * `create_image`); shared with the server's project (`member`) when the requester is of another, as
   * nova/image/glance.py does it: a second request, after the create.
   */
  async createSnapshotImage(data: CreateImage['data'], member: string | null, meta: CommandMetadata) {
    const created = await this.writes.run(imageDecider, imageStream(data.imageId), 'CreateImage', data, meta);
    if (member === null) return created;
    return this.writes.run(imageDecider, imageStream(data.imageId), 'AddImageMember', { imageId: data.imageId, memberId: member }, meta);
  }

  addGroupMember(groupId: string, serverId: string, maxMembers: number, meta: CommandMetadata) {
    return this.writes.run(serverGroupDecider, serverGroupStream(groupId), 'AddServerGroupMember', { groupId, serverId, maxMembers }, meta);
  }

  removeGroupMember(groupId: string, serverId: string, meta: CommandMetadata) {
    return this.writes.run(serverGroupDecider, serverGroupStream(groupId), 'RemoveServerGroupMember', { groupId, serverId }, meta);
  }
}
