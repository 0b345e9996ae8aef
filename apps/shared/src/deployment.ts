import { EventMetadata, EventStore, NO_STREAM, SYSTEM_ACTOR, WrongExpectedVersionError } from '../../../domain/kernel';
import { newRequestId, newUuid, uuidFromName } from '../../../infra/ids/ids';

/** Reservation stream: the first boot that appends to it (expected no_stream) initialises the deployment. */
export const DEPLOYMENT_RESERVATION_STREAM = 'unique-deployment';

export interface DeploymentReserved {
  type: 'DeploymentReserved';
  data: { deploymentId: string };
}

export interface DeploymentInitialized {
  type: 'DeploymentInitialized';
  data: { deploymentId: string; installationId: string; version: string; region: string };
}

export interface Deployment {
  deploymentId: string;
  /** True on the boot that initialised it. */
  initializedNow: boolean;
}

export const deploymentStream = (deploymentId: string) => `deployment-${deploymentId}`;

function systemMetadata(requestId: string, now: Date): EventMetadata {
  return {
    correlationId: requestId,
    causationId: requestId,
    requestId,
    actor: SYSTEM_ACTOR,
    occurredAt: now.toISOString(),
    schemaVersion: 1,
    commandType: 'InitializeDeployment',
  };
}

/** The deployment id reserved by the first boot, or null before it. */
export async function findDeploymentId(store: EventStore): Promise<string | null> {
  for await (const e of store.readStream(DEPLOYMENT_RESERVATION_STREAM, { maxCount: 1 })) {
    return (e.data as DeploymentReserved['data']).deploymentId;
  }
  return null;
}

async function streamExists(store: EventStore, stream: string): Promise<boolean> {
  for await (const _ of store.readStream(stream, { maxCount: 1 })) return true;
  return false;
}

/**
 * Appends `DeploymentInitialized` exactly once across every process and restart: the
 * reservation (expected no_stream) elects one writer; a boot that crashed between the two
 * appends is completed by the next one, with the same event id so a retry is a no-op.
 */
export async function initializeDeployment(
  store: EventStore,
  facts: { installationId: string; version: string; region?: string; now?: () => Date },
): Promise<Deployment> {
  const now = facts.now ?? (() => new Date());
  const requestId = newRequestId();
  let deploymentId = await findDeploymentId(store);
  let initializedNow = false;
  if (deploymentId === null) {
    const candidate = newUuid();
    try {
      await store.append(
        DEPLOYMENT_RESERVATION_STREAM,
        [{ id: uuidFromName(`DeploymentReserved\u0000${candidate}`), type: 'DeploymentReserved', data: { deploymentId: candidate }, metadata: systemMetadata(requestId, now()) }],
        NO_STREAM,
      );
      deploymentId = candidate;
    } catch (e) {
      if (!(e instanceof WrongExpectedVersionError)) throw e;
      deploymentId = await findDeploymentId(store);
      if (deploymentId === null) throw e;
    }
  }
  const stream = deploymentStream(deploymentId);
  if (!(await streamExists(store, stream))) {
    const event: DeploymentInitialized = {
      type: 'DeploymentInitialized',
      data: { deploymentId, installationId: facts.installationId, version: facts.version, region: facts.region ?? 'RegionOne' },
    };
    try {
      await store.append(stream, [{ id: uuidFromName(`DeploymentInitialized\u0000${deploymentId}`), ...event, metadata: systemMetadata(requestId, now()) }], NO_STREAM);
      initializedNow = true;
    } catch (e) {
      // Another process completed it first.
      if (!(e instanceof WrongExpectedVersionError)) throw e;
    }
  }
  return { deploymentId, initializedNow };
}
