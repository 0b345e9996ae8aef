import { HostAllocation, HostResources } from '../../domain/compute';
import { SYSTEM_ACTOR } from '../../domain/kernel';
import { InMemoryEventStore } from '../../infra/eventstore/in-memory/in-memory-event-store';
import { InProcessBus } from '../../infra/messaging/in-process/in-process-bus';
import { HostAggregates, hostStreamOf } from '../../apps/conductor/src/host-aggregates';
import { HostLiveness } from '../../apps/conductor/src/host-liveness';
import { computeSubjects } from '../../apps/shared/src/compute-protocol';
import { waitFor } from '../e2e/support/strata-process';

const resources: HostResources = { hypervisorHostname: 'h1', hypervisorType: 'fake', hypervisorVersion: 1000, cpuArch: 'x86_64', cpuInfo: {}, hostIp: '10.0.0.1', vcpus: 4, memoryMb: 4096, localGb: 40 };
const allocation: HostAllocation = { cpuAllocationRatio: 4, ramAllocationRatio: 1, diskAllocationRatio: 1, reservedHostMemoryMb: 512, reservedHostDiskMb: 0, reservedHostCpus: 0 };

/** Liveness is not an event: only going down and coming back are (DESIGN.md, Events). */
describe('HostLiveness', () => {
  const store = new InMemoryEventStore();
  const bus = new InProcessBus();
  const hosts = new HostAggregates(store);
  const liveness = new HostLiveness(bus, hosts, 400, (e) => {
    throw e;
  });
  const types = async () => {
    const out: string[] = [];
    for await (const e of store.readStream(hostStreamOf('h1'))) out.push(e.type);
    return out;
  };

  beforeAll(async () => {
    const meta = { requestId: 'req-register', correlationId: 'c', causationId: 'c', actor: SYSTEM_ACTOR, now: '2026-01-01T00:00:00.000Z' };
    await hosts.run({ type: 'RegisterComputeHost', data: { host: 'h1', serviceId: 's1', hypervisorId: 'hv1', availabilityZone: 'nova', resources, allocation }, metadata: meta }, 'register', meta);
    liveness.start();
  });

  afterAll(async () => {
    await liveness.stop();
    await bus.close();
  });

  it('writes no event while heartbeats keep coming', async () => {
    for (let i = 0; i < 6; i++) {
      bus.notify(computeSubjects.heartbeat('h1'), { host: 'h1', at: new Date().toISOString() });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await types()).toEqual(['ComputeHostRegistered']);
  });

  it('marks a silent host down once, and up again at its next beat', async () => {
    await waitFor('host down', async () => ((await types()).includes('ComputeHostWentDown') ? true : undefined), 5_000);
    expect((await hosts.host('h1'))!.reporting).toBe(false);
    for (let i = 0; i < 3; i++) bus.notify(computeSubjects.heartbeat('h1'), { host: 'h1', at: new Date().toISOString() });
    await waitFor('host up', async () => ((await types()).includes('ComputeHostCameUp') ? true : undefined), 5_000);
    expect(await types()).toEqual(['ComputeHostRegistered', 'ComputeHostWentDown', 'ComputeHostCameUp']);
    expect((await hosts.host('h1'))!.reporting).toBe(true);
  });
});
