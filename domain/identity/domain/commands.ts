import { Command } from '../../kernel';
import { ResourceOptions } from '../validation';

export type CreateDomain = Command<
  'CreateDomain',
  { domainId: string; name: string; description?: string | null; enabled?: boolean; options?: ResourceOptions }
>;

export type UpdateDomain = Command<
  'UpdateDomain',
  { domainId: string; name?: string; description?: string | null; enabled?: boolean; options?: ResourceOptions }
>;

export type DeleteDomain = Command<'DeleteDomain', { domainId: string }>;

export type IdentityDomainCommand = CreateDomain | UpdateDomain | DeleteDomain;
