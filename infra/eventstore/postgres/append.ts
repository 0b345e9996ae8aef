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

/**
 * Appends through the schema's SQL function on any connection: the pool (one short
 * transaction per call) or a client inside the caller's own transaction.
 */
export async function appendToStream(
  db: Pool | ClientBase,
  schema: EventStoreSchema,
  stream: string,
  events: NewEvent[],
  expected: ExpectedVersion,
): Promise<AppendResult> {
  if (events.length === 0) throw new RangeError('append needs at least one event');
  try {
    const { rows } = await db.query<AppendRow>(schema.appendSql, [
      stream,
      ...expectedArguments(expected),
      events.map((e) => e.id),
      events.map((e) => e.type),
      // JSON text, not objects: pg would turn a top-level array into a nested SQL array.
      events.map((e) => JSON.stringify(e.data ?? null)),
      events.map((e) => JSON.stringify(e.metadata ?? null)),
    ]);
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
