import { assertNever, Conflict, NotFound } from '../../kernel';
import { fitsResources } from '../../scheduling/resources';
import {
  ClaimHostResources,
  DisableComputeService,
  EnableComputeService,
  HostCommand,
  MarkComputeHostDown,
  MarkComputeHostUp,
  RegisterComputeHost,
  ReleaseHostClaim,
  SetComputeServiceForcedDown,
} from './commands';
import { HostEvent } from './events';
import { ComputeHost, HostState } from './state';

/** Thrown when a claim no longer fits: the scheduler saw an older view of the host. */
export class InsufficientHostResources extends Conflict {
  override readonly code = 'Conflict';
}

function liveHost(state: HostState, host: string): ComputeHost {
  // nova/exception.py ComputeHostNotFound
  if (state.status !== 'registered') throw new NotFound(`Compute host ${host} could not be found.`, { host });
  return state.host;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function registerComputeHost(command: RegisterComputeHost, state: HostState): HostEvent[] {
  const d = command.data;
  if (state.status === 'absent') return [{ type: 'ComputeHostRegistered', data: d }];
  const h = state.host;
  const events: HostEvent[] = [];
  if (!same(h.resources, d.resources) || !same(h.allocation, d.allocation) || h.availabilityZone !== d.availabilityZone) {
    events.push({ type: 'ComputeHostResourcesUpdated', data: { host: d.host, availabilityZone: d.availabilityZone, resources: d.resources, allocation: d.allocation } });
  }
  // A report is a sign of life: a host marked down comes back up with it.
  if (!h.reporting) events.push({ type: 'ComputeHostCameUp', data: { host: d.host } });
  return events;
}

export function claimHostResources(command: ClaimHostResources, state: HostState): HostEvent[] {
  const h = liveHost(state, command.data.host);
  const { claimId, serverId, vcpus, memoryMb, diskGb } = command.data;
  if (h.claims[claimId]) return []; // the same claim again (a resumed saga): already held
  const fit = fitsResources(
    { ...h.resources, ...h.allocation, vcpusUsed: h.vcpusUsed, memoryMbUsed: h.memoryMbUsed, localGbUsed: h.localGbUsed },
    { vcpus, memoryMb, rootGb: diskGb, ephemeralGb: 0, swapMb: 0 },
  );
  if (!fit.fits) throw new InsufficientHostResources(`Insufficient compute resources on ${h.host}: ${fit.reason}.`, { host: h.host, serverId });
  return [{ type: 'HostResourcesClaimed', data: { host: h.host, claimId, serverId, vcpus, memoryMb, diskGb } }];
}

export function releaseHostClaim(command: ReleaseHostClaim, state: HostState): HostEvent[] {
  if (state.status !== 'registered') return [];
  const claim = state.host.claims[command.data.claimId];
  if (!claim) return [];
  return [{ type: 'HostClaimReleased', data: { host: state.host.host, claimId: command.data.claimId, serverId: claim.serverId } }];
}

export function disableComputeService(command: DisableComputeService, state: HostState): HostEvent[] {
  const h = liveHost(state, command.data.host);
  if (!h.enabled && h.disabledReason === command.data.reason) return [];
  return [{ type: 'ComputeServiceDisabled', data: { host: h.host, reason: command.data.reason } }];
}

export function enableComputeService(command: EnableComputeService, state: HostState): HostEvent[] {
  const h = liveHost(state, command.data.host);
  if (h.enabled) return [];
  return [{ type: 'ComputeServiceEnabled', data: { host: h.host } }];
}

export function setComputeServiceForcedDown(command: SetComputeServiceForcedDown, state: HostState): HostEvent[] {
  const h = liveHost(state, command.data.host);
  if (h.forcedDown === command.data.forcedDown) return [];
  return [{ type: 'ComputeServiceForcedDown', data: { host: h.host, forcedDown: command.data.forcedDown } }];
}

export function markComputeHostDown(command: MarkComputeHostDown, state: HostState): HostEvent[] {
  const h = liveHost(state, command.data.host);
  if (!h.reporting) return [];
  return [{ type: 'ComputeHostWentDown', data: { host: h.host, lastSeenAt: command.data.lastSeenAt } }];
}

export function markComputeHostUp(command: MarkComputeHostUp, state: HostState): HostEvent[] {
  const h = liveHost(state, command.data.host);
  if (h.reporting) return [];
  return [{ type: 'ComputeHostCameUp', data: { host: h.host } }];
}

export function decideHost(command: HostCommand, state: HostState): HostEvent[] {
  switch (command.type) {
    case 'RegisterComputeHost':
      return registerComputeHost(command, state);
    case 'ClaimHostResources':
      return claimHostResources(command, state);
    case 'ReleaseHostClaim':
      return releaseHostClaim(command, state);
    case 'DisableComputeService':
      return disableComputeService(command, state);
    case 'EnableComputeService':
      return enableComputeService(command, state);
    case 'SetComputeServiceForcedDown':
      return setComputeServiceForcedDown(command, state);
    case 'MarkComputeHostDown':
      return markComputeHostDown(command, state);
    case 'MarkComputeHostUp':
      return markComputeHostUp(command, state);
    default:
      return assertNever(command);
  }
}
