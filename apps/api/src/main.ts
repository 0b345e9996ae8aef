import { launch } from '../../shared/src/launch';

/** `strata run api` (the CLI is the usual entry point); also runnable directly with @swc-node/register. */
if (require.main === module) {
  launch({ apps: ['api'], allInOne: false }).catch((e: Error) => {
    process.stderr.write(`strata: ${e.message}\n`);
    process.exit(1);
  });
}
