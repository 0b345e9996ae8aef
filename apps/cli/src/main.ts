import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../../../infra/config';
import { launch } from '../../shared/src/launch';
import { APP_NAMES, AppName } from '../../shared/src/runtime';
import { STRATA_VERSION } from '../../shared/src/version';
import { registerAuditCommands } from './commands/audit';
import { registerDeploymentCommands } from './commands/deployment';
import { registerEventCommands } from './commands/events';
import { registerProjectionCommands } from './commands/projections';
import { connect } from './connect';

function appName(value: string): AppName {
  if (!(APP_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${APP_NAMES.join(', ')}`);
  return value as AppName;
}

export function buildProgram(): Command {
  const program = new Command('strata')
    .description('Event-sourced cloud controller that speaks the OpenStack APIs')
    .version(STRATA_VERSION, '-V, --version')
    .showHelpAfterError();

  program
    .command('start')
    .description('run every app in one process (all-in-one); embedded PostgreSQL and in-process bus unless DATABASE_URL / NATS_URL are set')
    .action(async () => {
      await launch({ apps: APP_NAMES, allInOne: true });
    });

  program
    .command('run')
    .description('run one app alone, for multi-host (needs NATS_URL, and DATABASE_URL for api, projector, conductor)')
    .argument('<app>', APP_NAMES.join(' | '), appName)
    .action(async (app: AppName) => {
      await launch({ apps: [app], allInOne: false });
    });

  program
    .command('version')
    .description('print the Strata version')
    .action(() => {
      process.stdout.write(`strata ${STRATA_VERSION}\n`);
    });

  registerDeploymentCommands(program, connect);
  registerProjectionCommands(program, connect);
  registerAuditCommands(program, connect);
  registerEventCommands(program, connect);
  return program;
}

/** Entry point of bin/strata; resolves when the command has finished (servers keep running until a signal). */
export async function main(argv: string[]): Promise<number | void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`strata: invalid configuration: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
