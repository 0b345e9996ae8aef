import { INestApplicationContext, Logger, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiModule } from '../../api/src/api.module';
import { createHttpApp } from '../../api/src/http';
import { ReadinessService } from '../../api/src/readiness.service';
import { ComputeAgentModule } from '../../compute-agent/src/compute-agent.module';
import { ConductorModule } from '../../conductor/src/conductor.module';
import { ProjectorModule } from '../../projector/src/projector.module';
import { VolumeAgentModule } from '../../volume-agent/src/volume-agent.module';
import { loadConfig, redactUrl, StrataConfig } from '../../../infra/config';
import { DeploymentInfo } from './deployment-info';
import { initializeDeployment } from './deployment';
import { AdminCredentials, ensureAdminCredentials, installationId } from './first-boot';
import { bootstrapIdentity, IdentityBootstrapResult } from './identity-bootstrap';
import { installLogger } from './logging';
import { createProjectionStatusSource } from './projector-wiring';
import { AppName, createRuntime, Runtime } from './runtime';
import { RuntimeModule } from './runtime.module';
import { STRATA_VERSION } from './version';

const APP_MODULES: Record<AppName, Type<unknown>> = {
  api: ApiModule,
  projector: ProjectorModule,
  conductor: ConductorModule,
  'compute-agent': ComputeAgentModule,
  'volume-agent': VolumeAgentModule,
};

export interface LaunchOptions {
  apps: readonly AppName[];
  /** `strata start`: every app in this process, embedded backends when none are configured. */
  allInOne: boolean;
}

export interface Launched {
  runtime: Runtime;
  app: INestApplicationContext;
  /** Resolves when a signal has shut everything down. */
  stopped: Promise<void>;
}

/**
 * Boots the given apps in one process around one shared runtime, and owns shutdown:
 * SIGINT/SIGTERM close the HTTP server, the apps, the bus, the store and then the embedded
 * PostgreSQL, and exit 0; a second signal exits at once.
 */
export async function launch(options: LaunchOptions): Promise<Launched> {
  const config = loadConfig();
  installLogger(config.logLevel);
  const logger = new Logger('strata');

  let stopRequested = false;
  let shutdown: (() => Promise<void>) | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) {
      process.stderr.write(`strata: ${signal} again, exiting now\n`);
      process.exit(130);
    }
    stopRequested = true;
    logger.log(`${signal} received, shutting down (repeat to force)`);
    if (!shutdown) return; // still booting: boot notices and unwinds
    shutdown().then(
      () => {
        resolveStopped();
        process.exit(0);
      },
      (e: Error) => {
        process.stderr.write(`strata: shutdown failed: ${e.stack ?? e.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runtime = await createRuntime(config, options);
  let app: INestApplicationContext | undefined;
  try {
    if (stopRequested) throw new BootInterrupted();
    const deployment = new DeploymentInfo(runtime.store);
    let credentials: AdminCredentials | null = null;
    let identityBootstrap: IdentityBootstrapResult | null = null;
    if (runtime.store && (options.allInOne || options.apps.includes('api'))) {
      const { deploymentId, initializedNow } = await initializeDeployment(runtime.store, { installationId: installationId(config.dataDir), version: STRATA_VERSION });
      deployment.set(deploymentId);
      if (initializedNow) logger.log(`deployment ${deploymentId} initialised`);
      credentials = ensureAdminCredentials(config);
      identityBootstrap = await bootstrapIdentity(runtime.store, config, credentials.password);
    }
    // Token validation answers from memory: the index must hold every identity event before the API listens.
    await runtime.tokenIndex?.start();
    if (stopRequested) throw new BootInterrupted();

    @Module({
      imports: [RuntimeModule.forRuntime(runtime, { deployment, projectionStatus: createProjectionStatusSource(runtime), identityBootstrap }), ...options.apps.map((a) => APP_MODULES[a])],
    })
    class StrataRootModule {}

    if (options.apps.includes('api')) {
      const http = await createHttpApp(StrataRootModule);
      app = http;
      await http.listen(config.port, config.host);
      shutdown = async () => {
        http.get(ReadinessService).drain();
        await http.getHttpAdapter().getInstance().close();
        await http.close();
        await runtime.close();
      };
    } else {
      const ctx = await NestFactory.createApplicationContext(StrataRootModule, { abortOnError: false });
      app = ctx;
      await ctx.init();
      shutdown = async () => {
        await ctx.close();
        await runtime.close();
      };
    }
    printBanner(config, runtime, options, credentials, await deployment.deploymentId());
    if (stopRequested) {
      // A signal arrived during boot: honour it now.
      stopRequested = false;
      onSignal('SIGTERM');
    }
    return { runtime, app, stopped };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await runtime.close();
    if (e instanceof BootInterrupted) {
      logger.log('stopped during boot');
      process.exit(0);
    }
    throw e;
  }
}

class BootInterrupted extends Error {}

function printBanner(config: StrataConfig, runtime: Runtime, options: LaunchOptions, credentials: AdminCredentials | null, deploymentId: string | null): void {
  const store = runtime.store
    ? `${runtime.store.name} ${config.eventStoreUrl ? redactUrl(config.eventStoreUrl) : runtime.embeddedPostgres ? `(embedded, 127.0.0.1:${runtime.embeddedPostgres.port})` : redactUrl(config.databaseUrl!)}`
    : 'none (agents hold no event-store credentials)';
  const lines = [
    '',
    `  Strata ${STRATA_VERSION} — ${options.allInOne ? 'all-in-one' : options.apps.join(', ')}`,
    ...(options.apps.includes('api') ? [`  API           ${config.publicUrl}  (listening on ${config.host}:${config.port})`] : []),
    ...(deploymentId ? [`  deployment    ${deploymentId}`] : []),
    `  data dir      ${config.dataDir}`,
    `  event store   ${store}`,
    ...(runtime.databaseUrl && config.eventStoreUrl ? [`  read models   ${runtime.embeddedPostgres ? 'embedded PostgreSQL' : redactUrl(runtime.databaseUrl)}`] : []),
    `  bus           ${runtime.bus.name}${config.natsUrl ? ` ${redactUrl(config.natsUrl)}` : ''}`,
    `  drivers       compute ${config.computeDriver}, volume ${config.volumeDriver}`,
  ];
  if (credentials) {
    lines.push(`  credentials   source ${credentials.openrcPath}`);
    if (credentials.generated) lines.push(`  admin password ${credentials.password}  (generated once, kept in ${credentials.passwordFile})`);
  }
  lines.push('  Ctrl-C stops everything.', '');
  process.stdout.write(lines.join('\n') + '\n');
}
