import { describe, expect, it } from 'vitest';
import { sampleTelemetryBatch } from '@vigil/schemas';
import { CLOCK_CORRECTION_STAT, ClockOffset, shiftBatchTimes } from './clock-offset';

const answer = (serverMs: number, rttMs = 0) => ({ headers: { date: new Date(serverMs).toUTCString() }, rttMs });

describe('ClockOffset', () => {
  it('learns a clock 10 min ahead from the Date header, to within the header resolution', () => {
    const local = 1_800_000_000_000;
    const c = new ClockOffset(() => local + 600_000);
    c.observe(answer(local + 300, 40));
    expect(c.known).toBe(true);
    expect(Math.abs(c.correctionMs + 600_000)).toBeLessThan(1_100);
  });

  it('leaves an honest clock alone (the header is whole seconds) and does not jitter once corrected', () => {
    let local = 1_800_000_000_000;
    const c = new ClockOffset(() => local);
    c.observe(answer(local + 900));
    expect(c.correctionMs).toBe(0);
    local -= 120_000; // now 2 min behind
    c.observe(answer(local + 120_000));
    const first = c.correctionMs;
    expect(Math.abs(first - 120_000)).toBeLessThan(1_100);
    c.observe(answer(local + 120_700));
    expect(c.correctionMs).toBe(first);
  });

  it('keeps the estimate of the fastest answer: a slow one cannot pull it, a much faster one refines it', () => {
    const local = 1_800_000_000_000;
    const c = new ClockOffset(() => local + 600_000); // 10 min ahead
    // an answer that took 3.2 s, its Date written as the request arrived: the estimate is 1.9 s off
    c.observe(answer(local - 4_000, 3_200));
    expect(Math.abs(c.correctionMs + 600_000)).toBeGreaterThan(1_500);
    // a fast answer refines it, although it differs by less than the threshold
    c.observe(answer(local - 1_000, 30));
    expect(Math.abs(c.correctionMs + 600_000)).toBeLessThan(1_100);
    const good = c.correctionMs;
    // answers that took 8 s, their Date written early or late in the round trip, leave it alone
    c.observe(answer(local - 8_000, 8_000));
    c.observe(answer(local, 8_000));
    expect(c.correctionMs).toBe(good);
    // a clock that steps by minutes is followed even through slow answers
    c.observe(answer(local - 120_000, 8_000));
    expect(Math.abs(c.correctionMs + 720_000)).toBeLessThan(5_000);
  });

  it('ignores an answer without a usable Date', () => {
    const c = new ClockOffset(() => 0);
    c.observe({ headers: { date: 'yesterday-ish' } });
    c.observe({ headers: {} });
    expect(c.known).toBe(false);
  });
});

describe('shiftBatchTimes', () => {
  it('moves every wall-clock time and records the correction; kernel start times stay', () => {
    const b = sampleTelemetryBatch('e', 1, 2);
    const s = shiftBatchTimes(b, -60_000, -60_000);
    expect(s.windowStart).toBe(b.windowStart - 60_000);
    expect(s.windowEnd).toBe(b.windowEnd - 60_000);
    expect(s.processes[0]!.files.map((f) => f.firstSeen)).toEqual(b.processes[0]!.files.map((f) => f.firstSeen - 60_000));
    expect(s.processes[0]!.execs.map((e) => e.time)).toEqual(b.processes[0]!.execs.map((e) => e.time - 60_000));
    expect(s.processes[0]!.network.map((n) => n.firstSeen)).toEqual(b.processes[0]!.network.map((n) => n.firstSeen - 60_000));
    expect(s.processes[0]!.security.map((x) => x.time)).toEqual(b.processes[0]!.security.map((x) => x.time - 60_000));
    expect(s.processes[0]!.startTimeNs).toBe(b.processes[0]!.startTimeNs);
    expect(s.agentStats[CLOCK_CORRECTION_STAT]).toBe(-60_000);
    expect(b.agentStats[CLOCK_CORRECTION_STAT]).toBeUndefined();
  });
});
