import type { Pool } from 'pg';
import { EventStore } from '../../domain/kernel';
import { BatchLimits } from './micro-batches';
import { CheckpointNotifications } from './notifications';

export interface EngineTuning {
  /** Live micro-batches; a batch is one read-model transaction (keep it short: DESIGN.md, gap-safe reads). */
  liveBatch: BatchLimits;
  /** Rebuild: events applied in memory between progress reports. */
  replayBatchEvents: number;
  /** Rebuild: flush (one short transaction) once this many rows changed... */
  replayFlushRows: number;
  /** ...or this long after the previous flush. */
  replayFlushMs: number;
  /** Rebuild: rows kept in memory between batches; past this the cache is dropped and misses are read back. */
  cacheMaxRows: number;
  /** Verify: rows compared at a time, of an append-only table (neither side held whole) or of a mutable table's snapshot copy. */
  verifyChunkRows: number;
  /** A standby runner tries to take the advisory lock this often. */
  lockRetryMs: number;
  /** First back-off after a failure, doubled up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const DEFAULT_TUNING: EngineTuning = {
  liveBatch: { maxItems: 500, maxMs: 200 },
  replayBatchEvents: 5_000,
  replayFlushRows: 20_000,
  replayFlushMs: 2_000,
  cacheMaxRows: 500_000,
  verifyChunkRows: 10_000,
  lockRetryMs: 3_000,
  retryBaseMs: 1_000,
  retryMaxMs: 30_000,
};

export interface EngineLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const SILENT_LOG: EngineLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** What the runners, the rebuilder and verify share inside one engine. */
export interface EngineContext {
  databaseUrl: string;
  pool: Pool;
  store: EventStore;
  notifications: CheckpointNotifications;
  tuning: EngineTuning;
  log: EngineLog;
}
