import { Inject, Injectable } from '@nestjs/common';
import { CreateTrust, trustDecider, trustStream } from '../../../../domain/identity';
import { CommandMetadata, EventStore, NotFound, Position } from '../../../../domain/kernel';
import { uuidFromName } from '../../../../infra/ids/ids';
import { keystoneId, runCommand } from '../../../shared/src/identity-commands';
import { EVENT_STORE } from '../../../shared/src/runtime.tokens';
import { TrustReads } from './trust-reads';

/** OS-TRUST commands: one `trust-<id>` stream per trust (domain/identity/trust). */
@Injectable()
export class TrustWrites {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reads: TrustReads,
  ) {}

  /** The id derives from the request id: a retried request lands on the same stream and gets its first outcome. */
  async create(data: Omit<CreateTrust['data'], 'id'>, meta: CommandMetadata): Promise<{ id: string; position: Position | null }> {
    const id = keystoneId(uuidFromName(`identity-create\u0000trust\u0000${meta.requestId}`));
    const result = await runCommand(this.store, trustDecider, trustStream(id), 'CreateTrust', { id, ...data }, meta);
    return { id, position: result.position };
  }

  /** Keystone trust/core.py `delete_trust`: the trusts redelegated from it go first, then the trust itself. */
  async delete(id: string, meta: CommandMetadata, depth = 0): Promise<Position | null> {
    let last: Position | null = null;
    if (depth <= 8) {
      for (const child of await this.reads.trusts({ redelegatedTrustId: id })) {
        try {
          last = (await this.delete(child.id, meta, depth + 1)) ?? last;
        } catch (e) {
          // Already deleted, expired or spent by the time we got there: nothing to revoke.
          if (!(e instanceof NotFound)) throw e;
        }
      }
    }
    const result = await runCommand(this.store, trustDecider, trustStream(id), 'DeleteTrust', { id }, meta);
    return result.position ?? last;
  }
}
