import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type BatchResult } from '../detection/engine';
import { loadRuleSet } from '../detection/rules/rule-directory';
import type { TelemetryBatch } from '../detection/telemetry';
import { batch, proc } from '../../test/support/fixtures';
import { processRun, transactionsOf, type RunRecord } from './run-processor';
import { WriteSetBuilder } from './write-set';

const RULES = loadRuleSet();
const OPTS = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 50_000 };

/** An engine whose detectors throw on one batch, as a bug triggered by one record's data would. */
class FailingEngine extends DetectionEngine {
  constructor(private readonly failOn: string) {
    super(RULES, OPTS);
  }

  override processBatch(b: TelemetryBatch): BatchResult {
    if (b.batchId === this.failOn) throw new Error('boom');
    return super.processBatch(b);
  }
}

// a shell reading /etc/shadow after the learning period: a known-bad rule fires
const shadowRead = (t: number): TelemetryBatch =>
  batch(t, [proc({ pid: 7, exe: '/usr/bin/cat', comm: 'cat', uid: 0, files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 }], network: [] })]);
const routine = (t: number): TelemetryBatch => batch(t, [proc({ startTimeNs: t })]);

/** The records of a run at offsets 0, 1, …: a batch, or `dead` for a record that could not be decoded. */
function records(items: (TelemetryBatch | 'dead')[]): RunRecord<string>[] {
  return items.map((b, i) => (b === 'dead' ? { record: String(i), dead: { code: 'RECORD_UNDECODABLE', message: 'bad wire format' } } : { record: String(i), batch: b }));
}

/** What the same batches give when fed to an engine by hand. */
function expectedWriteSet(batches: TelemetryBatch[]): ReturnType<WriteSetBuilder['seal']> {
  const engine = new DetectionEngine(RULES, OPTS);
  const builder = new WriteSetBuilder();
  for (const b of batches) builder.add(b, engine.processBatch(b));
  return builder.seal(engine);
}

