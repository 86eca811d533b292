import { describe, expect, it, vi } from 'vitest';
import { VigilError } from './errors';
import { backoffDelay, retry } from './retry';

const transient = (): VigilError => new VigilError('BROKER_DOWN', 'broker unavailable', { retriable: true });

describe('retry', () => {
  it('retries retriable errors until success', async () => {
    const fn = vi.fn().mockRejectedValueOnce(transient()).mockRejectedValueOnce(transient()).mockResolvedValue('ok');
    await expect(retry(fn, { retries: 5, initialDelayMs: 1 })).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('never retries a programmer error', async () => {
    const fn = vi.fn().mockRejectedValue(new TypeError('undefined is not a function'));
    await expect(retry(fn, { retries: 5, initialDelayMs: 1 })).rejects.toThrow(TypeError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('gives up after the allowed retries with the last error', async () => {
    const fn = vi.fn().mockRejectedValue(transient());
    await expect(retry(fn, { retries: 2, initialDelayMs: 1 })).rejects.toThrow('broker unavailable');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('uses a server delay hint (Retry-After) instead of the backoff', async () => {
    const delays: number[] = [];
    const fn = vi.fn().mockRejectedValueOnce(transient()).mockResolvedValue(1);
    await retry(fn, { retries: 1, delayHintMs: () => 5, onRetry: (_e, _a, d) => delays.push(d) });
    expect(delays).toEqual([5]);
  });

  it('waits in the caller\'s way when asked, and stops when that wait throws', async () => {
    const waits: number[] = [];
    const fn = vi.fn().mockRejectedValue(transient());
    const gone = new Error('partition revoked');
    const wait = async (_ms: number, attempt: number): Promise<void> => {
      waits.push(attempt);
      if (attempt === 3) throw gone;
    };
    await expect(retry(fn, { retries: Number.POSITIVE_INFINITY, initialDelayMs: 1, wait })).rejects.toBe(gone);
    expect(waits).toEqual([1, 2, 3]);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const fn = vi.fn().mockRejectedValue(transient());
    const pending = retry(fn, { retries: 10, initialDelayMs: 60_000, maxDelayMs: 60_000, delayHintMs: () => 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 10);
    await expect(pending).rejects.toThrow('shutting down');
  });
});

describe('backoffDelay', () => {
  it('is full-jitter exponential and capped', () => {
    expect(backoffDelay(0, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 10_000, () => 1)).toBe(800);
    expect(backoffDelay(20, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(0);
  });
});
