import { assertNever, Conflict, NotFound } from '../../kernel';
import { CreateKeypair, DeleteKeypair, KeypairCommand } from './commands';
import { KeypairEvent } from './events';
import { KeypairState } from './state';

export function createKeypair(command: CreateKeypair, state: KeypairState): KeypairEvent[] {
  // nova/exception.py KeyPairExists (409)
  if (state.status === 'active') throw new Conflict(`Key pair '${command.data.name}' already exists.`, { name: command.data.name });
  return [{ type: 'KeypairCreated', data: command.data }];
}

export function deleteKeypair(command: DeleteKeypair, state: KeypairState): KeypairEvent[] {
  // nova/exception.py KeypairNotFound (404)
  if (state.status !== 'active') throw new NotFound(`Keypair ${command.data.name} not found for user ${command.data.userId}`, { name: command.data.name });
  return [{ type: 'KeypairDeleted', data: command.data }];
}

export function decideKeypair(command: KeypairCommand, state: KeypairState): KeypairEvent[] {
  switch (command.type) {
    case 'CreateKeypair':
      return createKeypair(command, state);
    case 'DeleteKeypair':
      return deleteKeypair(command, state);
    default:
      return assertNever(command);
  }
}
