import { Command } from '../../kernel';
import { ComputeHostRegistered } from './events';

/** Sent for every report of an agent; records only what changed. */
export type RegisterComputeHost = Command<'RegisterComputeHost', ComputeHostRegistered['data']>;
export type ClaimHostResources = Command<'ClaimHostResources', { host: string; claimId: string; serverId: string; vcpus: number; memoryMb: number; diskGb: number }>;
export type ReleaseHostClaim = Command<'ReleaseHostClaim', { host: string; claimId: string }>;
export type DisableComputeService = Command<'DisableComputeService', { host: string; reason: string | null }>;
export type EnableComputeService = Command<'EnableComputeService', { host: string }>;
export type SetComputeServiceForcedDown = Command<'SetComputeServiceForcedDown', { host: string; forcedDown: boolean }>;
export type MarkComputeHostDown = Command<'MarkComputeHostDown', { host: string; lastSeenAt: string | null }>;
export type MarkComputeHostUp = Command<'MarkComputeHostUp', { host: string }>;

export type HostCommand =
  | RegisterComputeHost
  | ClaimHostResources
  | ReleaseHostClaim
  | DisableComputeService
  | EnableComputeService
  | SetComputeServiceForcedDown
  | MarkComputeHostDown
  | MarkComputeHostUp;
