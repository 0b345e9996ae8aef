import { DomainEvent } from '../../kernel';

export type EndpointInterface = 'public' | 'internal' | 'admin';

export type EndpointCreated = DomainEvent<
  'EndpointCreated',
  { endpointId: string; serviceId: string; interface: EndpointInterface; url: string; regionId: string | null; enabled: boolean }
>;
/** Only the fields that changed, with their new values. */
export type EndpointUpdated = DomainEvent<
  'EndpointUpdated',
  { endpointId: string; serviceId?: string; interface?: EndpointInterface; url?: string; regionId?: string | null; enabled?: boolean }
>;
export type EndpointDeleted = DomainEvent<'EndpointDeleted', { endpointId: string; serviceId: string }>;

export type EndpointEvent = EndpointCreated | EndpointUpdated | EndpointDeleted;
