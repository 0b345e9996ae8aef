import { Bus, BusMessage, ConsumeOptions, Consumer } from '../bus';

/**
 * The bus of the all-in-one embedded mode: the JetStream semantics Strata relies on, in memory
 * (test/contracts/bus.contract.ts). Streams as in DESIGN.md (events and reports keep
 * messages; work is a work queue), durable consumers that keep their position per name for the
 * life of the process, ack after the handler resolved, redelivery after a throw or an ack
 * time-out, dedupe by message id within a window. Nothing survives the process, so the relay
 * feeding this bus must not resume from a checkpoint saved by an earlier process.
 */

type Retention = 'limits' | 'workqueue';

interface StreamSpec {
  name: string;
  subjects: string;
  retention: Retention;
  /** Messages kept at most when no `maxMessagesPerStream` is given (limits retention). */
  maxMessages?: number;
}

const STREAMS: readonly StreamSpec[] = [
  // Every event passes through (the relay), a few KiB each, held in this process's memory; in the
  // all-in-one nothing consumes them, so the last 10,000 are plenty.
  { name: 'STRATA_EVENTS', subjects: 'strata.evt.>', retention: 'limits', maxMessages: 10_000 },
  { name: 'STRATA_WORK', subjects: 'strata.work.>', retention: 'workqueue' },
  { name: 'STRATA_REPORTS', subjects: 'strata.report.>', retention: 'limits' },
];

/** NATS subject matching: `*` matches one token, a trailing `>` one or more. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (f[i] !== '*' && f[i] !== s[i]) return false;
  }
  return f.length === s.length;
}

/** True when some subject matches both filters (JetStream's work-queue uniqueness rule). */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (i >= x.length || i >= y.length) return false;
    if (x[i] === '>' || y[i] === '>') return true;
    if (x[i] !== '*' && y[i] !== '*' && x[i] !== y[i]) return false;
  }
  return true;
}

export interface InProcessBusOptions {
  /** Window within which a repeated message id is dropped (JetStream `duplicate_window`); default 2 min. */
  duplicateWindowMs?: number;
  /** Base delay before a message whose handler threw is redelivered; doubles per delivery, capped at 30 s. Default 1 s. */
  redeliveryDelayMs?: number;
  /** Oldest messages of the events and reports streams are dropped beyond this count (default: 10 000 events, 100 000 reports). */
  maxMessagesPerStream?: number;
  logger?: { warn(message: string): void };
  /** Milliseconds since the epoch; injectable for the dedupe-window tests. */
  now?: () => number;
}

interface StoredMessage {
  seq: number;
  subject: string;
  id: string;
  payload: string;
}

interface Pending {
  deliveries: number;
  /** Increments on every delivery, so that a late ack-wait timer or nak of an older delivery is ignored. */
  attempt: number;
  timer?: NodeJS.Timeout;
}

class MemoryStream {
  readonly log: StoredMessage[] = [];
  lastSeq = 0;
  readonly recentIds = new Map<string, number>();
  readonly durables = new Map<string, Durable>();

  constructor(readonly spec: StreamSpec) {}

  /** Index of the first stored message whose seq is >= `seq` (the log is ordered by seq). */
  indexFrom(seq: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid].seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(seq: number): StoredMessage | undefined {
    const m = this.log[this.indexFrom(seq)];
    return m?.seq === seq ? m : undefined;
  }

  remove(seq: number): void {
    const i = this.indexFrom(seq);
    if (this.log[i]?.seq === seq) this.log.splice(i, 1);
  }
}

interface Delivery {
  message: StoredMessage;
  deliveries: number;
  attempt: number;
}

class Durable {
  /** Next stream sequence not yet delivered for the first time. */
  nextSeq = 1;
  readonly pending = new Map<number, Pending>();
  /** Sequences due for redelivery, lowest first (JetStream redelivers before new messages). */
  readonly ready: number[] = [];
  private waiters: (() => void)[] = [];

  constructor(
    readonly stream: MemoryStream,
    readonly name: string,
    public filter: string,
    public ackWaitMs: number,
    public maxDeliver: number | undefined,
  ) {}