describe('run processor', () => {
  it('turns a run of records into the write set the engine gives for them, with no I/O', () => {
    const batches = [routine(10_000), routine(20_000), shadowRead(100_000)];
    const outcome = processRun(new DetectionEngine(RULES, OPTS), records(batches));
    expect(outcome.status).toBe('processed');
    if (outcome.status !== 'processed') return;
    expect(outcome.writeSet).toEqual(expectedWriteSet(batches));
    expect(outcome.writeSet.alerts.some((a) => a.program === '/usr/bin/cat')).toBe(true);
    expect(outcome.writeSet.activity).toHaveLength(3);
    expect(outcome.processed.map((r) => r.record)).toEqual(['0', '1', '2']);
    expect(outcome.deadLetters).toEqual([]);
    expect(outcome.events).toBeGreaterThan(0);
  });

  it('skips a second copy of a batch already analysed (a gateway died between producing and answering), also after a checkpoint', () => {
    const attack = shadowRead(100_000);
    const batches = [routine(10_000), attack, routine(110_000)];
    const outcome = processRun(new DetectionEngine(RULES, OPTS), records([...batches, structuredClone(attack)]));
    expect(outcome.status).toBe('processed');
    if (outcome.status !== 'processed') return;
    expect(outcome.duplicates).toBe(1);
    expect(outcome.processed).toHaveLength(4); // its offset is committed with the run
    expect(outcome.writeSet).toEqual(expectedWriteSet(batches)); // and nothing of it written or learned twice

    // the copy arrives after the partition moved to another instance (the endpoint's checkpoint)
    const first = new DetectionEngine(RULES, OPTS);
    processRun(first, records(batches));
    const second = new DetectionEngine(RULES, OPTS);
    second.restoreEndpoint(attack.endpointId, JSON.parse(JSON.stringify(first.endpointCheckpoint(attack.endpointId))));
    expect(second.processBatch(structuredClone(attack))).toMatchObject({ duplicate: true, alerts: [], occurrences: [] });
    expect(second.processBatch(routine(120_000)).duplicate).toBeUndefined();
  });

  it('lists a record that could not be decoded as a dead letter and writes the rest of the run', () => {
    const batches = [routine(10_000), routine(20_000), shadowRead(100_000)];
    const outcome = processRun(new DetectionEngine(RULES, OPTS), records([batches[0]!, 'dead', batches[1]!, batches[2]!]));
    expect(outcome.status).toBe('processed');
    if (outcome.status !== 'processed') return;
    expect(outcome.deadLetters).toEqual([{ record: '1', dead: { code: 'RECORD_UNDECODABLE', message: 'bad wire format' } }]);
    expect(outcome.processed.map((r) => r.record)).toEqual(['0', '2', '3']);
    expect(outcome.writeSet).toEqual(expectedWriteSet(batches));
  });

  it('names the record a detector failed on and the endpoints whose state it may have left half-updated', () => {
    const other = { ...routine(15_000), endpointId: 'ep-2' };
    const bad = routine(20_000);
    const outcome = processRun(new FailingEngine(bad.batchId), records([routine(10_000), other, bad, routine(30_000)]));
    expect(outcome).toMatchObject({ status: 'poisoned', record: '2', batch: bad, dead: { code: 'DETECTOR_FAILED', message: 'a detector failed on this record: boom' } });
    if (outcome.status !== 'poisoned') return;
    expect(outcome.staleEndpoints.sort()).toEqual(['ep-1', 'ep-2']);
  });

  it('a run without the failing record, as the worker redoes it, is written in full', () => {
    const bad = routine(20_000);
    const run = records([routine(10_000), bad, routine(30_000)]);
    const first = processRun(new FailingEngine(bad.batchId), run);
    expect(first.status).toBe('poisoned');
    if (first.status !== 'poisoned') return;
    // the worker reloads the stale endpoints (here: a fresh engine) and sets the record aside
    const again = run.map((r) => (r.record === first.record ? { record: r.record, dead: first.dead } : r));
    const outcome = processRun(new FailingEngine(bad.batchId), again);
    expect(outcome.status).toBe('processed');
    if (outcome.status !== 'processed') return;
    expect(outcome.deadLetters.map((d) => [d.record, d.dead.code])).toEqual([['1', 'DETECTOR_FAILED']]);
    expect(outcome.processed.map((r) => r.record)).toEqual(['0', '2']);
  });

  it('applies pending acceptances before the batches and lists them in the write set', () => {
    const acceptance = { id: 42, endpointId: 'ep-1', programKey: null, acceptance: null, time: 5_000, alertId: null };
    const outcome = processRun(new DetectionEngine(RULES, OPTS), records([routine(10_000)]), [acceptance]);
    expect(outcome.status === 'processed' && outcome.writeSet.acceptances).toEqual([42]);
  });

  it('an empty run writes nothing but what acceptances changed', () => {
    const outcome = processRun(new DetectionEngine(RULES, OPTS), records(['dead']));
    expect(outcome).toMatchObject({ status: 'processed', processed: [], events: 0, writeSet: { alerts: [], activity: [], baselines: [], endpoints: [] } });
  });
});

describe('transactions of a run', () => {
  it('end after each urgent batch, so its alerts are committed without waiting for later windows', () => {
    const urgent = (t: number): TelemetryBatch => batch(t, [proc()], { agentStats: { urgent: 1 } });
    const run = records([routine(10_000), urgent(11_000), 'dead', routine(20_000), urgent(21_000)]);
    expect(transactionsOf(run).map((tx) => tx.map((r) => r.record))).toEqual([['0', '1'], ['2', '3', '4']]);
    expect(transactionsOf(records([routine(10_000), 'dead']))).toHaveLength(1);
    expect(transactionsOf([])).toEqual([]);
  });
});
