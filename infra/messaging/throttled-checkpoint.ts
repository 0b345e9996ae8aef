import { Position } from '../../domain/kernel';
import type { CheckpointStore } from './relay';

/**
 * A follower's checkpoint, saved at most every `intervalMs`: `advance` after each event handled,
 * `flush` when stopping. After a crash the follower handles again what came after the last save
 * (at most `intervalMs` of events), which its handling must tolerate; in exchange a busy log costs
 * a few writes a second instead of one per event. Saves never overlap; a failed save is retried by
 * the next one.
 */
export class ThrottledCheckpoint {
  private position: Position | undefined;
  private saved: Position | undefined;
  private lastSaveAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: CheckpointStore,
    readonly name: string,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The checkpoint saved last (or loaded), from which a restart resumes. */
  async load(): Promise<Position | undefined> {
    this.position = this.saved = await this.store.load(this.name);
    return this.position;
  }

  /** Everything up to `position` is handled: saved now when the last save is old enough, else when the interval has passed. */
  async advance(position: Position): Promise<void> {
    this.position = position;
    const wait = this.lastSaveAt + this.intervalMs - Date.now();
    if (wait <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.save(position);
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.position !== undefined && this.position !== this.saved) this.save(this.position).catch(this.onError);
    }, wait);
  }

  /** Saves what was handled and not saved yet (a follower that stops, or resumes after an error). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.saving;
    if (this.position !== undefined && this.position !== this.saved) await this.save(this.position);
  }

  private save(position: Position): Promise<void> {
    const run = this.saving.then(async () => {
      this.lastSaveAt = Date.now();
      await this.store.save(this.name, position);
      this.saved = position;
    });
    this.saving = run.catch(() => undefined);
    return run;
  }
}
