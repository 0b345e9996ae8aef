import { ProjectionStatusSource } from './projection-status';
import { Runtime } from './runtime';

/** Projection checkpoints and lag for /readyz, from the engine's catalog in the read-model database. */
export function createProjectionStatusSource(runtime: Runtime): ProjectionStatusSource {
  return {
    async status() {
      if (!runtime.projectionEngine) return [];
      const reports = await runtime.projectionEngine.status();
      return reports.map((r) => ({
        name: r.name,
        checkpoint: r.active?.checkpoint ?? null,
        lag: r.lag.events,
        lagCapped: r.lag.capped,
        needsRebuild: r.needsRebuild,
      }));
    },
  };
}
