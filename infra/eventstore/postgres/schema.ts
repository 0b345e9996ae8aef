import { AllFilter } from '../../../domain/kernel';

/** SQLSTATEs raised by the append function (class `ES`, unused by PostgreSQL itself). */
export const WRONG_EXPECTED_VERSION = 'ES001';
export const PARTIAL_DUPLICATE = 'ES002';

/** Names of the objects in one event store schema; `schema` is validated, so it is safe to splice into SQL. */
export class EventStoreSchema {
  readonly streams: string;
  readonly events: string;
  readonly appendFunction: string;
  /** LISTEN/NOTIFY channel woken by every committed append. */
  readonly channel: string;

  constructor(readonly schema: string) {
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schema)) throw new TypeError(`Invalid event store schema name: ${schema}`);
    this.streams = `${schema}.streams`;
    this.events = `${schema}.events`;
    this.appendFunction = `${schema}.append_events`;
    this.channel = `${schema}_appended`;
  }

  /** Idempotent: every statement can run again on an existing schema. */
  get ddl(): string {
    return `
CREATE SCHEMA IF NOT EXISTS ${this.schema};

CREATE TABLE IF NOT EXISTS ${this.streams} (
  stream_name text PRIMARY KEY,
  -- Version of the stream's last event. Never NULL since the append stopped writing a placeholder.
  version bigint
);

CREATE TABLE IF NOT EXISTS ${this.events} (
  transaction_id xid8 NOT NULL,
  global_position bigserial NOT NULL,
  stream_name text NOT NULL,
  version bigint NOT NULL,
  event_id uuid NOT NULL,
  event_type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (transaction_id, global_position),
  UNIQUE (stream_name, version),
  UNIQUE (stream_name, event_id)
);

-- Databases made by builds before p_recorded_at keep their 7-argument overload too, for processes
-- of those builds still running; this build calls only the 8-argument one.
CREATE OR REPLACE FUNCTION ${this.appendFunction}(
  p_stream text,
  p_expected text,            -- 'any' | 'no_stream' | 'stream_exists' | 'exact'
  p_expected_version bigint,  -- only for 'exact'
  p_ids uuid[],
  p_types text[],
  p_data jsonb[],
  p_metadata jsonb[],
  p_recorded_at timestamptz[] -- NULL, or per event (NULL: now()): only imports of an exported log set it
) RETURNS TABLE (next_version bigint, transaction_id xid8, global_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_count int := coalesce(cardinality(p_ids), 0);
  v_current bigint;
  v_repeated int;
  v_accepted boolean;
  v_position bigint;
BEGIN
  IF v_count = 0 THEN
    RAISE EXCEPTION 'append needs at least one event' USING ERRCODE = '22023';
  END IF;

  -- Per-stream order in $all must equal version order, so a transaction must get its id only
  -- after the previous appender has committed: the advisory lock (which assigns no id) queues
  -- appenders first; row locks alone would not, as a waiting transaction may already hold an id.
  -- Two-key form: it never meets the single-key (bigint) advisory locks used elsewhere.
  PERFORM pg_advisory_xact_lock(hashtext('strata-eventstore:${this.schema}'), hashtext(p_stream));

  -- A retried request appends the same ids: answer with the first outcome, write nothing.
  SELECT count(*) INTO v_repeated FROM ${this.events} e WHERE e.stream_name = p_stream AND e.event_id = ANY (p_ids);
  IF v_repeated = v_count THEN
    RETURN QUERY
      SELECT e.version, e.transaction_id, e.global_position FROM ${this.events} e
      WHERE e.stream_name = p_stream AND e.event_id = ANY (p_ids)
      ORDER BY e.version DESC LIMIT 1;
    RETURN;
  ELSIF v_repeated > 0 THEN
    RAISE EXCEPTION 'append to % repeats % of % event ids already in the stream', p_stream, v_repeated, v_count
      USING ERRCODE = '${PARTIAL_DUPLICATE}';
  END IF;

  -- Moves the stream's version first: one row write instead of a row lock then an update (any
  -- exception below rolls it back). Under REPEATABLE READ a concurrent append makes it fail (40001).
  UPDATE ${this.streams} s SET version = s.version + v_count WHERE s.stream_name = p_stream
    RETURNING s.version - v_count INTO v_current;
  IF FOUND AND pg_current_xact_id() < (SELECT e.transaction_id FROM ${this.events} e WHERE e.stream_name = p_stream AND e.version = v_current) THEN
    -- Only a caller's transaction that wrote before appending gets here; a retry gets a newer id.
    RAISE EXCEPTION 'transaction is older than the last append to %; retry it', p_stream USING ERRCODE = '40001';
  END IF;

  v_accepted := CASE p_expected
    WHEN 'any' THEN true
    WHEN 'no_stream' THEN v_current IS NULL
    WHEN 'stream_exists' THEN v_current IS NOT NULL
    WHEN 'exact' THEN coalesce(v_current = p_expected_version, false)
  END;
  IF v_accepted IS NOT TRUE THEN
    RAISE EXCEPTION 'wrong expected version on %', p_stream
      USING ERRCODE = '${WRONG_EXPECTED_VERSION}', DETAIL = coalesce(v_current::text, 'no_stream');
  END IF;

  -- ORDER BY makes the sequence follow the stream version inside the batch.
  WITH inserted AS (
    INSERT INTO ${this.events} AS e (transaction_id, stream_name, version, event_id, event_type, data, metadata, recorded_at)
    SELECT pg_current_xact_id(), p_stream, coalesce(v_current, -1) + n.ordinal, n.id, n.type, n.data, n.metadata,
      coalesce(p_recorded_at[n.ordinal::int], now())
    FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS n(id, type, data, metadata, ordinal)
    ORDER BY n.ordinal
    RETURNING e.global_position
  )
  SELECT max(i.global_position) INTO v_position FROM inserted i;

  IF v_current IS NULL THEN
    -- A new stream. Concurrent creators queue on the advisory lock, so the next one finds this row.
    INSERT INTO ${this.streams} (stream_name, version) VALUES (p_stream, v_count - 1);
  END IF;

  -- No NOTIFY here: a notifying transaction holds PostgreSQL's global notify lock through its commit
  -- (WAL flush), which serialises every appender. The callers wake subscribers (see notifySql).

  RETURN QUERY SELECT coalesce(v_current, -1) + v_count, pg_current_xact_id(), v_position;
END;
$fn$;
`;
  }

  /**
   * Appends; with `notify`, the same statement also queues a NOTIFY in the caller's transaction,
   * delivered when it commits (and dropped if it rolls back).
   */
  appendSql(notify: boolean): string {
    return `SELECT a.next_version::text, a.transaction_id::text, a.global_position::text${notify ? `, pg_notify('${this.channel}', '')` : ''}
      FROM ${this.appendFunction}($1, $2, $3, $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[], $8::timestamptz[]) a`;
  }

  /** Prepared statement names are per connection, and a connection may serve several schemas. */
  appendStatementName(notify: boolean): string {
    return `strata_append${notify ? '_notify' : ''}_${this.schema}`;
  }

  /**
   * A wake-up on its own, outside any append: in autocommit it has no data to flush, so the notify
   * lock is held only for an instant. $1 is the payload (the sending store instance).
   */
  get notifySql(): string {
    return `SELECT pg_notify('${this.channel}', $1)`;
  }

  /**
   * The event columns, in the order `decodeEvent` reads them: every value travels as text (the
   * readers turn the type parsers off) and `recorded_at` as epoch milliseconds, which is what
   * `new Date()` keeps of it and far cheaper to parse than the timestamptz text.
   */
  private columns(alias: string): string {
    return [
      // The position as formatPosition writes it: fixed width, so rows compare as strings.
      `lpad(${alias}.transaction_id::text, 20, '0') || '-' || lpad(${alias}.global_position::text, 20, '0')`,
      `${alias}.stream_name`,
      `${alias}.version::text`,
      `${alias}.event_id::text`,
      `${alias}.event_type`,
      `${alias}.data`,
      `${alias}.metadata`,
      `floor(extract(epoch FROM ${alias}.recorded_at) * 1000)::int8::text`,
    ].join(', ');
  }

  /** $1 stream, $2 first version (inclusive), $3 limit. */
  /**
   * One page of a stream from version $2, at most $3 rows. Versions of a stream have no gaps, so a
   * forward page is also bounded above: PostgreSQL underestimates a long stream's rows, picks a
   * bitmap scan, and without the bound would fetch and sort the whole rest of the stream for every
   * page (a 10,000-event history read in pages of 500 did 20 such scans). Backward reads start at
   * an unknown end and read a page or two: they keep the plain form.
   */
  readStreamSql(backwards: boolean): string {
    const range = backwards ? 'e.version <= $2' : 'e.version >= $2 AND e.version < $2::bigint + $3';
    return `SELECT ${this.columns('e')} FROM ${this.events} e
      WHERE e.stream_name = $1 AND ${range}
      ORDER BY e.version ${backwards ? 'DESC' : 'ASC'} LIMIT $3`;
  }

  /**
   * One page of $all strictly after ($1 txid, $2 sequence), at most $3 rows, plus the snapshot's
   * xmin (`horizon`). Only rows of transactions older than every transaction still running are
   * read: no row can ever appear below the horizon later, so ordering by (txid, sequence) never
   * skips an event whose transaction commits late. The LEFT JOIN returns the horizon even when
   * the page is empty. The LIMIT picks the page in order; the rows come out of the join in that
   * order too, but as SQL does not promise it the reader checks it (a sort here would copy every
   * row once more, a fifth of the query's cost). Run it on a reader session (`readerSessionSql`): only the walk along the
   * primary key costs what the page is worth, whatever the planner estimates.
   */
  readPageSql(filter: AllFilter | undefined): { text: string; params: unknown[] } {
    const params: unknown[] = [];
    const conditions: string[] = [];
    if (filter?.streamPrefixes?.length) {
      params.push(filter.streamPrefixes);
      conditions.push(`EXISTS (SELECT 1 FROM unnest($${params.length + 3}::text[]) p(prefix) WHERE starts_with(e.stream_name, p.prefix))`);
    }
    if (filter?.eventTypes?.length) {
      params.push(filter.eventTypes);
      conditions.push(`e.event_type = ANY ($${params.length + 3}::text[])`);
    }
    const text = `SELECT h.horizon::text AS horizon, ${this.columns('page')}
      FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon) h
      LEFT JOIN LATERAL (
        SELECT e.* FROM ${this.events} e
        WHERE e.transaction_id < h.horizon
          AND (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
          -- Implied by the row comparison, but only this form has a selectivity estimate: without
          -- it the planner guesses a third of the table and, with a selective filter, picks a
          -- (parallel) bitmap scan and sort that costs milliseconds on every live read.
          AND e.transaction_id >= $1::xid8
          ${conditions.map((c) => `AND ${c}`).join(' ')}
        ORDER BY e.transaction_id, e.global_position
        LIMIT $3
      ) page ON true`;
    return { text, params };
  }

  /**
   * Planner settings of the connections that read (never of those that append). Every read walks a
   * btree in order and stops at its LIMIT, which costs what it returns. The alternative the planner
   * may cost lower, a bitmap or sequential scan of everything after the cursor and a sort, is
   * chosen whenever it underestimates the rows after the cursor: on a table not analysed yet (just
   * bulk-loaded: 1M events then read at ~2,000 events/s instead of ~100,000, each page re-sorting
   * the rest of the log) or with a selective filter. Disabled, those plans are only taken when no
   * index can serve, and these queries always have one. A sorted page stays in memory: work_mem
   * covers a bulk page of large events.
   */
  static readonly readerSessionSql = `SET enable_bitmapscan = off; SET enable_seqscan = off; SET work_mem = '32MB'`;

  get headSql(): string {
    return `SELECT e.transaction_id::text, e.global_position::text FROM ${this.events} e
      WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1`;
  }
}
