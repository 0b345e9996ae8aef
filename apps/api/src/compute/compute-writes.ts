import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandMetadata, Decider, DomainEvent, EventStore, handleCommand, HandleResult } from '../../../../domain/kernel';
import { deterministicEventId, randomEventId } from '../../../../infra/ids/ids';
import { EVENT_STORE } from '../../../shared/src/runtime.tokens';

/** Runs one compute command against its stream: load, fold, decide, append (STYLE §5). */
@Injectable()
export class ComputeWrites {
  constructor(@Inject(EVENT_STORE) readonly store: EventStore) {}

  /**
   * `maxRetries`: how often a command is decided again when another writer appended first (a stream many requests share wants more than the default).
   * `replay` false: the request id does not make a second request a retry of the first (HandleOptions.replay).
   */
  run<C extends Command, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    stream: string,
    type: C['type'],
    data: C['data'],
    metadata: CommandMetadata,
    options: { fresh?: boolean; maxRetries?: number; replay?: boolean } = {},
  ): Promise<HandleResult<S, E>> {
    return handleCommand(this.store, decider, stream, { type, data, metadata } as C, {
      eventId: options.replay === false ? randomEventId : deterministicEventId,
      fresh: options.fresh,
      maxRetries: options.maxRetries,
      replay: options.replay,
    });
  }
}
