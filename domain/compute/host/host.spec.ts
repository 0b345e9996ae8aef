import { NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { ComputeHostRegistered, HostCommand, hostDecider, HostEvent, InsufficientHostResources } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'req-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(hostDecider);
const cmd = <T extends HostCommand['type']>(type: T, data: Extract<HostCommand, { type: T }>['data']) => ({ type, data, metadata }) as HostCommand;

const resources = { hypervisorHostname: 'h1', hypervisorType: 'fake', hypervisorVersion: 1000, cpuArch: 'x86_64', cpuInfo: {}, hostIp: '10.0.0.1', vcpus: 4, memoryMb: 8192, localGb: 100 };
const allocation = { cpuAllocationRatio: 1, ramAllocationRatio: 1, diskAllocationRatio: 1, reservedHostMemoryMb: 512, reservedHostDiskMb: 0, reservedHostCpus: 0 };
const registration: ComputeHostRegistered['data'] = { host: 'h1', serviceId: 's-1', hypervisorId: 'hv-1', availabilityZone: 'nova', resources, allocation };
const registered: HostEvent = { type: 'ComputeHostRegistered', data: registration };
const claim = { host: 'h1', claimId: 'c1', serverId: 'srv-1', vcpus: 2, memoryMb: 4096, diskGb: 10 };
const claimed: HostEvent = { type: 'HostResourcesClaimed', data: claim };

describe('compute host', () => {
  describe('when absent', () => {
    it('is registered by its first report', () => {
      spec.given([]).when(cmd('RegisterComputeHost', registration)).then([registered]);
    });

    it('refuses service changes with ComputeHostNotFound', () => {
      spec
        .given([])
        .when(cmd('DisableComputeService', { host: 'h1', reason: null }))
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Compute host h1 could not be found.'));
    });

    it('ignores a release', () => {
      spec.given([]).when(cmd('ReleaseHostClaim', { host: 'h1', claimId: 'c1' })).thenNothingHappens();
    });
  });

  describe('when registered', () => {
    it('records nothing for an identical report', () => {
      spec.given([registered]).when(cmd('RegisterComputeHost', registration)).thenNothingHappens();
    });

    it('records changed resources', () => {
      const bigger = { ...resources, vcpus: 8 };
      spec
        .given([registered])
        .when(cmd('RegisterComputeHost', { ...registration, resources: bigger }))
        .then([{ type: 'ComputeHostResourcesUpdated', data: { host: 'h1', availabilityZone: 'nova', resources: bigger, allocation } }]);
    });

    it('brings a host that went down back up on its next report', () => {
      spec
        .given([registered, { type: 'ComputeHostWentDown', data: { host: 'h1', lastSeenAt: null } }])
        .when(cmd('RegisterComputeHost', registration))
        .then([{ type: 'ComputeHostCameUp', data: { host: 'h1' } }]);
    });

    it('claims what fits, once per claim id', () => {
      spec.given([registered]).when(cmd('ClaimHostResources', claim)).then([claimed]);
      spec.given([registered, claimed]).when(cmd('ClaimHostResources', claim)).thenNothingHappens();
    });

    it('refuses a claim beyond the capacity', () => {
      spec
        .given([registered, claimed])
        .when(cmd('ClaimHostResources', { ...claim, claimId: 'c2', memoryMb: 4000 }))
        .thenThrows(InsufficientHostResources);
    });

    it('releases a claim, freeing its resources', () => {
      const released: HostEvent = { type: 'HostClaimReleased', data: { host: 'h1', claimId: 'c1', serverId: 'srv-1' } };
      spec.given([registered, claimed]).when(cmd('ReleaseHostClaim', { host: 'h1', claimId: 'c1' })).then([released]);
      spec.given([registered, claimed, released]).when(cmd('ClaimHostResources', { ...claim, claimId: 'c2', memoryMb: 4000 })).then([{ type: 'HostResourcesClaimed', data: { ...claim, claimId: 'c2', memoryMb: 4000 } }]);
    });

    it('disables with a reason, and again only when the reason changes', () => {
      const disabled: HostEvent = { type: 'ComputeServiceDisabled', data: { host: 'h1', reason: 'maintenance' } };
      spec.given([registered]).when(cmd('DisableComputeService', { host: 'h1', reason: 'maintenance' })).then([disabled]);
      spec.given([registered, disabled]).when(cmd('DisableComputeService', { host: 'h1', reason: 'maintenance' })).thenNothingHappens();
      spec.given([registered, disabled]).when(cmd('DisableComputeService', { host: 'h1', reason: 'other' })).then([{ type: 'ComputeServiceDisabled', data: { host: 'h1', reason: 'other' } }]);
    });

    it('enables a disabled service only', () => {
      spec.given([registered]).when(cmd('EnableComputeService', { host: 'h1' })).thenNothingHappens();
      spec.given([registered, { type: 'ComputeServiceDisabled', data: { host: 'h1', reason: null } }]).when(cmd('EnableComputeService', { host: 'h1' })).then([{ type: 'ComputeServiceEnabled', data: { host: 'h1' } }]);
    });

    it('forces down and back', () => {
      const forced: HostEvent = { type: 'ComputeServiceForcedDown', data: { host: 'h1', forcedDown: true } };
      spec.given([registered]).when(cmd('SetComputeServiceForcedDown', { host: 'h1', forcedDown: true })).then([forced]);
      spec.given([registered, forced]).when(cmd('SetComputeServiceForcedDown', { host: 'h1', forcedDown: true })).thenNothingHappens();
      spec.given([registered, forced]).when(cmd('SetComputeServiceForcedDown', { host: 'h1', forcedDown: false })).then([{ type: 'ComputeServiceForcedDown', data: { host: 'h1', forcedDown: false } }]);
    });

    it('marks a silent host down once, and up again', () => {
      const down: HostEvent = { type: 'ComputeHostWentDown', data: { host: 'h1', lastSeenAt: FIXED_NOW } };
      spec.given([registered]).when(cmd('MarkComputeHostDown', { host: 'h1', lastSeenAt: FIXED_NOW })).then([down]);
      spec.given([registered, down]).when(cmd('MarkComputeHostDown', { host: 'h1', lastSeenAt: FIXED_NOW })).thenNothingHappens();
      spec.given([registered, down]).when(cmd('MarkComputeHostUp', { host: 'h1' })).then([{ type: 'ComputeHostCameUp', data: { host: 'h1' } }]);
      spec.given([registered]).when(cmd('MarkComputeHostUp', { host: 'h1' })).thenNothingHappens();
    });
  });
});
