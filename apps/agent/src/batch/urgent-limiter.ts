/** Limits of the urgent path: events per second (burst: one second's worth). */
export interface UrgentLimits {
  /** Per process. */
  perProcess: number;
  /** All processes together. */
  global: number;
}

/** What the limiter decided, counted since start (agentStats and metrics). */
export interface UrgentCounters {
  /** Records sent on the urgent path. */
  sent: number;
  /** Records that waited for the window because their process was over its rate. */
  deferredProcess: number;
  /** Records that waited for the window because the host was over the global rate. */
  deferredGlobal: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets per process and for the host. A record over either limit is not lost: it waits for
 * the window like any other record, so a process that writes thousands of files (a compiler) or a
 * scan cannot turn the urgent path into a flood, and one noisy process cannot starve the others
 * beyond its own bucket.
 */
export class UrgentLimiter {
  readonly counters: UrgentCounters = { sent: 0, deferredProcess: 0, deferredGlobal: 0 };
  private readonly perProcess = new Map<number, Bucket>();
  private readonly global: Bucket;

  constructor(
    private readonly limits: UrgentLimits,
    now = Date.now(),
  ) {
    this.global = { tokens: limits.global, at: now };
  }

  private refill(b: Bucket, rate: number, now: number): void {
    if (now > b.at) {
      b.tokens = Math.min(rate, b.tokens + ((now - b.at) * rate) / 1000);
      b.at = now;
    }
  }

  /** Take a token for one record of `pid`; false when it must wait for the window (counted). */
  admit(pid: number, now = Date.now()): boolean {
    let b = this.perProcess.get(pid);
    if (!b) {
      b = { tokens: this.limits.perProcess, at: now };
      this.perProcess.set(pid, b);
    }
    this.refill(b, this.limits.perProcess, now);
    if (b.tokens < 1) {
      this.counters.deferredProcess++;
      return false;
    }
    this.refill(this.global, this.limits.global, now);
    if (this.global.tokens < 1) {
      this.counters.deferredGlobal++;
      return false;
    }
    b.tokens--;
    this.global.tokens--;
    this.counters.sent++;
    return true;
  }

  /** Forget an ended process's bucket. */
  forget(pid: number): void {
    this.perProcess.delete(pid);
  }
}
