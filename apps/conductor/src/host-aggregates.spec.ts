import { InMemoryEventStore } from '../../../infra/eventstore/in-memory/in-memory-event-store';
import { SYSTEM_ACTOR } from '../../../domain/kernel';
import { HostAggregates } from './host-aggregates';

const resources = { hypervisorHostname: 'h1', hypervisorType: 'fake', hypervisorVersion: 1000, cpuArch: 'x86_64', cpuInfo: {}, hostIp: '10.0.0.1', vcpus: 4, memoryMb: 8192, localGb: 100 };
const allocation = { cpuAllocationRatio: 1, ramAllocationRatio: 1, diskAllocationRatio: 1, reservedHostMemoryMb: 512, reservedHostDiskMb: 0, reservedHostCpus: 0 };
const meta = (key: string) => ({ requestId: `req-${key}`, correlationId: key, causationId: key, actor: SYSTEM_ACTOR, now: new Date().toISOString() });

describe('HostAggregates.schedulerHosts', () => {
  const enabledOf = async (hosts: HostAggregates, named?: string) => (await hosts.schedulerHosts({ named })).map((h) => [h.host, h.enabled]);

  it('reads a host the request names afresh, so an admin disable made just before is seen', async () => {
    const store = new InMemoryEventStore();
    const conductor = new HostAggregates(store);
    const api = new HostAggregates(store); // another writer: the API's service disable
    for (const host of ['h1', 'h2']) {
      await conductor.run({ type: 'RegisterComputeHost', data: { host, serviceId: `s-${host}`, hypervisorId: `hv-${host}`, availabilityZone: 'nova', resources: { ...resources, hypervisorHostname: host }, allocation }, metadata: meta(host) }, `register/${host}`, meta(host));
    }
    expect(await enabledOf(conductor)).toEqual([['h1', true], ['h2', true]]);

    await api.run({ type: 'DisableComputeService', data: { host: 'h1', reason: 'maintenance' }, metadata: meta('disable') }, 'disable/h1', meta('disable'));

    // Within the view's age the unnamed view may still be the cached one; the named host never is.
    expect(await enabledOf(conductor, 'h1')).toEqual([['h1', false], ['h2', true]]);
  });
});
