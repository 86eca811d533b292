import { isRetriable } from './errors';

/** Options of {@link retry}. Delays in milliseconds. */
export interface RetryOptions {
  /** Retries after the first attempt (`Infinity`: until success or a non-retriable error). */
  retries: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Decide per error; default: {@link isRetriable}. Programmer errors must never be retried. */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  /** A server-imposed delay (e.g. Retry-After), used instead of the backoff when present. */
  delayHintMs?: (err: unknown) => number | undefined;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  /**
   * How to spend the delay before the next attempt (default: sleep, cut short by `signal`). A
   * caller that must stay alive meanwhile (heartbeats) or give up on its own terms (work taken
   * away) waits in its own way; whatever it throws ends the retries.
   */
  wait?: (delayMs: number, attempt: number) => Promise<void>;
}

/** Full-jitter exponential backoff: uniform in [0, min(max, initial·2^attempt)]. */
export function backoffDelay(attempt: number, initialDelayMs = 200, maxDelayMs = 30_000, random = Math.random): number {
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/** Sleep that an AbortSignal can cut short (rejects with the signal's reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Run `fn` until it succeeds, the error is not retriable, or `retries` are used up. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const shouldRetry = options.shouldRetry ?? ((err: unknown) => isRetriable(err));
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.retries || !shouldRetry(err, attempt)) throw err;
      const delay = options.delayHintMs?.(err) ?? backoffDelay(attempt, options.initialDelayMs, options.maxDelayMs);
      options.onRetry?.(err, attempt + 1, delay);
      await (options.wait ? options.wait(delay, attempt + 1) : sleep(delay, options.signal));
    }
  }
}
