import { recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { computeHostsProjection, HOST_CLAIMS_TABLE, HOSTS_TABLE, legacyNumber } from './hosts';

const resources = { hypervisorHostname: 'h1.example', hypervisorType: 'fake', hypervisorVersion: 1000, cpuArch: 'x86_64', cpuInfo: { arch: 'x86_64' }, hostIp: '10.0.0.1', vcpus: 4, memoryMb: 8192, localGb: 100 };
const allocation = { cpuAllocationRatio: 16, ramAllocationRatio: 1.5, diskAllocationRatio: 1, reservedHostMemoryMb: 512, reservedHostDiskMb: 0, reservedHostCpus: 0 };
const registered = {
  type: 'ComputeHostRegistered',
  data: { host: 'h1', serviceId: '11111111-1111-4111-8111-111111111111', hypervisorId: '22222222-2222-4222-8222-222222222222', availabilityZone: 'nova', resources, allocation },
};
const claim = (claimId: string, vcpus: number, memoryMb: number) => ({ type: 'HostResourcesClaimed', data: { host: 'h1', claimId, serverId: `srv-${claimId}`, vcpus, memoryMb, diskGb: 1 } });
const rowOf = (events: Array<{ type: string; data: unknown }>) => projectInMemory(computeHostsProjection, recordedStream('host-1', events)).get(HOSTS_TABLE, 'h1');
const claimsOf = (events: Array<{ type: string; data: unknown }>) => [...projectInMemory(computeHostsProjection, recordedStream('host-1', events)).tables.get(HOST_CLAIMS_TABLE)!.values()];

describe('compute_hosts projection', () => {
  it('holds the service and the hypervisor of a registered host', () => {
    expect(rowOf([registered])).toMatchObject({
      host: 'h1',
      service_id: registered.data.serviceId,
      hypervisor_id: registered.data.hypervisorId,
      service_number: legacyNumber(registered.data.serviceId),
      hypervisor_hostname: 'h1.example',
      vcpus: 4,
      cpu_info: { arch: 'x86_64' },
      running_vms: 0,
      enabled: true,
      forced_down: false,
      up: true,
    });
  });

  it('sums the claims held, and counts them as running VMs', () => {
    const row = rowOf([registered, claim('a', 1, 512), claim('b', 2, 1024), { type: 'HostClaimReleased', data: { host: 'h1', claimId: 'a', serverId: 'srv-a' } }]);
    expect(row).toMatchObject({ vcpus_used: 2, memory_mb_used: 1024, local_gb_used: 1, running_vms: 1 });
    const events = [registered, claim('a', 1, 512), claim('b', 2, 1024), { type: 'HostClaimReleased', data: { host: 'h1', claimId: 'a', serverId: 'srv-a' } }];
    expect(claimsOf(events)).toEqual([{ claim_id: 'b', host: 'h1', server_id: 'srv-b', vcpus: 2, memory_mb: 1024, disk_gb: 1 }]);
    // A claim seen again (a resumed saga) or a release of a claim not held changes nothing.
    const again = [...events, claim('b', 2, 1024), { type: 'HostClaimReleased', data: { host: 'h1', claimId: 'zz', serverId: 'srv-zz' } }];
    expect(rowOf(again)).toMatchObject({ vcpus_used: 2, memory_mb_used: 1024, local_gb_used: 1, running_vms: 1 });
    expect(claimsOf(again)).toHaveLength(1);
  });

  it('follows the service state: disabled with a reason, forced down, down and up again', () => {
    const row = rowOf([
      registered,
      { type: 'ComputeServiceDisabled', data: { host: 'h1', reason: 'maintenance' } },
      { type: 'ComputeServiceForcedDown', data: { host: 'h1', forcedDown: true } },
      { type: 'ComputeHostWentDown', data: { host: 'h1', lastSeenAt: null } },
    ]);
    expect(row).toMatchObject({ enabled: false, disabled_reason: 'maintenance', forced_down: true, up: false });
    const back = rowOf([registered, { type: 'ComputeServiceDisabled', data: { host: 'h1', reason: 'x' } }, { type: 'ComputeServiceEnabled', data: { host: 'h1' } }, { type: 'ComputeHostWentDown', data: { host: 'h1', lastSeenAt: null } }, { type: 'ComputeHostCameUp', data: { host: 'h1' } }]);
    expect(back).toMatchObject({ enabled: true, disabled_reason: null, up: true });
  });

  it('takes updated resources and zone', () => {
    const row = rowOf([registered, { type: 'ComputeHostResourcesUpdated', data: { host: 'h1', availabilityZone: 'az2', resources: { ...resources, vcpus: 8 }, allocation } }]);
    expect(row).toMatchObject({ availability_zone: 'az2', vcpus: 8 });
  });

  it('derives stable positive integer ids from uuids', () => {
    expect(legacyNumber('00000000-0000-4000-8000-000000000000')).toBe(1);
    expect(legacyNumber(registered.data.serviceId)).toBe(legacyNumber(registered.data.serviceId));
    expect(legacyNumber(registered.data.serviceId)).not.toBe(legacyNumber(registered.data.hypervisorId));
  });
});
