import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CreateMetadefResourceType, metadefResourceTypeDecider, metadefResourceTypeStream, metadefNameKey } from '../../../../domain/image';
import { CommandMetadata, EventStore, Position, SYSTEM_ACTOR } from '../../../../domain/kernel';
import { uuidFromName } from '../../../../infra/ids/ids';
import { runCommand } from '../../../shared/src/identity-commands';
import { EVENT_STORE } from '../../../shared/src/runtime.tokens';

/**
 * The resource types `glance-manage db_load_metadefs` seeds from /etc/glance/metadefs, in the order
 * Glance lists them (tempest takes the first one for its association tests).
 */
export const SEEDED_RESOURCE_TYPES = ['OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Server', 'OS::Nova::Aggregate', 'OS::Nova::Flavor', 'OS::Trove::Instance'];

export const resourceTypeStreamOf = (name: string) => metadefResourceTypeStream(uuidFromName(`metadef-resource-type\u0000${metadefNameKey(name)}`));

/**
 * Seeds the system resource types as events when the API starts. Each has a fixed request id, so
 * every later boot (and every API replica) finds its first outcome instead of writing again.
 */
@Injectable()
export class MetadefResourceTypeSeed implements OnApplicationBootstrap {
  private position: Position | null = null;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Head of the seeding: GET /v2/metadefs/resource_types waits for the read model to pass it. */
  get seededAt(): Position | null {
    return this.position;
  }

  async onApplicationBootstrap(): Promise<void> {
    const correlationId = uuidFromName('metadef-bootstrap');
    for (const name of SEEDED_RESOURCE_TYPES) {
      const requestId = `req-${uuidFromName(`metadef-bootstrap-request\u0000resource-type/${name}`)}`;
      const meta: CommandMetadata = { requestId, correlationId, causationId: requestId, actor: SYSTEM_ACTOR, now: new Date().toISOString() };
      const data: CreateMetadefResourceType['data'] = { name, protected: true };
      const { position } = await runCommand(this.store, metadefResourceTypeDecider, resourceTypeStreamOf(name), 'CreateMetadefResourceType', data, meta);
      if (position !== null) this.position = position;
    }
  }
}
