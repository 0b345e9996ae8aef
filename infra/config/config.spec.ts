import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to the embedded, all-in-one setup', () => {
    const c = loadConfig({}, '/srv/strata');
    expect(c).toMatchObject({
      port: 8080,
      dataDir: '/srv/strata/.strata',
      publicUrl: 'http://127.0.0.1:8080',
      databaseUrl: undefined,
      natsUrl: undefined,
      eventStoreUrl: undefined,
      computeDriver: 'fake',
      volumeDriver: 'file',
      fakeHosts: ['fake-1', 'fake-2'],
      fakeHostResources: undefined,
      fakeDelayMs: 0,
      fakeFailures: undefined,
      availabilityZone: 'nova',
      serviceDownTimeSec: 60,
      reportIntervalSec: 10,
      libvirtUri: 'qemu:///system',
      instancesPath: '/srv/strata/.strata/instances',
      computeHost: 'compute-1',
      syncPowerStateIntervalSec: 60,
      shutdownTimeoutSec: 60,
      softRebootTimeoutSec: 120,
      shelvedOffloadTimeSec: 0,
      logLevel: 'info',
    });
  });

  it('reads the libvirt settings, resolving a relative instances path, and refuses a host name unusable in a subject', () => {
    const c = loadConfig({ COMPUTE_DRIVER: 'libvirt', STRATA_LIBVIRT_URI: 'qemu+ssh://hv1/system', STRATA_INSTANCES_PATH: 'vms', STRATA_COMPUTE_HOST: 'hv-1', STRATA_SYNC_POWER_STATE_INTERVAL: '5' }, '/srv');
    expect(c).toMatchObject({ computeDriver: 'libvirt', libvirtUri: 'qemu+ssh://hv1/system', instancesPath: '/srv/vms', computeHost: 'hv-1', syncPowerStateIntervalSec: 5 });
    expect(() => loadConfig({ STRATA_COMPUTE_HOST: 'hv.1' })).toThrow(/STRATA_COMPUTE_HOST: "hv.1" is not a host name/);
    expect(() => loadConfig({ STRATA_SYNC_POWER_STATE_INTERVAL: '0' })).toThrow(/STRATA_SYNC_POWER_STATE_INTERVAL/);
  });

  it('derives the public URL from the port and resolves a relative data dir', () => {
    const c = loadConfig({ STRATA_PORT: '9999', STRATA_DATA_DIR: 'var/data' }, '/srv');
    expect(c.publicUrl).toBe('http://127.0.0.1:9999');
    expect(c.dataDir).toBe('/srv/var/data');
  });

  it('names the variable to fix when a port is invalid', () => {
    expect(() => loadConfig({ STRATA_PORT: '80a' })).toThrow(ConfigError);
    expect(() => loadConfig({ STRATA_PORT: '70000' })).toThrow(/STRATA_PORT: .*1 to 65535/);
  });

  it('rejects an unknown driver with the allowed values', () => {
    expect(() => loadConfig({ COMPUTE_DRIVER: 'xen' })).toThrow(/COMPUTE_DRIVER: .*fake, libvirt/);
  });

  it('rejects a DATABASE_URL that is not PostgreSQL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x@y/z' })).toThrow(/DATABASE_URL: .*postgres:/);
  });

  it("reads Nova's shelved_offload_time: -1, 0 or seconds, and nothing else", () => {
    expect(loadConfig({ STRATA_SHELVED_OFFLOAD_TIME: '-1' }).shelvedOffloadTimeSec).toBe(-1);
    expect(loadConfig({ STRATA_SHELVED_OFFLOAD_TIME: '3600' }).shelvedOffloadTimeSec).toBe(3600);
    expect(() => loadConfig({ STRATA_SHELVED_OFFLOAD_TIME: '-2' })).toThrow(/STRATA_SHELVED_OFFLOAD_TIME/);
  });

  it('accepts a NATS cluster list and fake host names', () => {
    const c = loadConfig({ NATS_URL: 'nats://a:4222,nats://b:4222', STRATA_FAKE_HOSTS: 'host-1, host-2' });
    expect(c.natsUrl).toBe('nats://a:4222,nats://b:4222');
    expect(c.fakeHosts).toEqual(['host-1', 'host-2']);
  });
});
