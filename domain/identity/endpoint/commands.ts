import { Command } from '../../kernel';
import { EndpointInterface } from './events';

/** Service and region existence are checked by infra before the command (Keystone answers 400/404). */
export type CreateEndpoint = Command<
  'CreateEndpoint',
  { endpointId: string; serviceId: string; interface: EndpointInterface; url: string; regionId?: string | null; enabled?: boolean }
>;
export type UpdateEndpoint = Command<
  'UpdateEndpoint',
  { endpointId: string; serviceId?: string; interface?: EndpointInterface; url?: string; regionId?: string | null; enabled?: boolean }
>;
export type DeleteEndpoint = Command<'DeleteEndpoint', { endpointId: string }>;

export type EndpointCommand = CreateEndpoint | UpdateEndpoint | DeleteEndpoint;
