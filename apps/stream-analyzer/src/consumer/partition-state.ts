import type { BatchControl } from '@vigil/kafka';

/** What this instance holds for one assigned partition (replaced, never reused, after a reset). */
export interface PartitionState {
  partition: number;
  /** Next offset to process as stored in the database (null: never written). */
  position: string | null;
  seekedTo: string | null;
  endpoints: Set<string>;
  lastAcceptancePoll: number;
  lag: number;
}

/**
 * What the run writer asks the telemetry consumer, which owns the partitions' states: a run stops
 * as soon as its partition's state is no longer the one it started with (revoked or reset).
 */
export interface PartitionOwnership {
  /** Whether `st` is still the state held for its partition. */
  holds(st: PartitionState): boolean;
  /** Run `fn` against `dependency` until it succeeds or `st` (if given) is no longer held: see retryWhileOwned. */
  retrying<T>(dependency: string, what: string, control: BatchControl, fn: () => Promise<T>, st?: PartitionState, maxAttempts?: number): Promise<T>;
  /** Drop everything held for `partition` (fenced by another instance). */
  reset(partition: number): void;
  /** The partition's next offset moved to `next` at `at` (what the stall check watches). */
  advanced(partition: number, next: string, at: number): void;
}
