import { EventMetadata, EventStore, Position, RecordedEvent } from '../../domain/kernel';
import { ThrottledCheckpoint } from './throttled-checkpoint';
import { Bus, subjects } from './bus';
import { EventJson, toEventJson } from '../eventstore/event-json';

/** Where a reader of the log stopped, by reader name. */
export interface CheckpointStore {
  load(name: string): Promise<Position | undefined>;
  save(name: string, position: Position): Promise<void>;
}

export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, Position>();

  async load(name: string): Promise<Position | undefined> {
    return this.positions.get(name);
  }

  async save(name: string, position: Position): Promise<void> {
    this.positions.set(name, position);
  }
}

/** A RecordedEvent as JSON on `strata.evt.<category>.<Type>`: bigint and Date as strings. */
export type EventMessage = EventJson;

export const encodeEventMessage = toEventJson;

/** Turns a bus message's payload back into the RecordedEvent the relay read; throws a TypeError on anything else. */
export function decodeEventMessage(payload: unknown): RecordedEvent {
  const p = payload as Partial<Record<keyof EventMessage, unknown>> | null;
  const strings = ['id', 'stream', 'version', 'position', 'type', 'recordedAt'] as const;
  const bad = (what: string) => new TypeError(`Not an event message: ${what}`);
  if (typeof p !== 'object' || p === null) throw bad('not an object');
  for (const key of strings) if (typeof p[key] !== 'string') throw bad(`${key} is not a string`);
  if (!/^\d+$/.test(p.version as string)) throw bad(`version ${String(p.version)}`);
  const recordedAt = new Date(p.recordedAt as string);
  if (Number.isNaN(recordedAt.getTime())) throw bad(`recordedAt ${String(p.recordedAt)}`);
  if (typeof p.metadata !== 'object' || p.metadata === null) throw bad('metadata is not an object');
  return {
    id: p.id as string,
    stream: p.stream as string,
    version: BigInt(p.version as string),
    position: p.position as string,
    type: p.type as string,
    data: p.data ?? null,
    metadata: p.metadata as EventMetadata,
    recordedAt,
  };
}

export interface EventRelayOptions {
  store: EventStore;
  bus: Bus;
  checkpoints: CheckpointStore;
  /** Checkpoint name (default `relay`). */
  name?: string;
  /** First pause after a failure; doubles up to 30 s. Default 500 ms. */
  retryDelayMs?: number;
  /**
   * Longest time the saved checkpoint may trail the last acknowledged publish (default 250 ms; 0
   * saves after every event). A crash republishes at most that much, and the bus drops the repeats
   * by message id; saving after every event cost one write per event of the whole log.
   */
  checkpointIntervalMs?: number;
  logger?: { warn(message: string): void };
}

/**
 * The outbox relay (DESIGN.md, Messaging and agents): reads `$all` in order from its checkpoint and
 * publishes each event with the event id as message id. The checkpoint is saved only after the bus
 * acknowledged the publish, so a crash in between republishes, and JetStream's dedupe window drops
 * the repeat.
 */
export class EventRelay {
  readonly name: string;
  private readonly retryDelayMs: number;
  private readonly logger: { warn(message: string): void };
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private published: Position | undefined;
  private readonly checkpoint: ThrottledCheckpoint;

  constructor(private readonly options: EventRelayOptions) {
    this.name = options.name ?? 'relay';
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.logger = options.logger ?? console;
    this.checkpoint = new ThrottledCheckpoint(options.checkpoints, this.name, options.checkpointIntervalMs ?? 250, (e) =>
      this.logger.warn(`relay ${this.name}: checkpoint not saved: ${String(e)}`),
    );
  }

  /** Position of the last event the bus acknowledged. */
  get position(): Position | undefined {
    return this.published;
  }

  /** Loads the checkpoint and starts relaying in the background until `signal` aborts or `stop()`. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`relay ${this.name} already started`);
    const controller = new AbortController();
    if (signal?.aborted) controller.abort();
    signal?.addEventListener('abort', () => controller.abort(), { once: true });
    this.controller = controller;
    this.published = await this.checkpoint.load();
    this.running = this.run(controller.signal);
  }

  /** Finishes the publish under way, saves its checkpoint, and stops. */
  async stop(): Promise<void> {
    this.controller?.abort();
    await this.running;
    this.running = undefined;
    this.controller = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { store, bus } = this.options;
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.checkpoint.flush();
        for await (const event of store.subscribeToAll({ fromPosition: this.published, signal })) {
          await bus.publish(subjects.event(event), encodeEventMessage(event), { msgId: event.id });
          this.published = event.position;
          await this.checkpoint.advance(event.position);
          failures = 0;
        }
        if (!signal.aborted) throw new Error(`the ${store.name} event store ended the subscription`);
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        const delay = Math.min(this.retryDelayMs * 2 ** (failures - 1), 30_000);
        this.logger.warn(
          `relay ${this.name}: ${error instanceof Error ? error.message : String(error)}; resuming after ${this.published ?? 'the start'} in ${delay} ms`,
        );
        await pause(delay, signal);
      }
    }
    await this.checkpoint.flush().catch((e) => this.logger.warn(`relay ${this.name}: final checkpoint not saved: ${String(e)}`));
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
