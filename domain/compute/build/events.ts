import { DomainEvent } from '../../kernel';

/** The build saga of one server (`saga-build-<serverId>`): Nova's conductor `build_instances` as facts. */
export type BuildSagaStarted = DomainEvent<'BuildSagaStarted', { serverId: string; maxAttempts: number }>;
/** The scheduler chose a host; the claim id is fixed before the claim, so a resumed saga claims the same. */
export type BuildHostSelected = DomainEvent<'BuildHostSelected', { serverId: string; attempt: number; host: string; node: string; availabilityZone: string; claimId: string }>;
export type BuildHostClaimed = DomainEvent<'BuildHostClaimed', { serverId: string; attempt: number; host: string; claimId: string }>;
/** Another build took the room first: schedule again with a fresh view (not an attempt of its own). */
export type BuildClaimRefused = DomainEvent<'BuildClaimRefused', { serverId: string; attempt: number; host: string; reason: string }>;
export type BuildSpawnOrdered = DomainEvent<'BuildSpawnOrdered', { serverId: string; attempt: number; host: string; claimId: string }>;
/** The agent failed the spawn; the claim has been released and the next attempt avoids the host. */
export type BuildAttemptFailed = DomainEvent<'BuildAttemptFailed', { serverId: string; attempt: number; host: string; reason: string }>;
export type BuildSagaCompleted = DomainEvent<'BuildSagaCompleted', { serverId: string; host: string }>;
export type BuildSagaFailed = DomainEvent<'BuildSagaFailed', { serverId: string; reason: string }>;
/** The server was deleted while it was being built. */
export type BuildSagaCancelled = DomainEvent<'BuildSagaCancelled', { serverId: string; claimReleased: string | null }>;

export type BuildSagaEvent =
  | BuildSagaStarted
  | BuildHostSelected
  | BuildHostClaimed
  | BuildClaimRefused
  | BuildSpawnOrdered
  | BuildAttemptFailed
  | BuildSagaCompleted
  | BuildSagaFailed
  | BuildSagaCancelled;
