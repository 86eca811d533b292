import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vigil/common';
import { DEFAULT_ENGINE_OPTIONS } from '../detection/engine';
import { describeConfig, engineOptionsOf, loadAnalyzerConfig } from './analyzer.config';

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
    expect(c.processRetentionDays).toBe(30);
  });

  it('keeps unalerted process rows for the activity retention unless told less, never more', () => {
    expect(loadAnalyzerConfig({ ...base, VIGIL_ANALYZER_ACTIVITY_RETENTION_DAYS: '14' }).processRetentionDays).toBe(14);
    expect(loadAnalyzerConfig({ ...base, VIGIL_ANALYZER_PROCESS_RETENTION_DAYS: '7' }).processRetentionDays).toBe(7);
    expect(() => loadAnalyzerConfig({ ...base, VIGIL_ANALYZER_PROCESS_RETENTION_DAYS: '60' })).toThrow(/VIGIL_ANALYZER_PROCESS_RETENTION_DAYS \(60\) must not exceed/);
  });

  it('reads the learning period and overrides', () => {
    const c = loadAnalyzerConfig({ ...base, VIGIL_BASELINE_LEARNING_PERIOD: '90s', VIGIL_ANALYZER_PORT: '0', VIGIL_ANALYZER_TELEMETRY_TOPIC: 't1' });
    expect(c.learningPeriodMs).toBe(90_000);
    expect(c.port).toBe(0);
    expect(c.telemetryTopic).toBe('t1');
  });

  it("reads the engine's settings, with the engine's defaults", () => {
    const d = engineOptionsOf(loadAnalyzerConfig(base));
    expect(d).toEqual(DEFAULT_ENGINE_OPTIONS);
    const o = engineOptionsOf(loadAnalyzerConfig({ ...base, VIGIL_ANALYZER_PROGRAM_LEARNING_PERIOD: '2h', VIGIL_ANALYZER_RELEARN_PERIOD: '5m', VIGIL_ANALYZER_GROUP_WINDOW: '30m', VIGIL_ANALYZER_INCIDENT_WINDOW: '15m', VIGIL_ANALYZER_BURST_THRESHOLD: '50' }));
    expect(o).toMatchObject({ programLearningPeriodMs: 7_200_000, relearnPeriodMs: 300_000, groupWindowMs: 1_800_000, incidentWindowMs: 900_000, burstThreshold: 50 });
    expect(() => loadAnalyzerConfig({ ...base, VIGIL_ANALYZER_BURST_THRESHOLD: '1' })).toThrow(/VIGIL_ANALYZER_BURST_THRESHOLD/);
    expect(engineOptionsOf(loadAnalyzerConfig({ ...base, VIGIL_ANALYZER_MAX_PROGRAMS_PER_ENDPOINT: '2000' })).maxProgramsPerEndpoint).toBe(2000);
    expect(engineOptionsOf(loadAnalyzerConfig(base))).toMatchObject({ maxProgramsPerEndpoint: 10_000, maxNewProgramsPerWindow: 500, maxNewProgramsPerParent: 20 });
    expect(engineOptionsOf(loadAnalyzerConfig({ ...base, VIGIL_ANALYZER_MAX_NEW_PROGRAMS_PER_WINDOW: '5' })).maxNewProgramsPerWindow).toBe(5);
    expect(() => loadAnalyzerConfig({ ...base, VIGIL_ANALYZER_MAX_PROGRAMS_PER_ENDPOINT: '10' })).toThrow(/VIGIL_ANALYZER_MAX_PROGRAMS_PER_ENDPOINT/);
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
