/** Time windows offered by the filters and charts. */
export const TIME_RANGES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

export type TimeRange = (typeof TIME_RANGES)[number]['value'];

/** `from` (ISO) of a window ending now; undefined for "any time". */
export function rangeStart(range: string | null | undefined, now = Date.now()): string | undefined {
  const r = TIME_RANGES.find((t) => t.value === range);
  return r ? new Date(now - r.ms).toISOString() : undefined;
}

/** A chart bucket width (the API's `bucket` parameter) that gives 48–60 points over the window. */
export function bucketFor(range: string): string {
  switch (range) {
    case '1h':
      return '1m';
    case '24h':
      return '30m';
    case '7d':
      return '3h';
    default:
      return '12h';
  }
}
