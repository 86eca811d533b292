import { errorMessage, isRetriable, retry, sleep, type Logger } from '@vigil/common';
import { KafkaError, type BatchControl } from '@vigil/kafka';
import { AnalyzerError, dispositionOf } from '../errors/analyzer.error';
import type { HealthState } from '../http/health';
import type { AnalyzerMetrics } from '../metrics/analyzer.metrics';

/** The handler gave up on a run because the partition is no longer (only) ours. */
export class Abandoned extends Error {}

/** What a retry reports to while it waits. */
export interface RetryReporting {
  metrics: AnalyzerMetrics;
  health: HealthState;
  log: Logger;
}

/** One dependency call of a partition's handler. */
export interface RetryCall {
  /** `database`, `kafka` or `registry`: what /healthz reports degraded meanwhile. */
  dependency: string;
  /** What was being done, for health and logs. */
  what: string;
  control: BatchControl;
  /** The partition, for logs (none: a call made for no partition in particular). */
  partition?: number;
  /** Whether the partition is still this handler's (checked after every wait). */
  owned: () => boolean;
  /** Called once when the partition was taken away, before {@link Abandoned} is thrown. */
  lost: () => void;
  maxAttempts?: number;
}

/**
 * Run `fn` until it succeeds: retriable failures (database, Kafka, registry down) are retried with
 * jittered backoff while the partition stays ours, keeping the group membership alive and health
 * degraded with the reason. Gives up with {@link Abandoned} when the partition is taken away.
 */
export function retryWhileOwned<T>(report: RetryReporting, call: RetryCall, fn: () => Promise<T>): Promise<T> {
  const { dependency, what } = call;
  return retry(
    async (attempt) => {
      const value = await fn();
      if (attempt > 0) {
        report.health.recover(dependency);
        report.log.info({ dependency, what, attempts: attempt + 1 }, 'dependency back; resuming');
      }
      return value;
    },
    {
      retries: (call.maxAttempts ?? Number.POSITIVE_INFINITY) - 1,
      initialDelayMs: 250,
      maxDelayMs: 5_000,
      shouldRetry: (err) => retriableFailure(dependency, err),
      onRetry: (err, attempt) => {
        report.metrics.transactions.inc({ result: 'retried' });
        report.health.degrade(dependency, `${what}: ${errorMessage(err)}`);
        if (attempt % 10 === 1) report.log.warn({ dependency, what, attempt, partition: call.partition, err: errorMessage(err) }, 'dependency failing; partition paused, retrying');
      },
      wait: (delayMs) => waitWhileOwned(delayMs, call),
    },
  );
}

/** Wait `delayMs` heartbeating each second; throw {@link Abandoned} once the partition is no longer (only) ours. */
async function waitWhileOwned(delayMs: number, call: RetryCall): Promise<void> {
  const until = Date.now() + delayMs;
  while (Date.now() < until) {
    await sleep(Math.min(1_000, until - Date.now()));
    if (!call.control.isActive() || !call.owned()) {
      call.lost();
      throw new Abandoned();
    }
    await call.control.heartbeat().catch(() => undefined);
  }
}

/**
 * Whether a failure may pass by retrying (a dependency outage), as opposed to a bug or bad data: the
 * analyzer's own errors by their disposition, the registry's and database's by `retriable`. Any
 * failure of Kafka counts as an outage, refusals too (an ACL, a missing topic): the run can neither
 * skip nor dead-letter its records without Kafka, so it waits, degraded with the reason, for an operator.
 */
export function retriableFailure(dependency: string, err: unknown): boolean {
  if (err instanceof AnalyzerError) return dispositionOf(err.code) === 'retry';
  return isRetriable(err) || (dependency === 'kafka' && err instanceof KafkaError);
}
