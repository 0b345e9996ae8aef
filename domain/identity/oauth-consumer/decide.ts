import { assertNever, Conflict, NotFound } from '../../kernel';
import { changedFields, isEmpty, requireNonEmpty } from '../validation';
import { CreateOAuthConsumer, DeleteOAuthConsumer, OAuthConsumerCommand, UpdateOAuthConsumer } from './commands';
import { OAuthConsumerEvent, OAuthConsumerUpdated } from './events';
import { OAuthConsumer, OAuthConsumerState } from './state';

function activeConsumer(state: OAuthConsumerState, consumerId: string): OAuthConsumer {
  if (state.status !== 'active') throw new NotFound(`Could not find consumer: ${consumerId}.`, { consumerId });
  return state.consumer;
}

export function createOAuthConsumer(command: CreateOAuthConsumer, state: OAuthConsumerState): OAuthConsumerEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store consumer - Duplicate ID, ${d.consumerId}.`, { consumerId: d.consumerId });
  requireNonEmpty(d.secretHash, 'secret');
  return [{ type: 'OAuthConsumerCreated', data: { consumerId: d.consumerId, description: d.description ?? null, secretHash: d.secretHash, extra: d.extra ?? {} } }];
}

export function updateOAuthConsumer(command: UpdateOAuthConsumer, state: OAuthConsumerState): OAuthConsumerEvent[] {
  const d = command.data;
  const consumer = activeConsumer(state, d.consumerId);
  const extra = d.extra === undefined ? undefined : { ...consumer.extra, ...d.extra };
  const changes = changedFields(consumer, { description: d.description, extra }, ['description', 'extra'] as const);
  if (isEmpty(changes)) return [];
  return [{ type: 'OAuthConsumerUpdated', data: { consumerId: d.consumerId, ...changes } as OAuthConsumerUpdated['data'] }];
}

export function deleteOAuthConsumer(command: DeleteOAuthConsumer, state: OAuthConsumerState): OAuthConsumerEvent[] {
  const consumer = activeConsumer(state, command.data.consumerId);
  return [{ type: 'OAuthConsumerDeleted', data: { consumerId: consumer.consumerId } }];
}

export function decideOAuthConsumer(command: OAuthConsumerCommand, state: OAuthConsumerState): OAuthConsumerEvent[] {
  switch (command.type) {
    case 'CreateOAuthConsumer':
      return createOAuthConsumer(command, state);
    case 'UpdateOAuthConsumer':
      return updateOAuthConsumer(command, state);
    case 'DeleteOAuthConsumer':
      return deleteOAuthConsumer(command, state);
    default:
      return assertNever(command);
  }
}
