import type { ClientBase, Pool } from 'pg';
import { AppendResult, ExpectedVersion, NewEvent, NO_STREAM, WrongExpectedVersionError } from '../../../domain/kernel';
import { formatPosition } from './position';
import { EventStoreSchema, WRONG_EXPECTED_VERSION } from './schema';

interface AppendRow {
  next_version: string;
  transaction_id: string;
  global_position: string;
}

function expectedArguments(expected: ExpectedVersion): [string, string | null] {
  return typeof expected === 'bigint' ? ['exact', expected.toString()] : [expected, null];
}

export interface AppendOptions {
  /**
   * Queue a NOTIFY on the schema's channel in the same statement (default true), so subscribers
   * in every process wake when the transaction commits. That costs throughput: PostgreSQL holds a
   * global lock from queueing the NOTIFY until the commit is flushed, serialising such
   * transactions. `PostgresEventStore.append` passes false and sends a coalesced NOTIFY of its own
   * after the commit; a caller passing false must do the same or accept the fallback poll.
   */
  notify?: boolean;
}

/**
 * Appends through the schema's SQL function on any connection: the pool (one short
 * transaction per call) or a client inside the caller's own transaction. By default the wake-up
 * rides on that transaction: delivered at its commit, dropped if it rolls back.
 */
export async function appendToStream(
  db: Pool | ClientBase,
  schema: EventStoreSchema,
  stream: string,
  events: NewEvent[],
  expected: ExpectedVersion,
  options: AppendOptions = {},
): Promise<AppendResult> {
  if (events.length === 0) throw new RangeError('append needs at least one event');
  try {
    const notify = options.notify ?? true;
    // A named (prepared) statement: each connection parses and plans it once, not on every append.
    const { rows } = await db.query<AppendRow>({
      name: schema.appendStatementName(notify),
      text: schema.appendSql(notify),
      values: [
        stream,
        ...expectedArguments(expected),
        events.map((e) => e.id),
        events.map((e) => e.type),
        // JSON text, not objects: pg would turn a top-level array into a nested SQL array.
        events.map((e) => JSON.stringify(e.data ?? null)),
        events.map((e) => JSON.stringify(e.metadata ?? null)),
        events.some((e) => e.recordedAt) ? events.map((e) => e.recordedAt?.toISOString() ?? null) : null,
      ],
    });
    const [row] = rows;
    return { nextVersion: BigInt(row.next_version), position: formatPosition(row.transaction_id, row.global_position) };
  } catch (error) {
    const { code, detail } = error as { code?: string; detail?: string };
    if (code === WRONG_EXPECTED_VERSION) {
      throw new WrongExpectedVersionError(stream, expected, detail === NO_STREAM ? NO_STREAM : BigInt(detail ?? ''));
    }
    throw error;
  }
}
