import { Pool } from 'pg';
import { comparePositions, EventStore, RecordedEvent } from '../../domain/kernel';
import { eventTypeFilter, MemoryRows, Projection, projectInMemory, ReadModelTable } from '../../projections/kernel/projection';
import { encodeRows, quoteIdent, recordsetSql } from '../projections/sql';
import { Slots } from '../concurrency/slots';
import { AsOf, AsOfCut, asOfParam, DECISION_TO_COMMIT_HORIZON_MS, InvalidAsOf } from './as-of';

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
const FOLD_CACHE_ENTRIES = 4;
const FOLD_CACHE_MS = 10 * 60_000;

interface Fold {
  rows: MemoryRows;
  events: number;
}

/**
 * Read models at a past instant or position, computed without touching the live ones: the
 * projections that own the asked tables fold the log up to `asOf` in memory, and the caller's
 * usual SQL runs against those rows (`rm.<table>` is rewritten to read them, see readQueriesAt).
 * So an `as_of` answer comes from the same queries as a live one. Tables of other projections a
 * query joins stay live.
 */
export class TimeTravel {
  private readonly pool: Pool;
  private readonly cache = new Map<string, { at: number; fold: Fold }>();
  /** At most two folds at a time, each holding a read model in memory; more requests queue. */
  private readonly folds = new Slots(2);
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
    const folded = await this.folds.run(() => Promise.all(owners.map((p) => this.cachedFold(p, asOf, options))));
    const tablesAt = new Map<string, FoldedTable>();
    let rows = 0;
    for (const [i, projection] of owners.entries()) {
      for (const table of projection.tables) {
        const all = folded[i].rows.tables.get(table.name)!;
        // Encoded when a query first names the table: most reads touch one of a projection's tables.
        let json: string | null = null;
        tablesAt.set(table.name, { table, json: () => (json ??= encodeRows(table, [...all.values()])) });
        rows += all.size;
      }
    }
    this.last = { eventsFolded: folded.reduce((n, f) => n + f.events, 0), rows };
    return work(readQueriesAt(this.pool, tablesAt));
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

  /**
   * A whole-log fold at a settled instant is kept for the next reads at the same instant (the next
   * page of a past list, a list in another format): the log up to there never changes. An instant
   * is settled once it is more than twice the decision-to-commit horizon old, a position once the
   * log's head has passed it. Four folds are kept, each for ten minutes at most.
   */
  private async cachedFold(projection: Projection, asOf: AsOf, options: TimeTravelOptions): Promise<Fold> {
    if (options.streams) return this.fold(projection, asOf, options);
    const key = `${projection.name}|${projection.version}|${asOf.kind === 'time' ? asOf.text : asOf.position}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < FOLD_CACHE_MS) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit.fold;
    }
    const settled =
      asOf.kind === 'time'
        ? asOf.at.getTime() < now - 2 * DECISION_TO_COMMIT_HORIZON_MS
        : await this.store.headPosition().then((head) => head !== null && comparePositions(asOf.position, head) <= 0);
    const fold = await this.fold(projection, asOf, options);
    if (settled) {
      this.cache.set(key, { at: now, fold });
      while (this.cache.size > FOLD_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    return fold;
  }

  private async fold(projection: Projection, asOf: AsOf, options: TimeTravelOptions): Promise<Fold> {
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
        const cut = new AsOfCut(asOf);
        for await (const e of this.store.readStream(stream)) {
          const verdict = cut.decide(e);
          if (verdict === 'end') break;
          if (verdict === 'take') read.push(e);
        }
      }
      read.sort((a, b) => comparePositions(a.position, b.position)).forEach(take);
    } else {
      const cut = new AsOfCut(asOf);
      for await (const e of this.store.readAll({ filter: eventTypeFilter(projection) })) {
        const verdict = cut.decide(e);
        if (verdict === 'end') break;
        if (verdict === 'take') take(e);
      }
    }
    projectInMemory(projection, chunk, rows);
    return { rows, events };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Nest calls this on the API's shutdown (the TIME_TRAVEL provider). */
  onModuleDestroy(): Promise<void> {
    return this.close();
  }
}

/**
 * Queries whose `rm.<table>` references read the folded rows instead: each such table becomes a
 * common table expression over `jsonb_to_recordset` of one extra parameter. A plain SELECT takes
 * no transaction id, so answering `as_of` never holds back the log's readers (a temporary table
 * would: every event reader waits for transactions older than its snapshot).
 */
interface FoldedTable {
  table: ReadModelTable;
  json(): string;
}

function readQueriesAt(pool: Pool, tables: Map<string, FoldedTable>): ReadQueries {
  return {
    async query<R extends object>(sql: string, params: unknown[] = []): Promise<R[]> {
      const all = [...params];
      const ctes: string[] = [];
      const rewritten = sql.replace(/\brm\.("?)([a-z0-9_]+)\1/g, (whole, _q: string, name: string) => {
        const at = tables.get(name);
        if (!at) return whole;
        const alias = quoteIdent(`as_of_${name}`);
        if (!ctes.some((c) => c.startsWith(alias))) {
          all.push(at.json());
          ctes.push(`${alias} AS (${recordsetSql(at.table, `$${all.length}`)})`);
        }
        return alias;
      });
      if (ctes.length === 0) return (await pool.query(sql, params)).rows as R[];
      const leading = /^\s*WITH(\s+RECURSIVE)?\s/i.exec(rewritten);
      const withClause = leading ? `WITH${leading[1] ?? ''} ${ctes.join(', ')}, ${rewritten.slice(leading[0].length)}` : `WITH ${ctes.join(', ')} ${rewritten}`;
      return (await pool.query(withClause, all)).rows as R[];
    },
  };
}
