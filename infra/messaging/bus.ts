import { categoryOf, RecordedEvent } from '../../domain/kernel';

/**
 * Subjects (DESIGN.md, Messaging):
 *  - strata.evt.<category>.<Type>   every committed event, published by the relay (JetStream stream STRATA_EVENTS)
 *  - strata.work.<kind>.<host>      work orders for agents (STRATA_WORK, work-queue retention)
 *  - strata.report.<kind>.<host>    agents' reports back to the conductor (STRATA_REPORTS)
 *  - strata.live.>                  liveness (heartbeats, progress): plain, not persisted, never events
 */
export const subjects = {
  event: (e: Pick<RecordedEvent, 'stream' | 'type'>) => `strata.evt.${categoryOf(e.stream)}.${e.type}`,
  work: (kind: string, host: string) => `strata.work.${kind}.${host}`,
  report: (kind: string, host: string) => `strata.report.${kind}.${host}`,
  live: (what: string) => `strata.live.${what}`,
};

export interface BusMessage<T = unknown> {
  subject: string;
  /** The publisher's message id (event id, work order id); duplicates within the dedupe window are dropped. */
  id: string;
  data: T;
  /** 1 on first delivery, more on redelivery after a crash, a nak or an ack time-out. */
  deliveryCount: number;
}

export interface ConsumeOptions {
  /** Durable consumer name: its position survives restarts of the consumer and of the bus client. */
  durable: string;
  /** Subject filter with NATS wildcards, e.g. `strata.work.compute.host-1` or `strata.evt.server.>`. */
  filterSubject: string;
  /** Redeliver when a handler neither resolved nor rejected within this time (default 30 s). */
  ackWaitMs?: number;
  /** Give up after this many deliveries (default unlimited). */
  maxDeliver?: number;
}

export interface Consumer {
  /** Stops delivery; a message whose handler is running is not acked and will be redelivered. */
  stop(): Promise<void>;
}

/**
 * The bus contract (test/contracts/bus.contract.ts): at-least-once delivery of durable subjects,
 * ack only after the handler resolved, redelivery after a throw or a crash, dedupe by message id.
 */
export interface Bus {
  readonly name: string;
  /** Other processes can connect and consume (NATS); false for the in-process bus of the all-in-one. */
  readonly crossesProcesses: boolean;
  /** Durable publish; resolves once the bus has stored the message. */
  publish(subject: string, data: unknown, opts: { msgId: string }): Promise<void>;
  consume<T = unknown>(opts: ConsumeOptions, handler: (msg: BusMessage<T>) => Promise<void>): Promise<Consumer>;
  /** Fire-and-forget liveness signal, not persisted. */
  notify(subject: string, data: unknown): void;
  /** Listens to liveness signals; returns an unsubscribe function. */
  listen<T = unknown>(subject: string, handler: (data: T, subject: string) => void): () => void;
  /** Health for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
