/**
 * Offset bookkeeping of one partition: the database's `next_offset` is the truth; Kafka's committed
 * offset only decides where fetching starts, and may lag behind it (it is committed after the
 * database). Offsets are compared as bigints (Kafka offsets are 64-bit).
 */

/** What to do with a fetched batch given the partition's stored position. */
export type BatchPlan =
  /** process messages[from..] (earlier ones were already committed by the database) */
  | { action: 'process'; from: number }
  /** every message is before the stored position: nothing to do */
  | { action: 'skip' }
  /** the batch starts after the stored position: fetch again from there */
  | { action: 'seek'; offset: string };

/**
 * Plan a batch of `offsets` (ascending) against `position` (next offset to process, null when the
 * partition was never written). `seekedAlready`: a seek to `position` was tried and still delivered
 * later offsets, so the records in between no longer exist (retention): accept the gap.
 */
export function planBatch(position: string | null, offsets: string[], seekedAlready: boolean): BatchPlan {
  if (position === null || offsets.length === 0) return { action: 'process', from: 0 };
  const pos = BigInt(position);
  const first = BigInt(offsets[0]!);
  if (first > pos && !seekedAlready) return { action: 'seek', offset: position };
  const from = offsets.findIndex((o) => BigInt(o) >= pos);
  return from < 0 ? { action: 'skip' } : { action: 'process', from };
}

/** The offset after `offset` (what is stored and committed once `offset` is durable). */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

/** Records behind the high watermark once `next` is the next offset to read. */
export function lagOf(highWatermark: string, next: string): number {
  const d = BigInt(highWatermark) - BigInt(next);
  return d > 0n ? Number(d) : 0;
}

/** Split `items` into runs of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Where one partition stands, as /healthz reports it. */
export interface PartitionProgress {
  partition: number;
  lag: number;
  /** Records wait and nothing was committed for longer than the stall threshold. */
  stalled: boolean;
  sinceProgressMs: number;
}

/**
 * Lag of `partition` from its high watermark `end` and the furthest known next offset (the group's
 * Kafka commit, or this instance's last database commit), and whether it is stalled: lag > 0 and no
 * progress since `advancedAt` for more than `stallAfterMs`.
 */
export function progressOf(partition: number, end: string | undefined, known: (string | null | undefined)[], advancedAt: number, stallAfterMs: number, now: number): PartitionProgress {
  let next = 0n;
  for (const o of known) if (o !== undefined && o !== null && BigInt(o) > next) next = BigInt(o);
  const high = BigInt(end ?? '0');
  const lag = high > next ? Number(high - next) : 0;
  const sinceProgressMs = Math.max(0, now - advancedAt);
  return { partition, lag, stalled: lag > 0 && sinceProgressMs > stallAfterMs, sinceProgressMs };
}
