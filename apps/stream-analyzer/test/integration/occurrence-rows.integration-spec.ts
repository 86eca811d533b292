import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, migrate, type Pool } from '@vigil/db';
import { freshDatabase } from '@vigil/testing';
import { WriteSetBuilder } from '../../src/consumer/write-set';
import type { WriteSet } from '../../src/detection/write-set-rows';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine } from '../../src/detection/engine';
import { loadRuleSet } from '../../src/detection/rules/rule-directory';
import type { TelemetryBatch } from '../../src/detection/telemetry';
import { AnalyzerRepository, type PartitionRef } from '../../src/repositories/analyzer.repository';
import { batch } from '../support/fixtures';
import { CAT_CALLS, execOf, sessionCat, sessionShell } from '../support/shell-tree';

const S = 1_000;
const ENDPOINT = '5f0b8a1e-7c2d-4e3f-9a8b-1c2d3e4f5a6b';

// One tree's alert adds a medium finding (pid 600) and a low one (pid 601) in one batch: two occurrence
// rows of that batch, 1 ms apart, each counted once on the alert in PostgreSQL.
describe('occurrence rows of one alert and batch, one per severity, in PostgreSQL', () => {
  let pool: Pool;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await freshDatabase('vigil_occurrence_rows');
    drop = db.drop;
    pool = createPool(db.url, { max: 2 });
    await migrate(pool);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await drop?.();
  });

  it('stores both rows and bumps the alert by the batch’s findings, once, also when the batch is written again', async () => {
    const engine = new DetectionEngine(loadRuleSet(), { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 90 * S });
    const repo = new AnalyzerRepository(pool);
    const ref: PartitionRef = { groupId: 'g', topic: 't', partition: 0 };
    let offset: string | null = null;
    let last: WriteSet | undefined;
    const write = async (b: TelemetryBatch): Promise<void> => {
      const w = new WriteSetBuilder();
      w.add(b, engine.processBatch(b));
      last = w.seal(engine);
      const next = String(Number(offset ?? -1) + 1);
      await repo.commit(ref, offset, next, last);
      offset = next;
    };
    const t0 = Date.now() - 10 * 60 * S;
    let t = t0;
    for (; t <= t0 + 105 * S; t += 15 * S) await write(batch(t, [sessionShell({ execs: [execOf('/usr/bin/cat')] }), sessionCat()], { endpointId: ENDPOINT }));
    await write(batch(t, [sessionShell({ execs: [execOf('/usr/bin/who')] })], { endpointId: ENDPOINT }));
    const alert = (await pool.query<{ id: string; count: number; severity: string }>(`select id, count, severity from alerts where kind = 'novel-child-program'`)).rows[0]!;
    expect(alert).toMatchObject({ count: 1, severity: 'medium' });
    t += 10 * S;
    const second = batch(t, [sessionShell({ execs: [execOf('/usr/bin/ss')] }), sessionCat({ syscalls: { ...CAT_CALLS, statx: 2 } })], { endpointId: ENDPOINT });
    await write(second);
    const rows = (await pool.query<{ pids: number[]; severity: string; count: number; ms: number }>(
      `select pids, severity, count, (extract(epoch from time) * 1000)::float8 - $3 as ms from alert_occurrences where alert_id = $1 and batch_id = $2 order by time`,
      [alert.id, second.batchId, t],
    )).rows;
    expect(rows).toEqual([
      { pids: [600], severity: 'medium', count: 1, ms: 0 },
      { pids: [601], severity: 'low', count: 1, ms: 1 },
    ]);
    const count = async (): Promise<number> => (await pool.query<{ count: number }>('select count from alerts where id = $1', [alert.id])).rows[0]!.count;
    expect(await count()).toBe(3);
    // the same rows written again (a redelivered batch) insert nothing and bump nothing
    await repo.commit(ref, offset, offset!, last!);
    expect(await count()).toBe(3);
  });
});
