import { Projection } from '../../projections/kernel/projection';
import { allGenerations, GenerationRecord } from './catalog';
import { EngineContext } from './context';

/** Lag is counted by reading the log after the checkpoint, at most this many events. */
export const LAG_CAP = 10_000;

export interface GenerationReport {
  generation: number;
  version: number;
  status: GenerationRecord['status'];
  schema: string;
  checkpoint: string | null;
  eventsApplied: number;
  eventsPerSecond: number | null;
  lastError: string | null;
  errorPosition: string | null;
  errorEventId: string | null;
  updatedAt: string;
}

export interface ProjectionStatusReport {
  name: string;
  /** Version in this build's code; null for a projection found only in the catalog. */
  codeVersion: number | null;
  active: GenerationReport | null;
  building: GenerationReport | null;
  /** Events after the active checkpoint (any type: the checkpoint passes them all) and age of the oldest. */
  lag: { events: number; capped: boolean; seconds: number };
  /** The active generation is missing or of another version: the runner builds one at its next start. */
  needsRebuild: boolean;
}

function report(g: GenerationRecord): GenerationReport {
  return {
    generation: g.generation,
    version: g.version,
    status: g.status,
    schema: g.schemaName,
    checkpoint: g.checkpoint,
    eventsApplied: g.eventsApplied,
    eventsPerSecond: g.eventsPerSecond,
    lastError: g.lastError,
    errorPosition: g.errorPosition,
    errorEventId: g.errorEventId,
    updatedAt: g.updatedAt.toISOString(),
  };
}

export async function projectionStatus(ctx: EngineContext, projections: Projection[], now: () => Date = () => new Date()): Promise<ProjectionStatusReport[]> {
  const [generations, activeRows] = await Promise.all([
    allGenerations(ctx.pool, ['active', 'building', 'failed']),
    ctx.pool.query<{ name: string; active_generation: number | null }>('SELECT name, active_generation FROM strata_projections'),
  ]);
  const activeOf = new Map(activeRows.rows.map((r) => [r.name, r.active_generation]));
  const names = [...new Set([...projections.map((p) => p.name), ...generations.map((g) => g.name)])].sort();
  const reports: ProjectionStatusReport[] = [];
  for (const name of names) {
    const code = projections.find((p) => p.name === name);
    const active = generations.find((g) => g.name === name && g.generation === activeOf.get(name)) ?? null;
    const building = generations.filter((g) => g.name === name && g.status === 'building').pop() ?? null;
    reports.push({
      name,
      codeVersion: code?.version ?? null,
      active: active && report(active),
      building: building && report(building),
      lag: await lagAfter(ctx, active?.checkpoint ?? null, now()),
      needsRebuild: code !== undefined && (active === null || active.version !== code.version),
    });
  }
  return reports;
}

async function lagAfter(ctx: EngineContext, checkpoint: string | null, now: Date): Promise<ProjectionStatusReport['lag']> {
  let events = 0;
  let oldest: Date | null = null;
  for await (const event of ctx.store.readAll({ fromPosition: checkpoint ?? undefined, maxCount: LAG_CAP })) {
    oldest ??= event.recordedAt;
    events++;
  }
  return { events, capped: events >= LAG_CAP, seconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0 };
}