  take(): Delivery | undefined {
    while (this.ready.length > 0) {
      const seq = this.ready.shift()!;
      const p = this.pending.get(seq);
      const message = this.stream.get(seq);
      if (!p) continue;
      if (!message) {
        this.pending.delete(seq);
        continue;
      }
      return this.deliver(message, p);
    }
    const log = this.stream.log;
    for (let i = this.stream.indexFrom(this.nextSeq); i < log.length; i++) {
      const message = log[i];
      this.nextSeq = message.seq + 1;
      if (subjectMatches(this.filter, message.subject)) {
        const p: Pending = { deliveries: 0, attempt: 0 };
        this.pending.set(message.seq, p);
        return this.deliver(message, p);
      }
    }
    this.nextSeq = this.stream.lastSeq + 1;
    return undefined;
  }

  private deliver(message: StoredMessage, p: Pending): Delivery {
    p.deliveries += 1;
    p.attempt += 1;
    const attempt = p.attempt;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => this.expire(message.seq, attempt), this.ackWaitMs);
    p.timer.unref();
    return { message, deliveries: p.deliveries, attempt };
  }

  ack(seq: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(seq);
    const i = this.ready.indexOf(seq);
    if (i >= 0) this.ready.splice(i, 1);
    if (this.stream.spec.retention === 'workqueue') this.stream.remove(seq);
  }

  /** Redeliver after `delayMs`; a nak of an older delivery than the current one is ignored. */
  nak(seq: number, attempt: number, delayMs: number): void {
    const p = this.pending.get(seq);
    if (!p || p.attempt !== attempt) return;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => this.expire(seq, attempt), delayMs);
    p.timer.unref();
  }

  /** Gives up on a message (JetStream `term`): never delivered again, dropped from a work queue. */
  term(seq: number): void {
    this.ack(seq);
  }

  private expire(seq: number, attempt: number): void {
    const p = this.pending.get(seq);
    if (!p || p.attempt !== attempt) return;
    p.timer = undefined;
    // JetStream stops redelivering at max_deliver and leaves the message in the stream.
    if (this.maxDeliver !== undefined && this.maxDeliver > 0 && p.deliveries >= this.maxDeliver) {
      this.pending.delete(seq);
      return;
    }
    const i = this.ready.findIndex((s) => s > seq);
    if (i < 0) this.ready.push(seq);
    else this.ready.splice(i, 0, seq);
    this.wake();
  }

  waitForWork(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  clearTimers(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
  }
}

class InProcessConsumer implements Consumer {
  private stopped = false;

  constructor(
    private readonly durable: Durable,
    private readonly handler: (msg: BusMessage<unknown>) => Promise<void>,
    private readonly redeliveryDelay: (deliveries: number) => number,
    private readonly logger: { warn(message: string): void },
    private readonly onStop: (c: InProcessConsumer) => void,
  ) {}

  async run(): Promise<void> {
    while (!this.stopped) {
      const delivery = this.durable.take();
      if (delivery) await this.handle(delivery);
      else await this.durable.waitForWork();
    }
  }

  private async handle({ message, deliveries, attempt }: Delivery): Promise<void> {
    const durable = this.durable;
    let failure: unknown;
    let failed = false;
    try {
      await this.handler({ subject: message.subject, id: message.id, data: JSON.parse(message.payload), deliveryCount: deliveries });
    } catch (e) {
      failed = true;
      failure = e;
    }
    // A consumer stopped mid-handler leaves the message unacked: it comes back after ack-wait.
    if (this.stopped) return;
    if (!failed) {
      durable.ack(message.seq);
      return;
    }
    const last = durable.maxDeliver !== undefined && durable.maxDeliver > 0 && deliveries >= durable.maxDeliver;
    this.logger.warn(
      `in-process bus: handler of ${durable.name} failed on ${message.subject} (message ${message.id}, delivery ${deliveries})` +
        `${last ? ', giving up (maxDeliver reached)' : ''}: ${failure instanceof Error ? failure.message : String(failure)}`,
    );
    if (last) durable.term(message.seq);
    else durable.nak(message.seq, attempt, this.redeliveryDelay(deliveries));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.durable.wake();
    this.onStop(this);
  }
}

interface Listener {
  subject: string;
  handler: (data: unknown, subject: string) => void;
}

export class InProcessBus implements Bus {
  readonly name = 'in-process';
  readonly crossesProcesses = false;
  private readonly streams = STREAMS.map((spec) => new MemoryStream(spec));
  private readonly consumers = new Set<InProcessConsumer>();
  private listeners: Listener[] = [];
  private closed = false;
  private readonly duplicateWindowMs: number;
  private readonly redeliveryDelayMs: number;
  private readonly maxMessagesPerStream: number | undefined;
  private readonly logger: { warn(message: string): void };
  private readonly now: () => number;

