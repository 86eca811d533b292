import type { TelemetryBatch } from '@vigil/schemas';
import type { GatewayResponse } from './gateway-client';

/**
 * Below this the agent's clock is left alone: the HTTP `Date` header has a resolution of one second
 * (truncated), so an estimate is only good to about ±1 s plus half the round trip. The gateway
 * allows minutes (VIGIL_GATEWAY_MAX_CLOCK_AHEAD, 10 min by default); 2 s keeps honest clocks exact.
 */
export const CLOCK_CORRECTION_THRESHOLD_MS = 2_000;

/** The `Date` header's resolution: estimates closer than this are the same estimate. */
const HEADER_RESOLUTION_MS = 1_000;

/** Key in a batch's `agentStats`: the correction (ms, gateway − agent) its times were stamped with. */
export const CLOCK_CORRECTION_STAT = 'clock_correction_ms';

/**
 * The offset of the gateway's clock from the agent's, learned from the `Date` header of every answer
 * (the gateway's clock is the one its skew check uses). An endpoint whose clock is minutes off would
 * otherwise have every batch refused (422 CLOCK_AHEAD) or its events misplaced in time; with the
 * offset the transport stamps its batches in the gateway's time, and re-stamps a refused one.
 */
export class ClockOffset {
  private correction = 0;
  private observed = false;
  /** Round trip of the answer the correction comes from: the shorter, the closer the estimate. */
  private bestRttMs = Number.POSITIVE_INFINITY;

  /** `now`: the agent's wall clock (Date.now in the agent; tests fake a wrong one). */
  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds to add to the agent's times (0 while the clocks agree within the threshold). */
  get correctionMs(): number {
    return this.correction;
  }

  /** Whether any answer with a usable Date header was seen. */
  get known(): boolean {
    return this.observed;
  }

  /**
   * Learn from one answer. The gateway wrote `Date` (whole seconds) somewhere within the request's
   * round trip: its time at our midpoint is about Date + 0.5 s, give or take 0.5 s and half the round
   * trip. As NTP does, the estimate from the shortest round trip wins: an answer that took seconds (a
   * gateway under load, a retry storm after an outage) only moves the correction when it differs by
   * more than the threshold plus both answers' uncertainty (a clock that stepped), and a much faster
   * answer refines it. Otherwise the correction stays, so it does not jitter.
   */
  observe(res: Pick<GatewayResponse, 'headers' | 'rttMs'>): void {
    const header = res.headers.date;
    const server = typeof header === 'string' ? Date.parse(header) : Number.NaN;
    if (Number.isNaN(server)) return;
    const rttMs = Math.max(0, res.rttMs ?? 0);
    const localMid = this.now() - rttMs / 2;
    const estimate = server + 500 - localMid;
    const adopt = (): void => {
      this.correction = Math.abs(estimate) <= CLOCK_CORRECTION_THRESHOLD_MS ? 0 : Math.round(estimate);
      this.bestRttMs = rttMs;
    };
    if (!this.observed) {
      this.observed = true;
      adopt();
      return;
    }
    const difference = Math.abs(estimate - this.correction);
    if (difference > CLOCK_CORRECTION_THRESHOLD_MS + rttMs / 2 + this.bestRttMs / 2) adopt();
    else if (rttMs < this.bestRttMs / 2 && difference > HEADER_RESOLUTION_MS) adopt();
    else this.bestRttMs = Math.min(this.bestRttMs, rttMs);
  }
}

type Stamped = Pick<TelemetryBatch, 'windowStart' | 'windowEnd' | 'processes' | 'agentStats'>;

/**
 * A copy of `batch` with every wall-clock time the contract has (window bounds, file and network
 * first-seen, exec and security event times) moved by `deltaMs`, and `agentStats` recording the
 * total correction `correctionMs` the times now carry. Kernel times (boot-relative start times)
 * are not wall-clock and stay.
 */
export function shiftBatchTimes<T extends Stamped>(batch: T, deltaMs: number, correctionMs: number): T {
  const agentStats = { ...batch.agentStats, [CLOCK_CORRECTION_STAT]: correctionMs };
  if (deltaMs === 0) return { ...batch, agentStats };
  const t = (x: number): number => x + deltaMs;
  return {
    ...batch,
    agentStats,
    windowStart: t(batch.windowStart),
    windowEnd: t(batch.windowEnd),
    processes: batch.processes.map((p) => ({
      ...p,
      files: p.files.map((f) => ({ ...f, firstSeen: t(f.firstSeen) })),
      execs: p.execs.map((e) => ({ ...e, time: t(e.time) })),
      network: p.network.map((n) => ({ ...n, firstSeen: t(n.firstSeen) })),
      security: p.security.map((s) => ({ ...s, time: t(s.time) })),
    })),
  };
}
