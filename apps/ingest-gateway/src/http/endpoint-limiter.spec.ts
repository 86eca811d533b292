import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config/gateway.config';
import { EndpointLimiter } from './endpoint-limiter';

const clock = () => {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('EndpointLimiter', () => {
  it('allows a burst, then refuses with the seconds until a token is back; other endpoints unaffected', () => {
    const c = clock();
    const l = new EndpointLimiter({ requests: { ratePerS: 2, burst: 3 }, bytes: { ratePerS: 0, burst: 1 } }, c.now);
    for (let i = 0; i < 3; i++) expect(l.take('a', 10)).toEqual({ ok: true });
    expect(l.take('a', 10)).toEqual({ ok: false, limit: 'requests', retryAfterS: 1 });
    expect(l.take('b', 10)).toEqual({ ok: true });
    c.advance(500);
    expect(l.take('a', 10)).toEqual({ ok: true });
    expect(l.take('a', 10).ok).toBe(false);
  });

  it('limits bytes; a body larger than the burst passes from a full bucket and leaves debt', () => {
    const c = clock();
    const l = new EndpointLimiter({ requests: { ratePerS: 0, burst: 1 }, bytes: { ratePerS: 1000, burst: 4000 } }, c.now);
    expect(l.take('a', 3000)).toEqual({ ok: true });
    expect(l.take('a', 2000)).toEqual({ ok: false, limit: 'bytes', retryAfterS: 1 });
    c.advance(3000);
    expect(l.take('a', 10_000)).toEqual({ ok: true }); // full (4000) ≥ min(10000, burst)
    expect(l.take('a', 1)).toEqual({ ok: false, limit: 'bytes', retryAfterS: 7 }); // 6000 bytes of debt
    l.charge('b', 5000);
    expect(l.take('b', 1000)).toEqual({ ok: false, limit: 'bytes', retryAfterS: 2 });
  });

  it('forgets endpoints whose buckets refilled (memory bounded by active endpoints)', () => {
    const c = clock();
    const l = new EndpointLimiter({ requests: { ratePerS: 10, burst: 10 }, bytes: { ratePerS: 0, burst: 1 } }, c.now);
    c.advance(60_000);
    for (let i = 0; i < 100; i++) l.take(`ep-${i}`, 0);
    expect(l.tracked).toBe(100);
    c.advance(61_000);
    l.take('other', 0);
    expect(l.tracked).toBe(1);
  });

  it('with the default sizing, a real agent is never refused: 10 s windows, then a full default spool drained back to back', () => {
    const cfg = loadGatewayConfig({ VIGIL_DATABASE_URL: 'postgres://x@127.0.0.1/vigil' });
    const c = clock();
    const l = new EndpointLimiter(cfg.endpointLimits, c.now);
    // A busy host: 5 batches of 200 KiB per window for an hour.
    for (let w = 0; w < 360; w++) {
      for (let b = 0; b < 5; b++) expect(l.take('agent', 200 * 1024).ok).toBe(true);
      c.advance(10_000);
    }
    // After an outage: 256 MiB of 32 KiB batches (8,192) sent one after another, 5 ms each.
    let refused = 0;
    for (let sent = 0; sent < (256 * 1024 * 1024) / (32 * 1024); sent++) {
      if (!l.take('agent', 32 * 1024).ok) refused++;
      c.advance(5);
    }
    expect(refused).toBe(0);
  });
});
