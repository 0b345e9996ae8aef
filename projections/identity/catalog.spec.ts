import { foldStrictly, IdentityScenario, rowsOf } from '../../test/projections/identity-scenario';
import { ENDPOINTS_TABLE, identityCatalogProjection as projection, REGIONS_TABLE, SERVICES_TABLE } from './catalog';

function regionOneWithCompute(s: IdentityScenario) {
  return {
    region: s.add('RegionCreated', { regionId: 'RegionOne', description: '', parentRegionId: null }),
    service: s.add('ServiceCreated', { serviceId: 's-nova', type: 'compute', name: 'nova', description: 'Compute', enabled: true }),
    publicEndpoint: s.add('EndpointCreated', { endpointId: 'e1', serviceId: 's-nova', interface: 'public', url: 'http://cloud:8080/compute/v2.1', regionId: 'RegionOne', enabled: true }),
    internalEndpoint: s.add('EndpointCreated', { endpointId: 'e2', serviceId: 's-nova', interface: 'internal', url: 'http://10.0.0.1:8080/compute/v2.1', regionId: 'RegionOne', enabled: true }),
  };
}

describe('identity_catalog projection', () => {
  it('records regions, services and endpoints', () => {
    const s = new IdentityScenario();
    const at = regionOneWithCompute(s);
    const rows = foldStrictly(projection, s.recorded());
    expect(rowsOf(rows, REGIONS_TABLE)).toEqual([{ id: 'RegionOne', description: '', parent_region_id: null, created_at: at.region, updated_at: at.region, stream_version: 0 }]);
    expect(rowsOf(rows, SERVICES_TABLE)).toEqual([
      { id: 's-nova', type: 'compute', name: 'nova', description: 'Compute', enabled: true, created_at: at.service, updated_at: at.service, stream_version: 0 },
    ]);
    expect(rows.get(ENDPOINTS_TABLE, 'e1')).toEqual({
      id: 'e1',
      service_id: 's-nova',
      interface: 'public',
      url: 'http://cloud:8080/compute/v2.1',
      region_id: 'RegionOne',
      enabled: true,
      created_at: at.publicEndpoint,
      updated_at: at.publicEndpoint,
      stream_version: 0,
    });
  });

  it('names the one row an event is about', () => {
    const s = new IdentityScenario();
    regionOneWithCompute(s);
    expect(s.recorded().map((e) => projection.rowsFor(e))).toEqual([
      [{ table: REGIONS_TABLE, key: 'RegionOne' }],
      [{ table: SERVICES_TABLE, key: 's-nova' }],
      [{ table: ENDPOINTS_TABLE, key: 'e1' }],
      [{ table: ENDPOINTS_TABLE, key: 'e2' }],
    ]);
  });

  it('changes only the fields an update carries, clearing those set to null', () => {
    const s = new IdentityScenario();
    const at = regionOneWithCompute(s);
    s.add('RegionCreated', { regionId: 'RegionTwo', description: 'DR', parentRegionId: 'RegionOne' });
    const regionMoved = s.add('RegionUpdated', { regionId: 'RegionTwo', parentRegionId: null });
    const serviceUpdated = s.add('ServiceUpdated', { serviceId: 's-nova', name: null, enabled: false });
    s.add('EndpointUpdated', { endpointId: 'e1', url: 'https://cloud/compute/v2.1' });
    const endpointUpdated = s.add('EndpointUpdated', { endpointId: 'e1', regionId: null, enabled: false });
    const rows = foldStrictly(projection, s.recorded());
    expect(rows.get(REGIONS_TABLE, 'RegionTwo')).toMatchObject({ description: 'DR', parent_region_id: null, updated_at: regionMoved, stream_version: 1 });
    expect(rows.get(SERVICES_TABLE, 's-nova')).toEqual({
      id: 's-nova',
      type: 'compute',
      name: null,
      description: 'Compute',
      enabled: false,
      created_at: at.service,
      updated_at: serviceUpdated,
      stream_version: 1,
    });
    expect(rows.get(ENDPOINTS_TABLE, 'e1')).toEqual({
      id: 'e1',
      service_id: 's-nova',
      interface: 'public',
      url: 'https://cloud/compute/v2.1',
      region_id: null,
      enabled: false,
      created_at: at.publicEndpoint,
      updated_at: endpointUpdated,
      stream_version: 2,
    });
  });

  it('removes deleted regions, services and endpoints', () => {
    const s = new IdentityScenario();
    regionOneWithCompute(s);
    s.add('EndpointDeleted', { endpointId: 'e1', serviceId: 's-nova' });
    s.add('ServiceDeleted', { serviceId: 's-nova', type: 'compute' });
    s.add('RegionDeleted', { regionId: 'RegionOne' });
    const rows = foldStrictly(projection, s.recorded());
    expect(rowsOf(rows, REGIONS_TABLE)).toEqual([]);
    expect(rowsOf(rows, SERVICES_TABLE)).toEqual([]);
    // Keystone drops a service's endpoints with it; ServiceDeleted does not list them (see the report).
    expect(rowsOf(rows, ENDPOINTS_TABLE).map((r) => r.id)).toEqual(['e2']);
  });
});
