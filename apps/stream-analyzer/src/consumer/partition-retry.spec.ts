import { describe, expect, it } from 'vitest';
import { createLogger } from '@vigil/common';
import { KafkaError } from '@vigil/kafka';
import { AnalyzerError } from '../errors/analyzer.error';
import { HealthState } from '../http/health';
import { AnalyzerMetrics } from '../metrics/analyzer.metrics';
import { Abandoned, retriableFailure, retryWhileOwned, type RetryCall } from './partition-retry';

const report = (): { metrics: AnalyzerMetrics; health: HealthState; log: ReturnType<typeof createLogger> } => ({ metrics: new AnalyzerMetrics(), health: new HealthState(), log: createLogger('test', { level: 'silent' }) });
const control = { isActive: (): boolean => true, heartbeat: (): Promise<void> => Promise.resolve(), resolve: (): void => undefined };
const down = (): AnalyzerError => new AnalyzerError('DATABASE_UNAVAILABLE', 'connection refused', { retriable: true });

/** A call on partition 0 that stays ours unless `owned` says otherwise. */
function call(over: Partial<RetryCall> = {}): RetryCall {
  return { dependency: 'database', what: 'writing a batch', control, partition: 0, owned: () => true, lost: () => undefined, ...over };
}

describe('partition retry', () => {
  it('retries an outage until the dependency is back, degraded with the reason meanwhile', async () => {
    const r = report();
    let attempts = 0;
    const reasons: string[] = [];
    const value = await retryWhileOwned(r, call(), () => {
      attempts++;
      reasons.push(...Object.values(r.health.degraded).map((d) => d.reason));
      return attempts < 3 ? Promise.reject(down()) : Promise.resolve('done');
    });
    expect(value).toBe('done');
    expect(attempts).toBe(3);
    expect(reasons).toContain('writing a batch: connection refused');
    expect(r.health.ok).toBe(true);
  });

  it('gives up with Abandoned, once, when the partition is no longer ours', async () => {
    let lost = 0;
    const err = await retryWhileOwned(report(), call({ owned: () => false, lost: () => lost++ }), () => Promise.reject(down())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Abandoned);
    expect(lost).toBe(1);
  });

  it('never retries bad data or bugs, only outages; any Kafka failure waits for an operator', () => {
    expect(retriableFailure('database', down())).toBe(true);
    expect(retriableFailure('database', new AnalyzerError('DATA_REJECTED', 'SQLSTATE 22008'))).toBe(false);
    expect(retriableFailure('database', new AnalyzerError('PARTITION_FENCED', 'moved on'))).toBe(false);
    expect(retriableFailure('database', new TypeError('bug'))).toBe(false);
    const refused = new KafkaError('KAFKA_REJECTED', 'Topic authorization failed', { retriable: false });
    expect(retriableFailure('kafka', refused)).toBe(true);
    expect(retriableFailure('database', refused)).toBe(false);
  });
});
