import { Command } from '../../kernel';

export type StartBuildSaga = Command<'StartBuildSaga', { serverId: string; maxAttempts: number }>;
export type SelectBuildHost = Command<'SelectBuildHost', { serverId: string; attempt: number; host: string; node: string; availabilityZone: string; claimId: string }>;
export type RecordBuildClaim = Command<'RecordBuildClaim', { serverId: string; attempt: number; claimId: string }>;
export type RefuseBuildClaim = Command<'RefuseBuildClaim', { serverId: string; attempt: number; claimId: string; reason: string }>;
export type RecordSpawnOrdered = Command<'RecordSpawnOrdered', { serverId: string; attempt: number; claimId: string }>;
export type FailBuildAttempt = Command<'FailBuildAttempt', { serverId: string; attempt: number; host: string; reason: string }>;
export type CompleteBuildSaga = Command<'CompleteBuildSaga', { serverId: string; host: string }>;
export type FailBuildSaga = Command<'FailBuildSaga', { serverId: string; reason: string }>;
export type CancelBuildSaga = Command<'CancelBuildSaga', { serverId: string }>;

export type BuildSagaCommand =
  | StartBuildSaga
  | SelectBuildHost
  | RecordBuildClaim
  | RefuseBuildClaim
  | RecordSpawnOrdered
  | FailBuildAttempt
  | CompleteBuildSaga
  | FailBuildSaga
  | CancelBuildSaga;
