import { Client, Pool } from 'pg';
import { comparePositions, Position } from '../../domain/kernel';
import { CheckpointNotice, PROJECTIONS_CHANNEL } from './catalog';
import { CheckpointNotifications, delay } from './notifications';

export interface ProjectionWaiterOptions {
  databaseUrl: string;
  /** Pool for the catch-up queries; the waiter makes a small one of its own when absent. */
  pool?: Pool;
  /** Notices of the runners of this process, seen before their NOTIFY arrives. */
  notifications?: CheckpointNotifications;
}

interface Known {
  generation: number;
  checkpoint: string | null;
}

/**
 * Read-your-writes for the API: after a command wrote at `position`, wait until every read model
 * the answer reads from has passed it. LISTEN on `strata_projections` plus in-process notices,
 * with one query when a projection is first waited for under a LISTEN connection and one when a
 * wait times out: never a polling loop.
 */
export class ProjectionWaiter {
  private readonly known = new Map<string, Known>();
  private readonly wakeups = new Set<() => void>();
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  private readonly unsubscribe: () => void;
  private listener: Promise<Client> | null = null;
  /** Projections whose checkpoint was read from the catalog while the current LISTEN was up: every later move reaches `observe`. */
  private readonly followed = new Set<string>();
  /** Per projection, the notices that said its rows may have changed (see `changeStamp`). */
  private readonly changes = new Map<string, number>();
  /** Per projection, the batches (generation and checkpoint) already counted in `changes`. */
  private readonly counted = new Map<string, Set<string>>();
  /** Moves whenever the LISTEN connection comes up or goes down: stamps of another session never match. */
  private session = 0;
  /** The LISTEN connection is up: every committed change of any runner reaches `observe`. */
  private hearing = false;
  private closed = false;

  constructor(private readonly options: ProjectionWaiterOptions) {
    this.ownsPool = !options.pool;
    this.pool = options.pool ?? new Pool({ connectionString: options.databaseUrl, max: 2 });
    if (this.ownsPool) this.pool.on('error', () => undefined);
    this.unsubscribe = options.notifications?.on((notice) => this.observe(notice)) ?? (() => undefined);
  }

