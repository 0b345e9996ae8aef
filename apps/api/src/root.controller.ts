import { Controller, Get, Inject } from '@nestjs/common';
import { StrataConfig } from '../../../infra/config';
import { STRATA_VERSION } from '../../shared/src/version';
import { STRATA_CONFIG } from '../../shared/src/runtime.tokens';

/**
 * DevStack-style prefixes on the one port (DESIGN.md, API). `served`: whether this build answers
 * there. The catalog lists only served services (a client that finds a service in the catalog
 * calls it: `openstack quota show` reads volume and network quotas when they are listed); the
 * others keep their reserved prefix and are registered disabled until their issue lands.
 */
export const SERVICE_PREFIXES = [
  { type: 'identity', name: 'keystone', path: '/identity/v3', served: true },
  { type: 'compute', name: 'nova', path: '/compute/v2.1', served: true },
  // Unversioned as DevStack registers Glance: clients discover v2 from the 300 version list.
  { type: 'image', name: 'glance', path: '/image', served: true },
  { type: 'block-storage', name: 'cinder', path: '/volume/v3', served: false },
  { type: 'network', name: 'neutron', path: '/networking/v2.0', served: false },
  { type: 'object-store', name: 'swift', path: '/object-store/v1', served: false },
] as const;

@Controller()
export class RootController {
  constructor(@Inject(STRATA_CONFIG) private readonly config: StrataConfig) {}

  @Get()
  root() {
    return {
      name: 'strata',
      version: STRATA_VERSION,
      services: SERVICE_PREFIXES.filter((s) => s.served).map(({ served: _served, ...s }) => ({ ...s, url: `${this.config.publicUrl}${s.path}` })),
    };
  }
}
