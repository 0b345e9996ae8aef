import { Inject, Injectable } from '@nestjs/common';
import {
  MetadefNamespaceCommand,
  metadefNamespaceDecider,
  MetadefNamespaceEvent,
  MetadefNamespaceState,
  metadefNamespaceStream,
  metadefNameKey,
  UpdateMetadefNamespace,
} from '../../../../domain/image';
import { CommandMetadata, Conflict, EventStore, handleCommand, Position, WrongExpectedVersionError } from '../../../../domain/kernel';
import { deterministicEventId, uuidFromName } from '../../../../infra/ids/ids';
import { runCommand } from '../../../shared/src/identity-commands';
import { EVENT_STORE } from '../../../shared/src/runtime.tokens';

type DataOf<T extends MetadefNamespaceCommand['type']> = Extract<MetadefNamespaceCommand, { type: T }>['data'];

/** The stream a namespace name lives on, whatever its case. */
export function namespaceStreamOf(name: string): string {
  return metadefNamespaceStream(uuidFromName(`metadef-namespace\u0000${metadefNameKey(name)}`));
}

/** Metadef commands the API issues, each on the namespace's own stream; returns the position for read-your-writes. */
@Injectable()
export class MetadefWrites {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async run<T extends MetadefNamespaceCommand['type']>(type: T, data: DataOf<T> & { namespace: string }, meta: CommandMetadata): Promise<Position | null> {
    const result = await runCommand(this.store, metadefNamespaceDecider, namespaceStreamOf(data.namespace), type, data as MetadefNamespaceCommand['data'], meta);
    return result.position;
  }

  private async load(stream: string): Promise<{ state: MetadefNamespaceState; version: bigint | null }> {
    let state = metadefNamespaceDecider.initialState;
    let version: bigint | null = null;
    for await (const e of this.store.readStream(stream)) {
      state = metadefNamespaceDecider.evolve(state, e as unknown as MetadefNamespaceEvent);
      version = e.version;
    }
    return { state, version };
  }

  /**
   * PUT /v2/metadefs/namespaces/{namespace}. A new name is another stream: the content is created
   * there first (which fails, writing nothing, if the name is taken), then this stream gives its
   * name away at the version the content was read at. Had the namespace changed in between, the
   * new stream hands the name back and the client gets a 409 to retry.
   */
  async update(data: UpdateMetadefNamespace['data'], meta: CommandMetadata): Promise<Position | null> {
    const oldStream = namespaceStreamOf(data.namespace);
    const newStream = namespaceStreamOf(data.newNamespace);
    if (oldStream === newStream) return this.run('UpdateMetadefNamespace', data, meta);
    const { state, version } = await this.load(oldStream);
    if (state.status !== 'active') return this.run('UpdateMetadefNamespace', data, meta); // the decider words the 404
    const ns = state.namespace;
    await this.run(
      'CreateMetadefNamespace',
      {
        namespace: data.newNamespace,
        displayName: data.displayName ?? null,
        description: data.description ?? null,
        visibility: data.visibility ?? 'private',
        protected: data.protected ?? false,
        owner: data.owner,
        properties: ns.properties,
        objects: ns.objects,
        tags: ns.tags,
        resourceTypeAssociations: ns.resourceTypeAssociations,
        renamedFrom: { namespace: ns.namespace, stream: oldStream },
      },
      meta,
    );
    try {
      const renamed = await handleCommand(
        this.store,
        metadefNamespaceDecider,
        oldStream,
        { type: 'RenameMetadefNamespace', data: { namespace: ns.namespace, newNamespace: data.newNamespace, newStream }, metadata: meta } as MetadefNamespaceCommand,
        { eventId: deterministicEventId, expectedVersion: version! },
      );
      return renamed.position;
    } catch (e) {
      if (!(e instanceof WrongExpectedVersionError)) throw e;
      await runCommand(this.store, metadefNamespaceDecider, newStream, 'RenameMetadefNamespace', { namespace: data.newNamespace, newNamespace: ns.namespace, newStream: oldStream }, meta);
      throw new Conflict(`Metadata definition namespace ${ns.namespace} changed while it was being renamed; retry the update.`, { namespace: ns.namespace });
    }
  }
}
