import { DomainEvent } from '../../kernel';
import { ResourceOptions } from '../validation';

export type DomainCreated = DomainEvent<
  'DomainCreated',
  { domainId: string; name: string; description: string; enabled: boolean; options: ResourceOptions }
>;

/** Only the fields that changed, with their new values; disabling a domain invalidates its users' tokens. */
export type DomainUpdated = DomainEvent<
  'DomainUpdated',
  { domainId: string; name?: string; description?: string; enabled?: boolean; options?: ResourceOptions }
>;

export type DomainDeleted = DomainEvent<'DomainDeleted', { domainId: string; name: string }>;

export type IdentityDomainEvent = DomainCreated | DomainUpdated | DomainDeleted;
