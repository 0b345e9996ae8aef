import { HostAllocation, HostEvent, HostResources, HostResourcesClaimed } from './events';

export type HostClaim = Omit<HostResourcesClaimed['data'], 'host' | 'claimId'>;

export interface ComputeHost {
  host: string;
  serviceId: string;
  hypervisorId: string;
  availabilityZone: string;
  resources: HostResources;
  allocation: HostAllocation;
  enabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
  /** False once the agent stopped reporting (an event), true again when it reports. */
  reporting: boolean;
  claims: Record<string, HostClaim>;
  vcpusUsed: number;
  memoryMbUsed: number;
  localGbUsed: number;
}

export type HostState = { status: 'absent' } | { status: 'registered'; host: ComputeHost };

export const initialHostState: HostState = { status: 'absent' };

const registered = (host: ComputeHost): HostState => ({ status: 'registered', host });

export function evolveHost(state: HostState, event: HostEvent): HostState {
  if (event.type === 'ComputeHostRegistered') {
    const d = event.data;
    return registered({
      ...d,
      enabled: true,
      disabledReason: null,
      forcedDown: false,
      reporting: true,
      claims: {},
      vcpusUsed: 0,
      memoryMbUsed: 0,
      localGbUsed: 0,
    });
  }
  if (state.status !== 'registered') return state;
  const h = state.host;
  switch (event.type) {
    case 'ComputeHostResourcesUpdated':
      return registered({ ...h, availabilityZone: event.data.availabilityZone, resources: event.data.resources, allocation: event.data.allocation });
    case 'HostResourcesClaimed': {
      const { host: _h, claimId, ...claim } = event.data;
      return registered({
        ...h,
        claims: { ...h.claims, [claimId]: claim },
        vcpusUsed: h.vcpusUsed + claim.vcpus,
        memoryMbUsed: h.memoryMbUsed + claim.memoryMb,
        localGbUsed: h.localGbUsed + claim.diskGb,
      });
    }
    case 'HostClaimReleased': {
      const claim = h.claims[event.data.claimId];
      if (!claim) return state;
      const { [event.data.claimId]: _gone, ...claims } = h.claims;
      return registered({
        ...h,
        claims,
        vcpusUsed: h.vcpusUsed - claim.vcpus,
        memoryMbUsed: h.memoryMbUsed - claim.memoryMb,
        localGbUsed: h.localGbUsed - claim.diskGb,
      });
    }
    case 'ComputeServiceDisabled':
      return registered({ ...h, enabled: false, disabledReason: event.data.reason });
    case 'ComputeServiceEnabled':
      return registered({ ...h, enabled: true, disabledReason: null });
    case 'ComputeServiceForcedDown':
      return registered({ ...h, forcedDown: event.data.forcedDown });
    case 'ComputeHostWentDown':
      return registered({ ...h, reporting: false });
    case 'ComputeHostCameUp':
      return registered({ ...h, reporting: true });
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
