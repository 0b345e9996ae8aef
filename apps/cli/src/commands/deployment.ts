import { Command } from 'commander';
import { DEPLOYMENT_RESERVATION_STREAM, deploymentStream, findDeploymentId } from '../../../shared/src/deployment';
import { StoreConnection } from '../connect';

/** `strata deployment show`: the deployment recorded in the log, as JSON. */
export function registerDeploymentCommands(program: Command, connect: () => Promise<StoreConnection>): void {
  program
    .command('deployment')
    .description('the deployment recorded in the event log')
    .command('show')
    .description('print the deployment id and its DeploymentInitialized events as JSON')
    .action(async () => {
      const c = await connect();
      try {
        const deploymentId = await findDeploymentId(c.store);
        const initialized = [];
        if (deploymentId) {
          for await (const e of c.store.readStream(deploymentStream(deploymentId))) {
            if (e.type === 'DeploymentInitialized') initialized.push({ id: e.id, position: e.position, data: e.data, metadata: e.metadata });
          }
        }
        process.stdout.write(JSON.stringify({ deploymentId, reservationStream: DEPLOYMENT_RESERVATION_STREAM, initialized }, null, 2) + '\n');
      } finally {
        await c.close();
      }
    });
}