  constructor(options: InProcessBusOptions = {}) {
    this.duplicateWindowMs = options.duplicateWindowMs ?? 120_000;
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 1_000;
    this.maxMessagesPerStream = options.maxMessagesPerStream;
    this.logger = options.logger ?? console;
    this.now = options.now ?? Date.now;
  }

  async publish(subject: string, data: unknown, opts: { msgId: string }): Promise<void> {
    this.assertOpen();
    const stream = this.streamFor(subject);
    if (!stream || subject.includes('*') || subject.includes('>')) {
      throw new Error(`in-process bus: no stream stores subject ${subject}`);
    }
    const now = this.now();
    for (const [id, at] of stream.recentIds) {
      if (now - at < this.duplicateWindowMs) break;
      stream.recentIds.delete(id);
    }
    if (stream.recentIds.has(opts.msgId)) return;
    stream.recentIds.set(opts.msgId, now);
    stream.lastSeq += 1;
    stream.log.push({ seq: stream.lastSeq, subject, id: opts.msgId, payload: JSON.stringify(data ?? null) });
    const max = this.maxMessagesPerStream ?? stream.spec.maxMessages ?? 100_000;
    if (stream.spec.retention === 'limits' && stream.log.length > max) {
      stream.log.splice(0, stream.log.length - max);
    }
    for (const d of stream.durables.values()) if (subjectMatches(d.filter, subject)) d.wake();
  }

  async consume<T = unknown>(opts: ConsumeOptions, handler: (msg: BusMessage<T>) => Promise<void>): Promise<Consumer> {
    this.assertOpen();
    const stream = this.streamFor(opts.filterSubject);
    if (!stream) throw new Error(`in-process bus: filter ${opts.filterSubject} is not inside one stream`);
    if (!/^[A-Za-z0-9_-]+$/.test(opts.durable)) throw new Error(`in-process bus: invalid durable name ${opts.durable}`);
    const ackWaitMs = opts.ackWaitMs ?? 30_000;
    let durable = stream.durables.get(opts.durable);
    if (stream.spec.retention === 'workqueue') {
      for (const other of stream.durables.values()) {
        if (other.name !== opts.durable && subjectsOverlap(other.filter, opts.filterSubject)) {
          throw new Error(
            `in-process bus: work-queue filter ${opts.filterSubject} of ${opts.durable} overlaps ${other.filter} of ${other.name}`,
          );
        }
      }
    }
    if (!durable) {
      durable = new Durable(stream, opts.durable, opts.filterSubject, ackWaitMs, opts.maxDeliver);
      stream.durables.set(opts.durable, durable);
    } else {
      durable.filter = opts.filterSubject;
      durable.ackWaitMs = ackWaitMs;
      durable.maxDeliver = opts.maxDeliver;
    }
    const consumer = new InProcessConsumer(
      durable,
      handler as (msg: BusMessage<unknown>) => Promise<void>,
      (n) => Math.min(this.redeliveryDelayMs * 2 ** (n - 1), 30_000),
      this.logger,
      (c) => this.consumers.delete(c),
    );
    this.consumers.add(consumer);
    void consumer.run();
    return consumer;
  }

  notify(subject: string, data: unknown): void {
    if (this.closed) return;
    const payload = JSON.stringify(data ?? null);
    for (const l of this.listeners) {
      if (!subjectMatches(l.subject, subject)) continue;
      setImmediate(() => {
        try {
          l.handler(JSON.parse(payload), subject);
        } catch (e) {
          this.logger.warn(`in-process bus: listener on ${l.subject} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      });
    }
  }

  listen<T = unknown>(subject: string, handler: (data: T, subject: string) => void): () => void {
    this.assertOpen();
    const listener: Listener = { subject, handler: handler as Listener['handler'] };
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.listeners = [];
    for (const s of this.streams) for (const d of s.durables.values()) d.clearTimers();
  }

  private streamFor(subject: string): MemoryStream | undefined {
    // Wildcards in a filter are plain tokens here: `strata.evt.*.X` lies inside `strata.evt.>`, `strata.>` does not.
    return this.streams.find((s) => subjectMatches(s.spec.subjects, subject));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('in-process bus: closed');
  }
}
