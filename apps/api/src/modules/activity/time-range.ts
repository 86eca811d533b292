import { ApiError, ApiErrorCode } from '../../errors/api-error';
import { BUCKET_ORIGIN } from '../../database/sql-features';

/** A half-open time range [from, to). */
export interface TimeRange {
  from: Date;
  to: Date;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Bucket widths the API accepts, and the widths it picks by itself (the smallest giving ≤ {@link AUTO_BUCKETS}). */
export const MIN_BUCKET_MS = 10_000;
export const MAX_BUCKET_MS = 86_400_000;
/** Most buckets one answer may hold (bucket width versus range). */
export const MAX_BUCKETS = 2_000;
const AUTO_BUCKETS = 200;
const NICE_WIDTHS_MS = [10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000];
const ORIGIN_MS = Date.parse(BUCKET_ORIGIN);

/** `10s`, `5m`, `1h`, `1d` → milliseconds; a clear validation error otherwise. */
export function parseBucket(text: string): number {
  const m = /^([1-9]\d{0,5})([smhd])$/.exec(text.trim());
  if (!m) throw new ApiError(ApiErrorCode.ValidationFailed, `bucket: "${text}" is not a width like 30s, 5m, 1h or 1d`);
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms < MIN_BUCKET_MS || ms > MAX_BUCKET_MS) throw new ApiError(ApiErrorCode.ValidationFailed, `bucket: must be between 10s and 1d (got ${text})`);
  return ms;
}

/** The bucket width as text (`300s` style is what PostgreSQL reads as an interval). */
export const bucketInterval = (ms: number): string => `${ms / 1000} seconds`;

/** A short label for a width: 5m, 1h, 1d, 90s. */
export function bucketLabel(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms / 1000}s`;
}

/**
 * The range of a query: `to` defaults to now, `from` to `to - defaultSpanMs`; `from < to` and the
 * span at most `maxSpanMs`, or a validation error naming the parameter.
 */
export function resolveRange(from: string | undefined, to: string | undefined, opts: { defaultSpanMs: number; maxSpanMs: number; now?: Date }): TimeRange {
  const end = to === undefined ? (opts.now ?? new Date()) : new Date(to);
  const start = from === undefined ? new Date(end.getTime() - opts.defaultSpanMs) : new Date(from);
  if (Number.isNaN(end.getTime())) throw new ApiError(ApiErrorCode.ValidationFailed, 'to: not an ISO 8601 time');
  if (Number.isNaN(start.getTime())) throw new ApiError(ApiErrorCode.ValidationFailed, 'from: not an ISO 8601 time');
  if (start.getTime() >= end.getTime()) throw new ApiError(ApiErrorCode.ValidationFailed, 'from must be before to');
  if (end.getTime() - start.getTime() > opts.maxSpanMs) {
    throw new ApiError(ApiErrorCode.ValidationFailed, `the range from..to may span at most ${bucketLabel(opts.maxSpanMs)}`);
  }
  return { from: start, to: end };
}

/** The bucket width for a range: the requested one (checked against {@link MAX_BUCKETS}) or a nice automatic one. */
export function chooseBucket(range: TimeRange, requested: string | undefined): number {
  const span = range.to.getTime() - range.from.getTime();
  if (requested !== undefined) {
    const ms = parseBucket(requested);
    if (Math.ceil(span / ms) > MAX_BUCKETS) throw new ApiError(ApiErrorCode.ValidationFailed, `bucket: ${requested} gives more than ${MAX_BUCKETS} buckets over this range; pick a wider one`);
    return ms;
  }
  return NICE_WIDTHS_MS.find((w) => span / w <= AUTO_BUCKETS) ?? MAX_BUCKET_MS;
}

/** Start of the bucket holding `t` (same alignment as `time_bucket`/`date_bin` with {@link BUCKET_ORIGIN}). */
export function bucketStart(t: number, widthMs: number): number {
  return ORIGIN_MS + Math.floor((t - ORIGIN_MS) / widthMs) * widthMs;
}

/** Every bucket start overlapping [from, to), oldest first. */
export function bucketStarts(range: TimeRange, widthMs: number): number[] {
  const out: number[] = [];
  for (let t = bucketStart(range.from.getTime(), widthMs); t < range.to.getTime(); t += widthMs) out.push(t);
  return out;
}

/** Gap-fill: one entry per bucket of the range, `empty(start)` where the database had no rows. */
export function fillBuckets<T extends { bucket: Date }>(range: TimeRange, widthMs: number, rows: T[], empty: (bucket: Date) => T): T[] {
  const byStart = new Map(rows.map((r) => [r.bucket.getTime(), r]));
  return bucketStarts(range, widthMs).map((t) => byStart.get(t) ?? empty(new Date(t)));
}
