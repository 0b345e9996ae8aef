import { comparePositions, EventStore, NO_UPCASTERS, Position, RecordedEvent, UpcasterRegistry } from '../../domain/kernel';
import { DEFAULT_ALLOW_EXPIRED_WINDOW_SECONDS, IDENTITY_MODEL_STREAM_PREFIXES, IdentityModel, TokenValidation } from './identity-model';
import { hashToken, MAX_TOKEN_LENGTH } from './tokens';

export interface TokenIndexOptions {
  upcasters?: UpcasterRegistry;
  /** Default time for `validate` and the pruning of long-expired tokens. */
  clock?: () => Date;
  allowExpiredWindowSeconds?: number;
  /** How often tokens past expiry plus the allow_expired window are forgotten (default 60 s). */
  pruneIntervalMs?: number;
  /** Pause before reading again after the store failed (default 1 s). */
  retryDelayMs?: number;
  /** How often `waitFor` asks the store whether a position it waits for holds no identity event (default 100 ms). */
  probeIntervalMs?: number;
  /** Store failures; the index keeps serving what it has and retries. */
  onError?: (error: unknown) => void;
}

export interface TokenValidateOptions {
  now?: Date;
  allowExpired?: boolean;
}

const FILTER = { streamPrefixes: [...IDENTITY_MODEL_STREAM_PREFIXES] };

const maxPosition = (a: Position | null, b: Position | null): Position | null => (a === null ? b : b === null ? a : comparePositions(a, b) >= 0 ? a : b);
const reached = (covered: Position | null, position: Position) => covered !== null && comparePositions(covered, position) >= 0;

interface Waiter {
  position: Position;
  resolve: (reached: boolean) => void;
}

/**
 * Every API process keeps one: an IdentityModel fed from `$all` filtered to the identity streams,
 * so that token validation never touches the store and a revocation, disablement, password change
 * or unassignment takes effect in every process as soon as its index applies the event.
 *
 * Coverage: `covered` is a position P such that every identity event at or below P has been
 * applied. It advances with each delivered event (subscriptions are gap-free and strictly
 * increasing, so an event delivered at Q means every identity event below Q came first), to the
 * store's head read before the initial catch-up, and through `waitFor`'s probe. Filtered
 * positions skip other contexts' events, so a position that is not an identity event is reached
 * only through the head or the probe, never by a delivery equal to it.
 */
