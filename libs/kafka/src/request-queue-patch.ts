import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 (the newest release) re-arms a timer after every check of a connection's request
 * queue, even when no request waits and nothing is throttled: `throttledUntil` is -1, so the delay
 * is negative, Node runs it after 1 ms, and the check schedules the next one. Every open broker
 * connection of every client then wakes its process about a thousand times a second for nothing
 * (kafkajs issues 1556 and 1704; the fix proposed upstream, pull request 1667, is not released).
 * Measured with `bench/fleet`: an analyzer with no records to read spent ≈ 0.13 of a core this way
 * and the gateway ≈ 0.05, which made per-core sizing figures at small fleets three to four times too
 * pessimistic.
 *
 * The replacement schedules a check only when a request is waiting: after the throttle ends when the
 * broker throttles, otherwise at kafkajs' own 10 ms interval (a request waiting only for an in-flight
 * slot is also sent when one of the in-flight requests completes, as before). `push` schedules when
 * it queues a request, and every completed request checks the queue, so nothing waits for a timer
 * that is no longer armed.
 */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' RequestQueue class (not exported by its index, so loaded by path). */
export function kafkaRequestQueueClass(): { prototype: RequestQueueInternals } {
  const load = createRequire(require.resolve('kafkajs'));
  return load('./src/network/requestQueue') as { prototype: RequestQueueInternals };
}

let patched = false;

/** Replace `RequestQueue.prototype.scheduleCheckPendingRequests` once per process. */
export function patchKafkaRequestQueue(): void {
  if (patched) return;
  const proto = kafkaRequestQueueClass().prototype;
  if (typeof proto.scheduleCheckPendingRequests !== 'function' || typeof proto.checkPendingRequests !== 'function') {
    throw new Error('kafkajs RequestQueue has changed shape: review libs/kafka/src/request-queue-patch.ts against the installed kafkajs');
  }
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const throttledForMs = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
  patched = true;
}
