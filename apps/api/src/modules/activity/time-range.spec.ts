import { describe, expect, it } from 'vitest';
import { ApiError } from '../../errors/api-error';
import { bucketLabel, bucketStart, chooseBucket, fillBuckets, parseBucket, resolveRange } from './time-range';

const H = 3_600_000;
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
  }
  return undefined;
};

describe('time ranges and buckets', () => {
  it('parses bucket widths within 10s … 1d', () => {
    expect([parseBucket('10s'), parseBucket('5m'), parseBucket('1h'), parseBucket('1d')]).toEqual([10_000, 300_000, H, 24 * H]);
    expect(codeOf(() => parseBucket('9s'))).toMatch(/^VALIDATION_FAILED: bucket: must be between 10s and 1d/);
    expect(codeOf(() => parseBucket('25h'))).toMatch(/between 10s and 1d/);
    expect(codeOf(() => parseBucket('1w'))).toMatch(/not a width/);
    expect([bucketLabel(300_000), bucketLabel(H), bucketLabel(86_400_000), bucketLabel(90_000)]).toEqual(['5m', '1h', '1d', '90s']);
  });

  it('defaults and checks ranges', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    expect(resolveRange(undefined, undefined, { defaultSpanMs: 24 * H, maxSpanMs: 31 * 24 * H, now })).toEqual({ from: new Date('2026-11-30T12:00:00Z'), to: now });
    expect(codeOf(() => resolveRange('2026-12-01T12:00:00Z', '2026-12-01T12:00:00Z', { defaultSpanMs: H, maxSpanMs: H }))).toMatch(/from must be before to/);
    expect(codeOf(() => resolveRange('2026-11-01T00:00:00Z', '2026-12-03T00:00:00Z', { defaultSpanMs: H, maxSpanMs: 31 * 24 * H }))).toMatch(/at most 31d/);
    expect(codeOf(() => resolveRange('soon', undefined, { defaultSpanMs: H, maxSpanMs: H }))).toMatch(/from: not an ISO/);
  });

  it('picks the smallest nice width giving at most 200 buckets, and refuses too many', () => {
    const range = (hours: number) => ({ from: new Date(0), to: new Date(hours * H) });
    expect(chooseBucket(range(1), undefined)).toBe(30_000);
    expect(chooseBucket(range(24), undefined)).toBe(900_000);
    expect(chooseBucket(range(168), undefined)).toBe(H);
    expect(chooseBucket(range(31 * 24), undefined)).toBe(6 * H);
    expect(codeOf(() => chooseBucket(range(168), '5m'))).toMatch(/more than 2000 buckets/);
  });

  it('aligns buckets to 2000-01-03T00:00:00Z (time_bucket and date_bin alike) and gap-fills', () => {
    expect(new Date(bucketStart(Date.parse('2026-12-01T10:07:31Z'), 300_000)).toISOString()).toBe('2026-12-01T10:05:00.000Z');
    // Weekly-ish odd widths still align to the origin, not to the epoch.
    expect(new Date(bucketStart(Date.parse('2000-01-03T00:00:10Z'), 7_000 * 1000)).toISOString()).toBe('2000-01-03T00:00:00.000Z');
    expect(new Date(bucketStart(Date.parse('2000-01-02T23:59:59Z'), 86_400_000)).toISOString()).toBe('2000-01-02T00:00:00.000Z');
    const range = { from: new Date('2026-12-01T10:02:00Z'), to: new Date('2026-12-01T10:20:00Z') };
    const filled = fillBuckets(range, 300_000, [{ bucket: new Date('2026-12-01T10:10:00Z'), n: 3 }], (bucket) => ({ bucket, n: 0 }));
    expect(filled.map((b) => [b.bucket.toISOString().slice(11, 16), b.n])).toEqual([['10:00', 0], ['10:05', 0], ['10:10', 3], ['10:15', 0]]);
  });
});