export class TokenIndex {
  readonly model = new IdentityModel();
  private readonly upcasters: UpcasterRegistry;
  private readonly clock: () => Date;
  private readonly windowSeconds: number;
  private readonly retryDelayMs: number;
  private readonly probeIntervalMs: number;
  private readonly closing = new AbortController();
  private readonly waiters = new Set<Waiter>();
  private covered: Position | null = null;
  private readonly readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private isReady = false;
  private running?: Promise<void>;
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: EventStore,
    private readonly options: TokenIndexOptions = {},
  ) {
    this.upcasters = options.upcasters ?? NO_UPCASTERS;
    this.clock = options.clock ?? (() => new Date());
    this.windowSeconds = options.allowExpiredWindowSeconds ?? DEFAULT_ALLOW_EXPIRED_WINDOW_SECONDS;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.probeIntervalMs = options.probeIntervalMs ?? 100;
    this.readyPromise = new Promise((resolve) => (this.resolveReady = resolve));
  }

  /** Starts catch-up then live delivery; resolves once caught up (as `ready()`). Idempotent. */
  start(): Promise<void> {
    if (!this.running) {
      this.running = this.run();
      this.pruneTimer = setInterval(() => this.model.pruneExpiredTokens(this.clock(), this.windowSeconds), this.options.pruneIntervalMs ?? 60_000);
      this.pruneTimer.unref();
    }
    return this.ready();
  }

  /** Resolves once the index has applied every identity event that was in the store when it started. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  get isCaughtUp(): boolean {
    return this.isReady;
  }

  /** Every identity event at or below this position has been applied (null: none known yet). */
  get position(): Position | null {
    return this.covered;
  }

  /** Hashes the value and looks it up in memory: never touches the store. */
  validate(tokenValue: string, options: TokenValidateOptions = {}): TokenValidation {
    if (typeof tokenValue !== 'string' || tokenValue.length === 0 || tokenValue.length > MAX_TOKEN_LENGTH) return { valid: false, reason: 'unknown' };
    return this.model.validateToken(hashToken(tokenValue), options.now ?? this.clock(), {
      allowExpired: options.allowExpired,
      allowExpiredWindowSeconds: this.windowSeconds,
    });
  }

  /**
   * Resolves true once every identity event at or below `position` has been applied, false after
   * `timeoutMs`. For a position the index will deliver (e.g. the TokenIssued just appended) that is
   * the delivery itself, with no query. For any other position (another context's event) the
   * index cannot see it go by; after `probeIntervalMs` it asks the store: once the store's
   * gap-safe head is at or past `position` (every event up to it committed and visible), and the
   * first identity event after what the index covers lies beyond `position`, nothing is missing.
   */
  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    if (reached(this.covered, position)) return Promise.resolve(true);
    if (this.closing.signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let probe: NodeJS.Timeout | undefined;
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        clearTimeout(probe);
        this.waiters.delete(waiter);
        resolve(ok);
      };
      const waiter: Waiter = { position, resolve: finish };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.waiters.add(waiter);
      const schedule = () => {
        probe = setTimeout(() => {
          this.probe(position).then(
            () => this.waiters.has(waiter) && schedule(),
            (error) => {
              this.options.onError?.(error);
              if (this.waiters.has(waiter)) schedule();
            },
          );
        }, this.probeIntervalMs);
      };
      schedule();
    });
  }

  /** Stops reading; pending `waitFor`s resolve false. */
  async close(): Promise<void> {
    this.closing.abort();
    clearInterval(this.pruneTimer);
    for (const waiter of [...this.waiters]) waiter.resolve(false);
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.closing.signal;
    while (!signal.aborted) {
      try {
        if (!this.isReady) {
          // The head is read first: everything at or below it is visible to the readAll that follows.
          const head = await this.store.headPosition();
          for await (const event of this.store.readAll({ fromPosition: this.covered ?? undefined, filter: FILTER })) {
            if (signal.aborted) return;
            this.applyEvent(event);
          }
          this.cover(head);
          this.isReady = true;
          this.resolveReady();
        }
        for await (const event of this.store.subscribeToAll({ fromPosition: this.covered ?? undefined, filter: FILTER, signal })) {
          this.applyEvent(event);
        }
        // The subscription ended without our signal (the store was closed under us): do not spin.
        if (!signal.aborted) await this.pause(this.retryDelayMs);
      } catch (error) {
        if (signal.aborted) return;
        this.options.onError?.(error);
        await this.pause(this.retryDelayMs);
      }
    }
  }

  private applyEvent(event: RecordedEvent): void {
    this.model.apply(this.upcasters.upcast(event));
    this.cover(event.position);
  }

  private cover(position: Position | null): void {
    const next = maxPosition(this.covered, position);
    if (next === this.covered) return;
    this.covered = next;
    for (const waiter of [...this.waiters]) if (reached(next, waiter.position)) waiter.resolve(true);
  }

  private async probe(position: Position): Promise<void> {
    const covered = this.covered;
    if (reached(covered, position)) return;
    const head = await this.store.headPosition();
    if (head === null || comparePositions(head, position) < 0) return;
    let next: RecordedEvent | undefined;
    for await (const event of this.store.readAll({ fromPosition: covered ?? undefined, filter: FILTER, maxCount: 1 })) next = event;
    // An identity event at or below `position` is still to be delivered: its delivery will resolve the waiter.
    if (next !== undefined && comparePositions(next.position, position) <= 0) return;
    this.cover(position);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.closing.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.closing.signal.addEventListener('abort', done, { once: true });
    });
  }
}
