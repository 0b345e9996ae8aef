import { Command } from 'commander';
import { MultiBar, Presets, SingleBar } from 'cli-progress';
import { EventStore } from '../../../../domain/kernel';
import { describeDifference, ProjectionEngine, ProjectionStatusReport, RebuildManyResult, RebuildProgress, RebuildResult } from '../../../../infra/projections';
import { Projection } from '../../../../projections/kernel/projection';
import { formatTable } from './table';

export interface ProjectionCommandsConnection {
  store: EventStore;
  databaseUrl: string;
  projections: Projection[];
  close(): Promise<void>;
}

/** Where the commands write; tests pass their own. */
export interface ProjectionCommandsIo {
  stdout: { write(text: string): unknown };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  setExitCode(code: number): void;
}

/** The process's own streams and exit code; tests pass their own io. */
export const PROCESS_IO: ProjectionCommandsIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** `strata projections status|rebuild|verify`: the operator's tools for read models (DESIGN.md). */
export function registerProjectionCommands(
  program: Command,
  connect: () => Promise<ProjectionCommandsConnection>,
  io: ProjectionCommandsIo = PROCESS_IO,
): void {
  const withEngine = async <T>(work: (engine: ProjectionEngine) => Promise<T>): Promise<T> => {
    const c = await connect();
    try {
      const engine = await ProjectionEngine.open({ databaseUrl: c.databaseUrl, store: c.store, projections: c.projections });
      try {
        return await work(engine);
      } finally {
        await engine.close();
      }
    } finally {
      await c.close();
    }
  };

  const selected = (engine: ProjectionEngine, name: string | undefined, all: boolean | undefined): string[] => {
    if (all && name) throw new Error('give a projection name or --all, not both');
    if (all) return engine.projections.map((p) => p.name);
    if (!name) throw new Error(`give a projection name or --all (registered: ${engine.projections.map((p) => p.name).join(', ') || 'none'})`);
    engine.projection(name);
    return [name];
  };

  const projections = program.command('projections').description('read models: status, blue/green rebuild, verification against the log');

  projections
    .command('status')
    .description('active generation, checkpoint, lag, rate and errors of every projection')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const reports = await withEngine((engine) => engine.status());
      io.stdout.write(options.json ? JSON.stringify(reports, null, 2) + '\n' : formatStatus(reports));
    });

  projections
    .command('rebuild')
    .description('replay the log into a new generation, catch up, then switch readers to it atomically')
    .argument('[name]', 'projection to rebuild')
    .option('--all', 'rebuild every registered projection, from one read of the log')
    .action(async (name: string | undefined, options: { all?: boolean }) => {
      await withEngine(async (engine) => {
        if (options.all) {
          if (!(await rebuildAll(engine, selected(engine, name, true), io))) io.setExitCode(1);
          return;
        }
        for (const projection of selected(engine, name, options.all)) {
          const bar = new SingleBar(
            {
              stream: io.stderr,
              format: `${projection} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {etaText} | {phase}`,
              etaBuffer: 50,
              fps: 5,
              hideCursor: true,
            },
            Presets.shades_classic,
          );
          bar.start(1, 0, { rate: '0', etaText: '?', phase: 'replay' });
          const onProgress = (p: RebuildProgress) => {
            bar.setTotal(Math.max(p.eventsTotal ?? p.eventsDone, p.eventsDone, 1));
            bar.update(p.eventsDone, { rate: Math.round(p.eventsPerSecond).toString(), etaText: formatEta(p.etaSeconds), phase: p.phase });
          };
          try {
            const result = await engine.rebuild(projection, { onProgress });
            bar.stop();
            io.stdout.write(describeRebuild(result));
          } catch (error) {
            bar.stop();
            throw error;
          }
        }
      });
    });

  projections
    .command('verify')
    .description('fold the log afresh up to the checkpoint and compare with the live rows; exit code 1 on drift')
    .argument('[name]', 'projection to verify')
    .option('--all', 'verify every registered projection')
    .action(async (name: string | undefined, options: { all?: boolean }) => {
      const drift = await withEngine(async (engine) => {
        let differences = 0;
        for (const projection of selected(engine, name, options.all)) {
          const result = await engine.verify(projection);
          for (const d of result.differences) io.stdout.write(`${projection}: ${describeDifference(d)}\n`);
          const where = result.generation === null ? 'no active generation' : `generation ${result.generation} at ${result.checkpoint ?? 'the start'}`;
          const verdict = result.note ?? (result.differences.length ? `${result.differences.length} difference(s)` : 'no drift');
          io.stdout.write(`${projection}: ${where}, ${result.rowsCompared} rows compared: ${verdict}\n`);
          differences += result.differences.length;
        }
        return differences;
      });
      if (drift > 0) io.setExitCode(1);
    });
}

