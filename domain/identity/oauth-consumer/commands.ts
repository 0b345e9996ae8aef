import { Command } from '../../kernel';
import { ConsumerExtra } from './events';

/** The API draws the secret and hashes it; the decider never sees the secret itself. */
export type CreateOAuthConsumer = Command<'CreateOAuthConsumer', { consumerId: string; description?: string | null; secretHash: string; extra?: ConsumerExtra }>;
/** Keystone oauth1/schema.py `consumer_update`: the secret cannot be changed. */
export type UpdateOAuthConsumer = Command<'UpdateOAuthConsumer', { consumerId: string; description?: string | null; extra?: ConsumerExtra }>;
export type DeleteOAuthConsumer = Command<'DeleteOAuthConsumer', { consumerId: string }>;

export type OAuthConsumerCommand = CreateOAuthConsumer | UpdateOAuthConsumer | DeleteOAuthConsumer;
