import { DomainEvent } from '../../kernel';

export type ServiceCreated = DomainEvent<'ServiceCreated', { serviceId: string; type: string; name: string | null; description: string | null; enabled: boolean }>;
/** Only the fields that changed, with their new values. */
export type ServiceUpdated = DomainEvent<'ServiceUpdated', { serviceId: string; type?: string; name?: string | null; description?: string | null; enabled?: boolean }>;
export type ServiceDeleted = DomainEvent<'ServiceDeleted', { serviceId: string; type: string }>;

export type ServiceEvent = ServiceCreated | ServiceUpdated | ServiceDeleted;
