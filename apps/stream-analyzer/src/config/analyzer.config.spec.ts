import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vigil/common';
import { describeConfig, loadAnalyzerConfig } from './analyzer.config';

const base = { VIGIL_DATABASE_URL: 'postgres://vigil:secret@127.0.0.1:5432/vigil' };

describe('analyzer config', () => {
  it('has the documented defaults', () => {
    const c = loadAnalyzerConfig(base);
    expect(c.learningPeriodMs).toBe(7 * 86_400_000);
    expect(c.port).toBe(5002);
    expect(c.telemetryTopic).toBe('vigil.telemetry.v1');
    expect(c.alertsTopic).toBe('vigil.alerts.v1');
    expect(c.dlqTopic).toBe('vigil.telemetry.dlq.v1');
    expect(c.activityRetentionDays).toBe(30);
  });

  it('reads the learning period and overrides', () => {
    const c = loadAnalyzerConfig({ ...base, VIGIL_BASELINE_LEARNING_PERIOD: '90s', VIGIL_ANALYZER_PORT: '0', VIGIL_ANALYZER_TELEMETRY_TOPIC: 't1' });
    expect(c.learningPeriodMs).toBe(90_000);
    expect(c.port).toBe(0);
    expect(c.telemetryTopic).toBe('t1');
  });

  it('lists every problem at once', () => {
    let err: unknown;
    try {
      loadAnalyzerConfig({ VIGIL_BASELINE_LEARNING_PERIOD: 'soon', VIGIL_ANALYZER_PORT: '70000', VIGIL_LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toContain('VIGIL_DATABASE_URL is required');
    expect(problems).toContain('VIGIL_BASELINE_LEARNING_PERIOD');
    expect(problems).toContain('VIGIL_ANALYZER_PORT');
    expect(problems).toContain('VIGIL_LOG_LEVEL');
  });

  it('masks the database password when described', () => {
    expect(JSON.stringify(describeConfig(loadAnalyzerConfig(base)))).not.toContain('secret');
  });
});