function describeRebuild(result: RebuildResult): string {
  return (
    `${result.name}: generation ${result.generation} (version ${result.version}) active` +
    `${result.previousGeneration ? `, generation ${result.previousGeneration} retired` : ''}; ` +
    `${result.eventsRead} events in ${result.seconds.toFixed(1)} s (${Math.round(result.eventsPerSecond)} events/s)\n`
  );
}

/**
 * `rebuild --all`: one read of the log feeds every projection (a bar for it), then each makes its
 * indexes, catches up and switches (a bar of read models done, naming those still at work).
 * A projection that fails is reported and the others go on; false when any failed.
 */
async function rebuildAll(engine: ProjectionEngine, names: string[], io: ProjectionCommandsIo): Promise<boolean> {
  const bars = new MultiBar({ stream: io.stderr, etaBuffer: 50, fps: 5, hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
  const replay = bars.create(1, 0, { rate: '0', etaText: '?' }, { format: `log replay [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {etaText}` });
  let finishing: ReturnType<MultiBar['create']> | null = null;
  const phases = new Map<string, string>();
  const done = () => [...phases.values()].filter((p) => p === 'done').length;
  const atWork = () => {
    const busy = [...phases].filter(([, p]) => p !== 'done' && p !== 'replay');
    return busy.length ? busy.map(([n, p]) => `${n} (${p})`).join(', ') : '';
  };
  let outcome: RebuildManyResult;
  try {
    outcome = await engine.rebuildMany(names, {
      onReplay: (p) => {
        replay.setTotal(Math.max(p.eventsTotal ?? p.eventsDone, p.eventsDone, 1));
        replay.update(p.eventsDone, { rate: Math.round(p.eventsPerSecond).toString(), etaText: formatEta(p.etaSeconds) });
      },
      onProgress: (p: RebuildProgress) => {
        phases.set(p.name, p.phase);
        if (p.phase === 'replay') return;
        finishing ??= bars.create(names.length, 0, { busy: '' }, { format: `read models [{bar}] {value}/{total} switched | {busy}` });
        finishing.update(done(), { busy: atWork() });
      },
    });
  } finally {
    bars.stop();
  }
  for (const result of outcome.results) io.stdout.write(describeRebuild(result));
  for (const failure of outcome.failures) io.stderr.write(`${failure.name}: rebuild FAILED, its previous generation still serves: ${failure.error.message}\n`);
  const rate = (events: number, seconds: number) => Math.round(seconds > 0 ? events / seconds : events);
  io.stdout.write(
    `all: ${outcome.results.length} of ${names.length} read models rebuilt from one read of ${outcome.eventsRead} log events in ${outcome.seconds.toFixed(1)} s ` +
      `(${rate(outcome.eventsRead, outcome.seconds)} log events/s); replay ${outcome.replaySeconds.toFixed(1)} s (${rate(outcome.eventsRead, outcome.replaySeconds)} events/s), ` +
      `the rest (schemas, indexes, catch-up, switch) ${(outcome.seconds - outcome.replaySeconds).toFixed(1)} s\n`,
  );
  return outcome.failures.length === 0;
}

function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${Math.round(seconds % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

function formatStatus(reports: ProjectionStatusReport[]): string {
  if (reports.length === 0) return 'no projections registered\n';
  const header = ['NAME', 'GEN', 'VERSION', 'CHECKPOINT', 'LAG', 'LAG_S', 'APPLIED', 'EVENTS/S', 'STATE'];
  const rows = reports.map((r) => {
    const a = r.active;
    const state = a?.lastError ? `error at ${a.errorPosition}: ${a.lastError}` : r.needsRebuild ? `needs rebuild (code version ${r.codeVersion})` : 'ok';
    return [
      r.name,
      a ? String(a.generation) : '-',
      a ? String(a.version) : '-',
      a?.checkpoint ?? '-',
      `${r.lag.events}${r.lag.capped ? '+' : ''}`,
      r.lag.seconds.toFixed(1),
      a ? String(a.eventsApplied) : '-',
      a?.eventsPerSecond != null ? a.eventsPerSecond.toFixed(1) : '-',
      state,
    ];
  });
  let out = formatTable(header, rows);
  for (const r of reports) {
    const b = r.building;
    if (b) out += `${r.name}: building generation ${b.generation} (version ${b.version}) at ${b.checkpoint ?? 'the start'}, ${b.eventsApplied} events applied${b.eventsPerSecond ? `, ${b.eventsPerSecond.toFixed(0)} events/s` : ''}\n`;
  }
  return out;
}
