import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandMetadata, Decider, DomainEvent, EventStore, handleCommand, HandleResult } from '../../../../domain/kernel';
import { deterministicEventId } from '../../../../infra/ids/ids';
import { EVENT_STORE } from '../../../shared/src/runtime.tokens';

/** Runs one compute command against its stream: load, fold, decide, append (STYLE §5). */
@Injectable()
export class ComputeWrites {
  constructor(@Inject(EVENT_STORE) readonly store: EventStore) {}

  run<C extends Command, E extends DomainEvent, S>(decider: Decider<C, E, S>, stream: string, type: C['type'], data: C['data'], metadata: CommandMetadata, options: { fresh?: boolean } = {}): Promise<HandleResult<S, E>> {
    return handleCommand(this.store, decider, stream, { type, data, metadata } as C, { eventId: deterministicEventId, fresh: options.fresh });
  }
}
