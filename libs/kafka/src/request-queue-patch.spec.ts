import { afterEach, describe, expect, it, vi } from 'vitest';
import { kafkaRequestQueueClass, patchKafkaRequestQueue } from './request-queue-patch';

type Queue = {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  destroy(): void;
};

const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue(): Queue {
  const RequestQueue = kafkaRequestQueueClass() as unknown as new (o: object) => Queue;
  return new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'spec', broker: 'localhost:9092', logger, isConnected: () => true });
}

describe('kafkajs request queue patch', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an idle connection arms no timer (kafkajs 2.2.4 re-armed one every millisecond)', () => {
    vi.useFakeTimers();
    const q = queue();
    const unpatched = vi.getTimerCount();
    q.checkPendingRequests();
    const armedBefore = vi.getTimerCount() - unpatched;
    q.destroy();
    patchKafkaRequestQueue();
    const p = queue();
    const base = vi.getTimerCount();
    p.checkPendingRequests();
    expect(armedBefore).toBe(1); // the upstream behaviour this patch exists for
    expect(vi.getTimerCount() - base).toBe(0);
    expect(p.throttleCheckTimeoutId).toBeNull();
    p.destroy();
  });

  it('a waiting request is checked again: after the throttle when throttled, else after 10 ms', () => {
    patchKafkaRequestQueue();
    vi.useFakeTimers();
    const q = queue();
    const checks = vi.fn();
    const original = q.checkPendingRequests.bind(q);
    q.checkPendingRequests = () => {
      checks();
      original();
    };
    q.pending.push({});
    q.inflight.set(1, {}); // the one in-flight slot is taken, so the request stays pending
    original();
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    vi.advanceTimersByTime(9);
    expect(checks).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(checks).toHaveBeenCalledTimes(1);

    q.throttledUntil = Date.now() + 500; // t = 10: throttled until t = 510
    vi.advanceTimersByTime(10); // t = 20: the armed 10 ms re-check runs and now waits for the throttle
    const calls = checks.mock.calls.length;
    vi.advanceTimersByTime(480); // t = 500
    expect(checks.mock.calls.length).toBe(calls);
    vi.advanceTimersByTime(10); // t = 510
    expect(checks.mock.calls.length).toBe(calls + 1);
    q.destroy();
  });
});
