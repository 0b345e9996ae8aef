import type { HostAllocation, HostResources, ServerAction } from '../../../domain/compute';
import type { InstanceDiagnostics, InstanceSpec, PowerState, RebootType } from '../../../infra/hypervisor';
import type { Bus } from '../../../infra/messaging/bus';

/**
 * What the conductor and the compute agents say to each other over the bus (DESIGN.md, Messaging
 * and agents): work orders on `strata.work.compute.<host>`, reports on `strata.report.compute.<host>`,
 * liveness on `strata.live.compute.<host>`. Agents never touch the event store.
 */
export type ComputeWorkOrder =
  | { kind: 'spawn'; orderId: string; serverId: string; attempt: number; instance: InstanceSpec }
  /**
   * `requireBlob` (an offload after a shelve): the shelved image's bytes, which must still be in the image
   * store before the guest, the only other copy of its disk, is removed.
   */
  | {
      kind: 'action';
      orderId: string;
      serverId: string;
      action: ServerAction;
      rebootType?: RebootType;
      instance: InstanceSpec;
      powerOn: boolean;
      requireBlob?: string;
      /** createImage: the power state the guest goes back to after the copy (it is suspended for it); absent: it stays as it is. */
      afterSnapshot?: 'running' | 'paused';
      /**
       * A move between hosts: `resize` to the destination takes the guest in (Nova's `finish_migration`),
       * `revertResize` to the source takes it back where it was left powered off (`finish_revert_migration`).
       */
      moved?: boolean;
    }
  | { kind: 'destroy'; orderId: string; serverId: string }
  | { kind: 'confirm-resize'; orderId: string; serverId: string }
  /** A move's first step, on the source: power the guest off and let it go (Nova's `migrate_disk_and_power_off`); reported `migrated-out`. */
  | { kind: 'migrate-out'; orderId: string; serverId: string }
  /** After a move is confirmed (on the source) or reverted (on the destination): the copy left there goes. Not reported. */
  | { kind: 'drop-moved'; orderId: string; serverId: string };

/** A shelve's copy of the root disk, stored in the image blob store by the agent; the conductor makes it the shelved image. */
export interface StoredSnapshot {
  blobKey: string;
  size: number;
  md5: string;
  sha512: string;
  diskFormat: 'qcow2' | 'raw';
  virtualSize: number | null;
}

export type ComputeReport =
  | { kind: 'spawned'; orderId: string; serverId: string; attempt: number; host: string; powerState: PowerState }
  | { kind: 'spawn-failed'; orderId: string; serverId: string; attempt: number; host: string; reason: string }
  | { kind: 'action-done'; orderId: string; serverId: string; action: ServerAction; host: string; powerState: PowerState; snapshot?: StoredSnapshot }
  | { kind: 'action-failed'; orderId: string; serverId: string; action: ServerAction; host: string; reason: string; powerState: PowerState | null }
  | { kind: 'destroyed'; orderId: string; serverId: string; host: string }
  | { kind: 'migrated-out'; orderId: string; serverId: string; host: string }
  | { kind: 'host'; host: string; availabilityZone: string; resources: HostResources; allocation: HostAllocation }
  /**
   * Reconciliation (Nova's `_sync_power_states`): one guest's power state as the hypervisor has it,
   * read in the guest's lane (after every order for it that came before), once per sync round.
   */
  | { kind: 'power-state'; orderId: string; serverId: string; host: string; powerState: PowerState }
  /** Reconciliation: every guest the hypervisor holds, so that the conductor can name the ones Strata does not know. */
  | { kind: 'guests'; orderId: string; host: string; serverIds: string[] };

/** A liveness beat: not persisted, never an event (DESIGN.md, Events). */
export interface ComputeHeartbeat {
  host: string;
  at: string;
}

/** Console output is read, not changed: a plain request/reply over liveness subjects, answered by the host's agent. */
export interface ConsoleRequest {
  replyTo: string;
  serverId: string;
  length: number | null;
}
export type ConsoleReply = { ok: true; output: string } | { ok: false; notFound: boolean; message: string };

/**
 * Diagnostics are read, not changed (no event): the console's request/reply over liveness subjects.
 * `standard` is Nova's form from 2.48 (`get_instance_diagnostics`), `legacy` the driver's own (`get_diagnostics`).
 */
export type DiagnosticsRequest =
  | { replyTo: string; serverId: string; format: 'legacy' }
  | { replyTo: string; serverId: string; format: 'standard'; launchedAt: string | null };
/**
 * `not-running`: the guest is not running, or not on this hypervisor (Nova's compute manager reads NOSTATE
 * then); `not-supported`: the driver has no diagnostics (Nova's NotImplementedError).
 */
export type DiagnosticsReply =
  | { ok: true; format: 'legacy'; diagnostics: Record<string, number> }
  | { ok: true; format: 'standard'; diagnostics: InstanceDiagnostics }
  | { ok: false; refusal: 'not-running' | 'not-supported' | 'failed'; message: string };

export const computeSubjects = {
  work: (host: string) => `strata.work.compute.${host}`,
  report: (host: string) => `strata.report.compute.${host}`,
  reports: 'strata.report.compute.>',
  heartbeat: (host: string) => `strata.live.compute.${host}`,
  heartbeats: 'strata.live.compute.*',
  console: (host: string) => `strata.live.console.${host}`,
  diagnostics: (host: string) => `strata.live.diagnostics.${host}`,
};

/**
 * The API's side of a read from a host's agent (console output, diagnostics): sends `request` on `subject`
 * and resolves with the one reply on its `replyTo`; rejects with `timeout()` when none comes within `ms`.
 */
export function askHost<Reply>(bus: Pick<Bus, 'listen' | 'notify'>, subject: string, request: { replyTo: string }, ms: number, timeout: () => Error): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(timeout());
    }, ms);
    const stop = bus.listen<Reply>(request.replyTo, (answer) => {
      clearTimeout(timer);
      stop();
      resolve(answer);
    });
    bus.notify(subject, request);
  });
}