  /** True once each named projection's active checkpoint is at or past `position`; false after `timeoutMs`. */
  async waitFor(position: Position, projectionNames: string[], timeoutMs: number): Promise<boolean> {
    if (this.closed) throw new Error('ProjectionWaiter is closed');
    const passed = () => projectionNames.every((name) => this.hasPassed(name, position));
    if (passed()) return true;
    const deadline = Date.now() + timeoutMs;
    // LISTEN before the query: a notice committed in between is then seen one way or the other.
    const connecting = new AbortController();
    const listening = await Promise.race([this.listen().catch(() => null), delay(timeoutMs, connecting.signal).then(() => null)]);
    connecting.abort();
    // Once read under this LISTEN, a projection's checkpoint is known as it moves: no query per wait.
    if (!listening || !projectionNames.every((name) => this.followed.has(name))) {
      await this.refresh(projectionNames, listening).catch(() => undefined);
      if (passed()) return true;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return false;

    return new Promise<boolean>((resolve) => {
      let settled = false;
      const finish = (result: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.wakeups.delete(check);
        resolve(result);
      };
      const check = () => {
        if (passed()) finish(true);
      };
      // A last look at the catalog covers a lost NOTIFY (e.g. the LISTEN connection dropped).
      const timer = setTimeout(() => {
        this.wakeups.delete(check);
        this.refresh(projectionNames)
          .catch(() => undefined)
          .then(() => finish(passed()));
      }, remaining);
      this.wakeups.add(check);
    });
  }

  /** Opens the LISTEN connection now rather than at the first wait (a server does before it takes requests). */
  async listening(): Promise<void> {
    if (!this.closed) await this.listen();
  }

  /**
   * A stamp of a read model's rows: two equal stamps mean no batch that could change them
   * committed in between, as far as this process can know (its own runners' notices and
   * everyone's NOTIFY). Null while not listening: then nothing says when rows change, and a cache
   * must read afresh. Starts listening when it is not yet.
   */
  changeStamp(name: string): string | null {
    if (this.closed) return null;
    if (!this.hearing) {
      this.listen().catch(() => undefined);
      return null;
    }
    return `${this.session}:${this.changes.get(name) ?? 0}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    const listener = this.listener;
    this.listener = null;
    await listener?.then((c) => c.end()).catch(() => undefined);
    if (this.ownsPool) await this.pool.end();
  }

  private hasPassed(name: string, position: Position): boolean {
    const known = this.known.get(name);
    return known?.checkpoint != null && comparePositions(known.checkpoint, position) >= 0;
  }

  private observe(notice: CheckpointNotice): void {
    if (!notice.active) return;
    const known = this.known.get(notice.name);
    const newer =
      !known ||
      notice.generation > known.generation ||
      (notice.generation === known.generation && notice.checkpoint !== null && (known.checkpoint === null || comparePositions(notice.checkpoint, known.checkpoint) > 0));
    // A generation's rows change only in batches that applied events; a switch replaces them all.
    // A notice that does not say (a catalog read, a switch) may hide a change only if it tells of
    // something not yet known. The same batch is told twice (this process's runner, then its
    // NOTIFY): counted once, or every cache entry loaded in between would be dropped for nothing.
    const generationSwitched = known !== undefined && notice.generation !== known.generation;
    if (notice.changed === true || generationSwitched || (notice.changed === undefined && newer)) this.countChange(notice);
    if (!newer) return;
    this.known.set(notice.name, { generation: notice.generation, checkpoint: notice.checkpoint });
    for (const wake of [...this.wakeups]) wake();
  }

  private countChange(notice: CheckpointNotice): void {
    const batch = `${notice.generation}:${notice.checkpoint ?? ''}`;
    let counted = this.counted.get(notice.name);
    if (!counted) this.counted.set(notice.name, (counted = new Set()));
    if (counted.has(batch)) return;
    counted.add(batch);
    // Enough to span the notices of this process's runners still waiting for their NOTIFY.
    if (counted.size > 256) counted.delete(counted.values().next().value!);
    this.changes.set(notice.name, (this.changes.get(notice.name) ?? 0) + 1);
  }

  /** Reads the checkpoints from the catalog; with the LISTEN client it ran under, marks them followed while that client lasts. */
  private async refresh(names: string[], listening: Client | null = null): Promise<void> {
    const { rows } = await this.pool.query<{ name: string; generation: number; checkpoint: string | null }>(
      `SELECT p.name, p.active_generation AS generation, g.checkpoint FROM strata_projections p
       JOIN strata_projection_generations g ON g.name = p.name AND g.generation = p.active_generation
       WHERE p.name = ANY ($1::text[])`,
      [names],
    );
    for (const row of rows) this.observe({ name: row.name, generation: row.generation, checkpoint: row.checkpoint, active: true });
    if (listening && this.listener && (await this.listener.catch(() => null)) === listening) for (const row of rows) this.followed.add(row.name);
  }

  private listen(): Promise<Client> {
    if (!this.listener) {
      // Declared first: the function compares it with this.listener once it has connected.
      let listener: Promise<Client> | undefined;
      listener = (async () => {
        const client = new Client({ connectionString: this.options.databaseUrl });
        client.on('notification', (message) => {
          try {
            this.observe(JSON.parse(message.payload ?? '') as CheckpointNotice);
          } catch {
            // Not ours: ignore.
          }
        });
        const lost = () => {
          if (this.listener === listener) {
            this.listener = null;
            this.followed.clear();
            this.hearing = false;
            this.session++;
          }
        };
        client.on('error', () => {
          lost();
          client.end().catch(() => undefined);
        });
        client.on('end', lost);
        await client.connect();
        await client.query(`LISTEN ${PROJECTIONS_CHANNEL}`);
        if (this.closed) await client.end();
        else if (this.listener === listener) {
          this.session++;
          this.hearing = true;
        }
        return client;
      })();
      this.listener = listener;
      listener.catch(() => {
        if (this.listener === listener) this.listener = null;
      });
    }
    return this.listener;
  }
}
