import { DomainEvent } from '../../kernel';
import { OptionValue } from '../validation';

/** Attributes beyond the description, which Keystone keeps and returns (`additionalProperties: true`). */
export type ConsumerExtra = Readonly<Record<string, OptionValue>>;

export type OAuthConsumerCreated = DomainEvent<'OAuthConsumerCreated', { consumerId: string; description: string | null; secretHash: string; extra: ConsumerExtra }>;
/** Only the fields that changed; `extra` is the merged result. */
export type OAuthConsumerUpdated = DomainEvent<'OAuthConsumerUpdated', { consumerId: string; description?: string | null; extra?: ConsumerExtra }>;
export type OAuthConsumerDeleted = DomainEvent<'OAuthConsumerDeleted', { consumerId: string }>;

export type OAuthConsumerEvent = OAuthConsumerCreated | OAuthConsumerUpdated | OAuthConsumerDeleted;
