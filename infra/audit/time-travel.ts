import { Pool, PoolClient } from 'pg';
import { comparePositions, EventStore, RecordedEvent } from '../../domain/kernel';
import { eventTypeFilter, MemoryRows, Projection, projectInMemory } from '../../projections/kernel/projection';
import { createTableSql, encodeRows, quoteIdent, upsertSql } from '../projections/sql';
import { AsOf, asOfParam, InvalidAsOf, isAfter } from './as-of';

/** What read code needs of a read model: SQL over the `rm.<table>` views. */
export interface ReadQueries {
  query<R extends object>(sql: string, params?: unknown[]): Promise<R[]>;
}

export interface TimeTravelOptions {
  /**
   * Fold only these streams (in log order): enough for one resource when its rows depend on its
   * own stream alone, as a server's or an image's do. Default: every event the projections handle.
   */
  streams?: string[];
}

/** Read code that can run its queries over other read models than the live ones. */
export interface RetargetableReads<R> {
  over(source: ReadQueries): R;
}

export interface TimeTravelFigures {
  eventsFolded: number;
  rows: number;
}

const CHUNK = 1_000;
const INSERT_CHUNK = 5_000;

/**
 * Read models at a past instant or position, computed without touching the live ones: the
 * projections that own the asked tables fold the log up to `asOf` in memory, the rows go into
 * temporary tables of one transaction, and the caller's usual SQL runs against them (`rm.<table>`
 * is rewritten to `pg_temp.<table>`). So an `as_of` answer comes from the same queries and views
 * as a live one. Tables of other projections a query joins stay live.
 */
export class TimeTravel {
  private readonly pool: Pool;
  /** Figures of the last fold, for benchmarks and logs. */
  last: TimeTravelFigures = { eventsFolded: 0, rows: 0 };

  constructor(
    private readonly store: EventStore,
    databaseUrl: string,
    private readonly projections: Projection[],
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 4 });
    this.pool.on('error', () => undefined);
  }

  async at<T>(asOf: AsOf, tables: string[], work: (rm: ReadQueries) => Promise<T>, options: TimeTravelOptions = {}): Promise<T> {
    const owners = this.projections.filter((p) => p.tables.some((t) => tables.includes(t.name)));
    const missing = tables.filter((t) => !owners.some((p) => p.tables.some((pt) => pt.name === t)));
    if (missing.length) throw new Error(`No projection owns ${missing.join(', ')}`);
    const folded = await Promise.all(owners.map((p) => this.fold(p, asOf, options)));
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const temp = new Set<string>();
      let rows = 0;
      for (const [i, projection] of owners.entries()) {
        for (const table of projection.tables) {
          await client.query(`${createTableSql('pg_temp', table)} ON COMMIT DROP`);
          const all = [...folded[i].rows.tables.get(table.name)!.values()];
          for (let j = 0; j < all.length; j += INSERT_CHUNK) await client.query(upsertSql('pg_temp', table), [encodeRows(table, all.slice(j, j + INSERT_CHUNK))]);
          temp.add(table.name);
          rows += all.length;
        }
      }
      this.last = { eventsFolded: folded.reduce((n, f) => n + f.events, 0), rows };
      return await work(readQueries(client, temp));
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }

  /**
   * An API read with an optional `?as_of=`: absent, `work` gets the live `reads`; present, the same
   * reads over `tables` at that instant. A malformed value becomes the service's 400 (`invalid`).
   */
  async readsAt<R extends RetargetableReads<R>, T>(
    asOfParamValue: unknown,
    tables: string[],
    reads: R,
    work: (reads: R) => Promise<T>,
    options: TimeTravelOptions & { invalid: (message: string) => Error },
  ): Promise<T> {
    let asOf: AsOf | null;
    try {
      asOf = asOfParam(asOfParamValue);
    } catch (error) {
      if (error instanceof InvalidAsOf) throw options.invalid(error.message);
      throw error;
    }
    if (asOf === null) return work(reads);
    return this.at(asOf, tables, (rm) => work(reads.over(rm)), options);
  }

  private async fold(projection: Projection, asOf: AsOf, options: TimeTravelOptions): Promise<{ rows: MemoryRows; events: number }> {
    const rows = new MemoryRows(projection);
    let events = 0;
    let chunk: RecordedEvent[] = [];
    const take = (e: RecordedEvent) => {
      chunk.push(e);
      events++;
      if (chunk.length >= CHUNK) {
        projectInMemory(projection, chunk, rows);
        chunk = [];
      }
    };
    if (options.streams) {
      const read: RecordedEvent[] = [];
      for (const stream of options.streams) {
        for await (const e of this.store.readStream(stream)) {
          if (isAfter(e, asOf)) break;
          read.push(e);
        }
      }
      read.sort((a, b) => comparePositions(a.position, b.position)).forEach(take);
    } else {
      for await (const e of this.store.readAll({ filter: eventTypeFilter(projection) })) {
        if (isAfter(e, asOf)) break;
        take(e);
      }
    }
    projectInMemory(projection, chunk, rows);
    return { rows, events };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function readQueries(client: PoolClient, temp: Set<string>): ReadQueries {
  const rewrite = (sql: string) => sql.replace(/\brm\.("?)([a-z0-9_]+)\1/g, (whole, _q: string, name: string) => (temp.has(name) ? `pg_temp.${quoteIdent(name)}` : whole));
  return { query: <R extends object>(sql: string, params: unknown[] = []) => client.query(rewrite(sql), params).then((r) => r.rows as R[]) };
}
