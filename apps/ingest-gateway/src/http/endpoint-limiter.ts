/**
 * Per-endpoint token buckets: one for requests, one for body bytes. Each starts full (`burst`) and
 * refills at `ratePerS`; a request needs 1 request token and its bytes. A refusal says how long
 * until it would pass, which the gateway sends as Retry-After so the agent waits exactly that.
 *
 * Written here rather than taken from @fastify/rate-limit: that plugin counts requests in fixed
 * windows per key and has no byte quota; the agent's spool catch-up needs a steady refill (not a
 * window edge) and bytes are what cost the gateway and Kafka.
 */

/** One bucket's size: `ratePerS` tokens a second, at most `burst` saved up. `ratePerS` 0 = unlimited. */
export interface BucketSpec {
  ratePerS: number;
  burst: number;
}

/** Limits of one endpoint. */
export interface EndpointLimits {
  requests: BucketSpec;
  bytes: BucketSpec;
}

/** The verdict for one request. */
export type LimitVerdict = { ok: true } | { ok: false; limit: 'requests' | 'bytes'; retryAfterS: number };

interface State {
  requests: number;
  bytes: number;
  at: number;
}

export class EndpointLimiter {
  private readonly state = new Map<string, State>();
  private lastSweep = 0;

  constructor(
    private readonly limits: EndpointLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Endpoints being tracked (bounded by the sweep: a full bucket is forgotten). */
  get tracked(): number {
    return this.state.size;
  }

  /**
   * Take one request and `bytes` for `endpointId`, or take nothing and say when to retry. A body
   * larger than the byte burst passes once the bucket is full (it could never pass otherwise; the
   * body limit bounds it), leaving the bucket in debt so the endpoint then waits its turn.
   */
  take(endpointId: string, bytes: number): LimitVerdict {
    const t = this.now();
    this.sweep(t);
    const s = this.refilled(endpointId, t);
    const { requests: r, bytes: b } = this.limits;
    if (r.ratePerS > 0 && s.requests < 1) return { ok: false, limit: 'requests', retryAfterS: Math.ceil((1 - s.requests) / r.ratePerS) };
    const need = Math.min(bytes, b.burst);
    if (b.ratePerS > 0 && s.bytes < need) return { ok: false, limit: 'bytes', retryAfterS: Math.ceil((need - s.bytes) / b.ratePerS) };
    if (r.ratePerS > 0) s.requests -= 1;
    if (b.ratePerS > 0) s.bytes -= bytes;
    return { ok: true };
  }

  /** Charge bytes learnt only after the body was read (no Content-Length); may leave the bucket in debt. */
  charge(endpointId: string, bytes: number): void {
    if (this.limits.bytes.ratePerS > 0 && bytes > 0) this.refilled(endpointId, this.now()).bytes -= bytes;
  }

  private refilled(endpointId: string, t: number): State {
    const { requests: r, bytes: b } = this.limits;
    let s = this.state.get(endpointId);
    if (!s) {
      s = { requests: r.burst, bytes: b.burst, at: t };
      this.state.set(endpointId, s);
      return s;
    }
    const dt = Math.max(0, t - s.at) / 1000;
    s.requests = Math.min(r.burst, s.requests + dt * r.ratePerS);
    s.bytes = Math.min(b.burst, s.bytes + dt * b.ratePerS);
    s.at = t;
    return s;
  }

  /** Once a minute, forget endpoints whose buckets have refilled: they are indistinguishable from new ones. */
  private sweep(t: number): void {
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    const { requests: r, bytes: b } = this.limits;
    for (const [id, s] of this.state) {
      const dt = (t - s.at) / 1000;
      const full = (have: number, spec: BucketSpec) => spec.ratePerS === 0 || have + dt * spec.ratePerS >= spec.burst;
      if (full(s.requests, r) && full(s.bytes, b)) this.state.delete(id);
    }
  }
}
