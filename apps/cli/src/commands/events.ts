import { createReadStream, createWriteStream, WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { Command, InvalidArgumentError } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { EventStore } from '../../../../domain/kernel';
import {
  assertEmptyStore,
  EventLineError,
  exportEvents,
  ExportStart,
  importEvents,
  parseSince,
  PartialImportError,
  SincePositionError,
  StoreNotEmptyError,
  TransferProgress,
  validateEventLines,
} from '../../../../infra/eventstore/transfer';

export interface EventCommandsConnection {
  store: EventStore;
  close(): Promise<void>;
}

/** Where the commands read and write; tests pass their own. */
export interface EventCommandsIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  setExitCode(code: number): void;
}

const PROCESS_IO: EventCommandsIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** What the operator gets told without a stack trace: what went wrong and what to do. */
const EXPECTED_ERRORS = [StoreNotEmptyError, PartialImportError, EventLineError];

/** `strata events export|import`: the event log as NDJSON, to back up, move or replay a deployment. */
export function registerEventCommands(program: Command, connect: () => Promise<EventCommandsConnection>, io: EventCommandsIo = PROCESS_IO): void {
  const withStore = async <T>(work: (store: EventStore) => Promise<T>): Promise<T> => {
    const c = await connect();
    try {
      return await work(c.store);
    } finally {
      await c.close();
    }
  };
  const fail = (command: string, message: string) => {
    io.stderr.write(`strata events ${command}: ${message}\n`);
    io.setExitCode(1);
  };

  const events = program.command('events').description('the event log as NDJSON: export it, or import an export into an empty store');

  events
    .command('export')
    .description('write the log (or part of it) as NDJSON, one event per line, in global order; progress on stderr')
    .option('--since <time|position>', 'events at or after an RFC 3339 time (when decided), or strictly after a position of an earlier export', sinceArgument)
    .option('--stream-prefix <prefix...>', 'only streams starting with one of these prefixes (e.g. server- flavor-)')
    .option('-o, --output <file>', 'write to this file (replaced only once the export is complete) instead of stdout')
    .action(async (options: { since?: ExportStart; streamPrefix?: string[]; output?: string }) => {
      // A file appears under its name only once complete: a failed export leaves nothing that looks whole.
      const partial = options.output ? `${options.output}.partial` : null;
      let file: WriteStream | null = null;
      if (partial) {
        file = createWriteStream(partial);
        // Errors while nobody waits on the stream surface in `finished` below.
        file.on('error', () => undefined);
        try {
          await once(file, 'open');
        } catch (error) {
          return fail('export', `cannot write ${partial}: ${(error as Error).message}`);
        }
      }
      const display = progressDisplay(io, 'export');
      try {
        const result = await withStore((store) =>
          exportEvents(store, file ?? io.stdout, { since: options.since, streamPrefixes: options.streamPrefix, onProgress: display.report, progressIntervalMs: display.intervalMs }),
        );
        display.stop(result);
        if (file) {
          file.end();
          await finished(file);
          await rename(partial!, options.output!);
        }
        io.stderr.write(
          `strata events export: ${result.events} events${result.scanned !== result.events ? ` of ${result.scanned} read` : ''} in ${result.seconds.toFixed(1)} s ` +
            `(${Math.round(result.eventsPerSecond)} events/s)${result.lastPosition ? `; last position ${result.lastPosition} (--since it for the next export)` : ''}\n`,
        );
      } catch (error) {
        display.stop();
        if (file) {
          file.destroy();
          await rm(partial!, { force: true });
        }
        if (error instanceof SincePositionError) return fail('export', error.message);
        throw error;
      }
    });

  events
    .command('import')
    .description('append an export to an EMPTY store (a fresh database or data dir), keeping ids, versions, order and data; then rebuild the read models')
    .argument('[file]', 'NDJSON export; - or nothing reads stdin')
    .action(async (file: string | undefined) => {
      const fromStdin = file === undefined || file === '-';
      if (fromStdin && io.stdin.isTTY) return fail('import', 'give an export file, or pipe one into stdin (strata events import < log.ndjson)');
      if (!fromStdin) {
        try {
          if (!(await stat(file)).isFile()) return fail('import', `cannot read ${file}: not a file`);
        } catch (error) {
          return fail('import', `cannot read ${file}: ${(error as Error).message}`);
        }
      }
      try {
        await withStore(async (store) => {
          await assertEmptyStore(store);
          let total: number | null = null;
          if (!fromStdin) {
            // A file is read twice: every line is checked before the first append.
            const display = progressDisplay(io, 'validate');
            try {
              total = (await validateEventLines(fileLines(file), { onProgress: display.report, progressIntervalMs: display.intervalMs })).events;
            } finally {
              display.stop();
            }
          }
          const display = progressDisplay(io, 'import', total);
          try {
            const result = await importEvents(store, fromStdin ? linesOf(io.stdin) : fileLines(file), { total, onProgress: display.report, progressIntervalMs: display.intervalMs });
            display.stop(result);
            io.stderr.write(
              `strata events import: ${result.events} events in ${result.streams} streams in ${result.seconds.toFixed(1)} s (${Math.round(result.eventsPerSecond)} events/s). ` +
                `Start Strata on this store and its projector builds every read model from the log (or now: strata projections rebuild --all)\n`,
            );
          } finally {
            display.stop();
          }
        });
      } catch (error) {
        if (EXPECTED_ERRORS.some((type) => error instanceof type)) return fail('import', (error as Error).message);
        throw error;
      }
    });
}

function sinceArgument(value: string): ExportStart {
  try {
    return parseSince(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/**
 * The lines of an NDJSON stream, `\r\n` or `\n`. The reader starts at the first iteration: readline
 * emits lines as soon as it exists, and lines emitted before anyone iterates are lost.
 */
async function* linesOf(input: NodeJS.ReadableStream): AsyncIterable<string> {
  const reader = createInterface({ input, crlfDelay: Infinity });
  try {
    yield* reader;
  } finally {
    reader.close();
  }
}

async function* fileLines(path: string): AsyncIterable<string> {
  const input = createReadStream(path);
  try {
    yield* linesOf(input);
  } finally {
    input.destroy();
  }
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal, else (a log, a pipe) a line at each
 * report, about one a second.
 */
function progressDisplay(io: EventCommandsIo, label: string, total: number | null = null) {
  if (!io.stderr.isTTY) {
    return {
      intervalMs: 1000,
      report: (p: TransferProgress) => {
        io.stderr.write(`strata events ${label}: ${p.events}${total !== null ? `/${total}` : ''} events, ${Math.round(p.eventsPerSecond)} events/s\n`);
      },
      stop: (_final?: { events: number; eventsPerSecond: number }) => undefined,
    };
  }
  const bar = new SingleBar(
    {
      stream: io.stderr,
      format:
        total !== null
          ? `${label} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_formatted}`
          : `${label} {value} events | {rate} events/s | {duration_formatted}`,
      etaBuffer: 50,
      fps: 5,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(Math.max(total ?? 1, 1), 0, { rate: '0' });
  let stopped = false;
  return {
    intervalMs: 200,
    report: (p: TransferProgress) => bar.update(p.events, { rate: Math.round(p.eventsPerSecond).toString() }),
    /** With the final count, the bar ends at it rather than at the last report. */
    stop: (final?: { events: number; eventsPerSecond: number }) => {
      if (stopped) return;
      stopped = true;
      if (final) bar.update(final.events, { rate: Math.round(final.eventsPerSecond).toString() });
      bar.stop();
    },
  };
}
