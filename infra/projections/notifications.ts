import { EventEmitter } from 'node:events';
import { CheckpointNotice } from './catalog';

/** In-process fan-out of checkpoint notices: a waiter in the same process does not wait for NOTIFY. */
export class CheckpointNotifications {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(notice: CheckpointNotice): void {
    this.emitter.emit('checkpoint', notice);
  }

  /** Returns the unsubscribe function. */
  on(listener: (notice: CheckpointNotice) => void): () => void {
    this.emitter.on('checkpoint', listener);
    return () => this.emitter.off('checkpoint', listener);
  }
}

/** Resolves after `ms`, or at once when the signal aborts: back-off and lock retries, never test synchronisation. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The sequence number in a position (its last run of digits): enough to estimate totals and ETAs. */
export function positionOrdinal(position: string | null | undefined): number | null {
  if (!position) return null;
  const match = /(\d+)\D*$/.exec(position);
  return match ? Number(match[1]) : null;
}
