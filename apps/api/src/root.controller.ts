import { Controller, Get, Inject } from '@nestjs/common';
import { StrataConfig } from '../../../infra/config';
import { STRATA_VERSION } from '../../shared/src/version';
import { STRATA_CONFIG } from '../../shared/src/runtime.tokens';

/** DevStack-style prefixes on the one port (DESIGN.md, API). */
export const SERVICE_PREFIXES = [
  { type: 'identity', name: 'keystone', path: '/identity/v3' },
  { type: 'compute', name: 'nova', path: '/compute/v2.1' },
  // Unversioned as DevStack registers Glance: clients discover v2 from the 300 version list.
  { type: 'image', name: 'glance', path: '/image' },
  { type: 'block-storage', name: 'cinder', path: '/volume/v3' },
  { type: 'network', name: 'neutron', path: '/networking/v2.0' },
  { type: 'object-store', name: 'swift', path: '/object-store/v1' },
] as const;

@Controller()
export class RootController {
  constructor(@Inject(STRATA_CONFIG) private readonly config: StrataConfig) {}

  @Get()
  root() {
    return {
      name: 'strata',
      version: STRATA_VERSION,
      services: SERVICE_PREFIXES.map((s) => ({ ...s, url: `${this.config.publicUrl}${s.path}` })),
    };
  }
}
