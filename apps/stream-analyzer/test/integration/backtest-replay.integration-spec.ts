import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubjectSchemas, subjectForTopic } from '@vigil/schemas';
import { runReplayBacktest } from '../../src/backtest/replay-command';
import { replayTelemetry } from '../../src/backtest/telemetry-replay';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine } from '../../src/detection/engine';
import { loadRuleSet, RULES_DIR } from '../../src/detection/rules/rule-directory';
import { TelemetryDecoder } from '../../src/kafka/telemetry-decoder';
import { endpointStream, uuidOf } from '../support/scenario';
import { Harness } from './harness';

describe('backtest replays retained telemetry with the live engine (real Kafka, registry, PostgreSQL)', () => {
  const h = new Harness();
  const endpoints = [uuidOf(`replay-a/${Date.now()}`), uuidOf(`replay-b/${Date.now()}`)];
  let fromMs: number;
  let toMs: number;

  beforeAll(async () => {
    await h.setup();
    for (const [i, id] of endpoints.entries()) await h.pool.query(`insert into endpoints (id, name, key_hash) values ($1, $2, decode(repeat($3, 32), 'hex'))`, [id, `replay-${i}`, i ? 'cd' : 'ab']);
    await h.start();
    // record timestamps are produce times: the range brackets this test's records
    fromMs = Date.now() - 1_000;
    const start = Date.now() - 60_000;
    await h.produce(endpoints.flatMap((id, i) => endpointStream(id, { start, stepMs: 500, batches: 16, attackAt: [8 + i, 13], programs: ['/usr/sbin/nginx', '/usr/bin/python3.11'], processes: 2 })));
    await h.waitProcessed();
    toMs = Date.now() + 1_000;
  });
  afterAll(() => h.teardown());

  it('the same recorded batches through the live consumer and through backtest yield identical alerts', async () => {
    const live = (
      await h.pool.query<{ id: string; kind: string; severity: string; title: string; evidence: string; count: number; batch_id: string }>(
        'select id, kind, severity, title, evidence, count, batch_id from alerts order by id',
      )
    ).rows;
    expect(live.length).toBeGreaterThan(4);
    const config = h.config();
    const engine = new DetectionEngine(loadRuleSet(), {
      ...DEFAULT_ENGINE_OPTIONS,
      learningPeriodMs: config.learningPeriodMs,
      fleetMinRuns: config.fleetMinRuns,
      fleetMinEndpoints: config.fleetMinEndpoints,
    });
    const decoder = new TelemetryDecoder(new SubjectSchemas(h.registry, subjectForTopic(h.telemetryTopic)));
    const replay = await replayTelemetry({ kafka: h.kafka, topic: h.telemetryTopic, decoder }, fromMs, toMs, engine);
    expect(replay.batchIds).toHaveLength(32);
    expect(replay.rejected).toBe(0);
    const offline = replay.alerts
      .map((a) => ({ id: a.id, kind: a.kind, severity: a.severity, title: a.title, evidence: a.evidence, count: a.total, batch_id: a.batchId }))
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(offline).toEqual(live);
  });

  it('a range before the records replays nothing; a candidate learning period is set beside what was raised', async () => {
    const config = h.config();
    const empty = await replayTelemetry(
      { kafka: h.kafka, topic: h.telemetryTopic, decoder: new TelemetryDecoder(new SubjectSchemas(h.registry, subjectForTopic(h.telemetryTopic))) },
      fromMs - 3_600_000,
      fromMs - 1_800_000,
      new DetectionEngine(loadRuleSet(), DEFAULT_ENGINE_OPTIONS),
    );
    expect(empty).toEqual({ alerts: [], batchIds: [], rejected: 0 });

    const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-rules-'));
    cpSync(RULES_DIR, dir, { recursive: true });
    const same = await runReplayBacktest(config, { fromMs, toMs, rulesPath: dir, learningPeriodMs: config.learningPeriodMs });
    const raised = Number((await h.pool.query('select count(*)::int as n from alerts')).rows[0].n);
    expect(same).toContain(`# candidate ${raised} alerts, raised ${raised}: ${raised} in both, 0 only with the candidate, 0 only raised`);

    // a week-long learning period: the baselines would still be learning, so their alerts are "raised" only
    const longer = await runReplayBacktest(config, { fromMs, toMs, rulesPath: RULES_DIR, learningPeriodMs: 7 * 86_400_000 });
    const rows = longer.split('\n').filter((l) => /^(both|candidate|raised)\t/.test(l));
    expect(rows.filter((l) => l.startsWith('raised\t')).length).toBeGreaterThan(0);
    expect(rows.filter((l) => l.startsWith('candidate\t'))).toEqual([]);
    // (a process tree's baseline alert: its kind is its most severe finding's)
    expect(rows.some((l) => /\t(novel-[a-z-]+|sensitive-file-(read|write))\t/.test(l) && l.startsWith('raised\t'))).toBe(true);
  });
});
