import {
  AckPolicy,
  connect,
  ConsumerConfig,
  ConsumerMessages,
  Consumer as JsConsumer,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  NatsConnection,
  NatsError,
  nanos,
  RetentionPolicy,
  StorageType,
  StreamConfig,
  Subscription,
} from 'nats';
import { Bus, BusMessage, ConsumeOptions, Consumer } from '../bus';

/** JetStream API error codes this adapter reacts to (nats-server `errors.json`). */
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;
const STREAM_NAME_IN_USE = 10058;

interface StreamSpec {
  name: string;
  subjects: string;
  retention: RetentionPolicy;
  /** 0: kept until acked (work) or forever. */
  maxAgeMs: number;
}

export interface JetStreamBusOptions {
  /** `NATS_URL`: one server or a comma-separated cluster list. */
  servers: string | string[];
  /** Connection name shown by `nats server report connections`. */
  connectionName?: string;
  /** JetStream `duplicate_window` of every stream: a message id seen within it is dropped. Default 2 min. */
  duplicateWindowMs?: number;
  /** Age after which events and reports leave their streams (the event store keeps the events). Default 7 days. */
  retainMs?: number;
  /** Stream replicas on a NATS cluster; default 1. */
  replicas?: number;
  /** Base delay before a message whose handler threw is redelivered; doubles per delivery, capped at 30 s. Default 1 s. */
  redeliveryDelayMs?: number;
  /** Lifetime of one pull request while idle (nats.js minimum 1 s). Default 5 s. */
  pullExpiresMs?: number;
  /** Durable consumers unused for this long are deleted by the server; unset keeps them forever (tests set it). */
  consumerInactiveThresholdMs?: number;
  logger?: { warn(message: string): void };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function jsErrorCode(e: unknown): number | undefined {
  return e instanceof NatsError ? e.api_error?.err_code : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The bus over NATS JetStream (DESIGN.md, Messaging and agents). Durable subjects live in three
 * streams that `connect` ensures idempotently; every consumer is a durable pull consumer with
 * explicit acks and a subject filter, so work queues of different hosts are separate consumers
 * of one work-queue stream. Liveness goes over core NATS and is never stored.
 */
export class JetStreamBus implements Bus {
  readonly name = 'nats-jetstream';
  readonly crossesProcesses = true;
  private readonly consumers = new Set<JetStreamConsumer>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly streams: StreamSpec[];
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly options: JetStreamBusOptions,
    private readonly logger: { warn(message: string): void },
  ) {
    const retainMs = options.retainMs ?? 7 * 24 * 3600_000;
    this.streams = [
      { name: 'STRATA_EVENTS', subjects: 'strata.evt.>', retention: RetentionPolicy.Limits, maxAgeMs: retainMs },
      // A work order stays until an agent acked it, however long the host is down.
      { name: 'STRATA_WORK', subjects: 'strata.work.>', retention: RetentionPolicy.Workqueue, maxAgeMs: 0 },
      { name: 'STRATA_REPORTS', subjects: 'strata.report.>', retention: RetentionPolicy.Limits, maxAgeMs: retainMs },
    ];
  }

  static async connect(options: JetStreamBusOptions): Promise<JetStreamBus> {
    const nc = await connect({
      servers: options.servers,
      name: options.connectionName ?? 'strata',
      // Agents and the conductor outlive NATS restarts: keep reconnecting.
      maxReconnectAttempts: -1,
    });
    try {
      const jsm = await nc.jetstreamManager();
      const bus = new JetStreamBus(nc, jsm, nc.jetstream(), options, options.logger ?? console);
      await bus.ensureStreams();
      return bus;
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  private async ensureStreams(): Promise<void> {
    for (const spec of this.streams) {
      const config: Partial<StreamConfig> = {
        name: spec.name,
        subjects: [spec.subjects],
        retention: spec.retention,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        max_age: nanos(spec.maxAgeMs),
        duplicate_window: nanos(this.options.duplicateWindowMs ?? 120_000),
        num_replicas: this.options.replicas ?? 1,
      };
      let existing = await this.streamInfo(spec.name);
      if (!existing) {
        try {
          await this.jsm.streams.add(config);
          continue;
        } catch (e) {
          // Another process created it first.
          if (jsErrorCode(e) !== STREAM_NAME_IN_USE) throw e;
          existing = await this.streamInfo(spec.name);
        }
      }
      // Limits an operator tuned are left alone; what the contract depends on is checked.
      if (existing && (existing.retention !== spec.retention || !existing.subjects.includes(spec.subjects))) {
        throw new Error(
          `JetStream stream ${spec.name} exists with retention ${existing.retention} and subjects ${existing.subjects.join(',')};` +
            ` Strata needs ${spec.retention} on ${spec.subjects}`,
        );
      }
    }
  }

  private async streamInfo(name: string): Promise<{ retention: RetentionPolicy; subjects: string[] } | undefined> {
    try {
      const info = await this.jsm.streams.info(name);
      return { retention: info.config.retention, subjects: info.config.subjects ?? [] };
    } catch (e) {
      if (jsErrorCode(e) === STREAM_NOT_FOUND) return undefined;
      throw e;
    }
  }

  /** The stream that stores every subject `filter` matches. */
  private streamFor(filter: string): StreamSpec | undefined {
    return this.streams.find((s) => filter.startsWith(s.subjects.slice(0, -1)) && filter.length > s.subjects.length - 1);
  }

  async publish(subject: string, data: unknown, opts: { msgId: string }): Promise<void> {
    // PubAck arrives once the stream stored the message; a duplicate within the window is acked too.
    await this.js.publish(subject, encoder.encode(JSON.stringify(data ?? null)), { msgID: opts.msgId });
  }

  async consume<T = unknown>(opts: ConsumeOptions, handler: (msg: BusMessage<T>) => Promise<void>): Promise<Consumer> {
    if (this.closing) throw new Error('JetStream bus: closed');
    const stream = this.streamFor(opts.filterSubject);
    if (!stream) throw new Error(`JetStream bus: filter ${opts.filterSubject} is not inside one Strata stream`);
    if (!/^[A-Za-z0-9_-]+$/.test(opts.durable)) throw new Error(`JetStream bus: invalid durable name ${opts.durable}`);
    await this.ensureConsumer(stream.name, opts);
    const consumer = new JetStreamConsumer(
      this.js,
      stream.name,
      opts.durable,
      opts.maxDeliver,
      handler as (msg: BusMessage<unknown>) => Promise<void>,
      {
        pullExpiresMs: this.options.pullExpiresMs ?? 5_000,
        redeliveryDelay: (n) => Math.min((this.options.redeliveryDelayMs ?? 1_000) * 2 ** (n - 1), 30_000),
        recreate: () => this.ensureConsumer(stream.name, opts),
        logger: this.logger,
        onStop: (c) => this.consumers.delete(c),
      },
    );
    this.consumers.add(consumer);
    consumer.start();
    return consumer;
  }

  /**
   * One durable per (stream, name): every process consuming the same durable shares its position and
   * competes for its messages. On the work-queue stream the server refuses two durables whose
   * filters overlap, so each host has its own durable on `strata.work.<kind>.<host>`.
   */
  private async ensureConsumer(stream: string, opts: ConsumeOptions): Promise<void> {
    const ackWait = nanos(opts.ackWaitMs ?? 30_000);
    const maxDeliver = opts.maxDeliver ?? -1;
    let info;
    try {
      info = await this.jsm.consumers.info(stream, opts.durable);
    } catch (e) {
      if (jsErrorCode(e) !== CONSUMER_NOT_FOUND) throw e;
    }
    if (!info) {
      const config: Partial<ConsumerConfig> = {
        durable_name: opts.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: opts.filterSubject,
        ack_wait: ackWait,
        max_deliver: maxDeliver,
      };
      if (this.options.consumerInactiveThresholdMs !== undefined) {
        config.inactive_threshold = nanos(this.options.consumerInactiveThresholdMs);
      }
      // Same config from a concurrent creator is accepted by the server as the same consumer.
      await this.jsm.consumers.add(stream, config);
      return;
    }
    const c = info.config;
    if (c.filter_subject !== opts.filterSubject || c.ack_wait !== ackWait || (c.max_deliver ?? -1) !== maxDeliver) {
      await this.jsm.consumers.update(stream, opts.durable, { filter_subject: opts.filterSubject, ack_wait: ackWait, max_deliver: maxDeliver });
    }
  }

  notify(subject: string, data: unknown): void {
    if (this.closing || this.nc.isClosed()) return;
    try {
      this.nc.publish(subject, encoder.encode(JSON.stringify(data ?? null)));
    } catch (e) {
      this.logger.warn(`JetStream bus: notify on ${subject} failed: ${messageOf(e)}`);
    }
  }

  listen<T = unknown>(subject: string, handler: (data: T, subject: string) => void): () => void {
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          this.logger.warn(`JetStream bus: listener on ${subject} failed: ${messageOf(err)}`);
          return;
        }
        try {
          handler(JSON.parse(decoder.decode(msg.data)) as T, msg.subject);
        } catch (e) {
          this.logger.warn(`JetStream bus: listener on ${subject} failed: ${messageOf(e)}`);
        }
      },
    });
    this.subscriptions.add(sub);
    return () => {
      this.subscriptions.delete(sub);
      if (!sub.isClosed()) sub.unsubscribe();
    };
  }

  async ping(): Promise<boolean> {
    if (this.nc.isClosed() || this.closing) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      // flush() is a PING/PONG round trip; while reconnecting it would wait, so bound it.
      await Promise.race([this.nc.flush(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('ping timed out')), 2_000)))]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.consumers].map((c) => c.stop()));
      if (!this.nc.isClosed()) await this.nc.drain();
    })();
    return this.closing;
  }
}

