import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandMetadata, Decider, DomainEvent, EventStore, handleCommand, HandleResult } from '../../../../domain/kernel';
import { deterministicEventId } from '../../../../infra/ids/ids';
import { EVENT_STORE } from '../../../shared/src/runtime.tokens';

/** Runs one compute command against its stream: load, fold, decide, append (STYLE §5). */
@Injectable()
export class ComputeWrites {
  constructor(@Inject(EVENT_STORE) readonly store: EventStore) {}

  /** `maxRetries`: how often a command is decided again when another writer appended first (a stream many requests share wants more than the default). */
  run<C extends Command, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    stream: string,
    type: C['type'],
    data: C['data'],
    metadata: CommandMetadata,
    options: { fresh?: boolean; maxRetries?: number } = {},
  ): Promise<HandleResult<S, E>> {
    return handleCommand(this.store, decider, stream, { type, data, metadata } as C, { eventId: deterministicEventId, fresh: options.fresh, maxRetries: options.maxRetries });
  }
}