interface ConsumerRuntime {
  pullExpiresMs: number;
  redeliveryDelay(deliveryCount: number): number;
  /** Re-creates the durable (the server deleted it after inactivity, or lost it). */
  recreate(): Promise<void>;
  logger: { warn(message: string): void };
  onStop(c: JetStreamConsumer): void;
}

/**
 * Pulls one message at a time and asks for the next only after the handler settled, so no message
 * waits in a client buffer while its ack-wait runs, and a stopped consumer holds none but the
 * one being handled.
 */
class JetStreamConsumer implements Consumer {
  private stopped = false;
  private batch: ConsumerMessages | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly durable: string,
    private readonly maxDeliver: number | undefined,
    private readonly handler: (msg: BusMessage<unknown>) => Promise<void>,
    private readonly runtime: ConsumerRuntime,
  ) {}

  start(): void {
    void this.run();
  }

  private async run(): Promise<void> {
    let consumer: JsConsumer | undefined;
    let failures = 0;
    while (!this.stopped) {
      try {
        consumer ??= await this.js.consumers.get(this.stream, this.durable);
        const batch = await consumer.fetch({ max_messages: 1, expires: this.runtime.pullExpiresMs });
        this.batch = batch;
        if (this.stopped) {
          void batch.close();
          break;
        }
        for await (const m of batch) await this.handle(m);
        failures = 0;
      } catch (e) {
        if (this.stopped) break;
        failures += 1;
        this.runtime.logger.warn(`JetStream bus: pulling ${this.stream}/${this.durable} failed: ${messageOf(e)}`);
        if (jsErrorCode(e) === CONSUMER_NOT_FOUND || /consumer (not found|deleted)/i.test(messageOf(e))) {
          consumer = undefined;
          await this.runtime.recreate().catch((err) => this.runtime.logger.warn(`JetStream bus: re-creating ${this.durable} failed: ${messageOf(err)}`));
        }
        await this.pause(Math.min(250 * 2 ** (failures - 1), 5_000));
      } finally {
        this.batch = undefined;
      }
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    const deliveryCount = m.info.deliveryCount;
    let data: unknown;
    try {
      data = JSON.parse(decoder.decode(m.data));
    } catch (e) {
      this.runtime.logger.warn(`JetStream bus: ${m.subject} seq ${m.seq} is not JSON, dropped from ${this.durable}: ${messageOf(e)}`);
      m.term();
      return;
    }
    let failed = false;
    let failure: unknown;
    try {
      await this.handler({ subject: m.subject, id: m.headers?.get('Nats-Msg-Id') ?? '', data, deliveryCount });
    } catch (e) {
      failed = true;
      failure = e;
    }
    // Stopped mid-handler: no ack, the server redelivers after ack-wait.
    if (this.stopped) return;
    if (!failed) {
      // Wait for the server's confirmation so that "acked" means no redelivery, even if we close next.
      await m.ackAck({ timeout: 5_000 }).catch((e) => this.runtime.logger.warn(`JetStream bus: ack of ${m.subject} seq ${m.seq} unconfirmed: ${messageOf(e)}`));
      return;
    }
    const last = this.maxDeliver !== undefined && this.maxDeliver > 0 && deliveryCount >= this.maxDeliver;
    this.runtime.logger.warn(
      `JetStream bus: handler of ${this.durable} failed on ${m.subject} seq ${m.seq} (delivery ${deliveryCount})` +
        `${last ? ', giving up (maxDeliver reached)' : ''}: ${messageOf(failure)}`,
    );
    if (last) m.term();
    else m.nak(this.runtime.redeliveryDelay(deliveryCount));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.runtime.onStop(this);
    this.wakeUp?.();
    // Unsubscribes at once; close()'s promise would wait for the running handler, which stop() must not.
    void this.batch?.close().catch(() => undefined);
  }
}
