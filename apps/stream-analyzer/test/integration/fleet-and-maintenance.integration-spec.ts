import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyzerRepository } from '../../src/repositories/analyzer.repository';
import { endpointStream, uuidOf } from '../support/scenario';
import { Harness } from './harness';

describe('fleet warm start and native partition maintenance', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.setup(3);
    await h.start({ VIGIL_ANALYZER_FLEET_MIN_RUNS: '5', VIGIL_ANALYZER_FLEET_MIN_ENDPOINTS: '2', VIGIL_ANALYZER_FLEET_ABSENT_TTL: '0s' });
  });
  afterAll(() => h.teardown());

  it('a program new on an endpoint starts active from other endpoints’ baselines and alerts on its first deviation', async () => {
    const start = Date.now() - 300_000;
    const veterans = [0, 1].map((i) => endpointStream(uuidOf(`fleet/${start}/${i}`), { start, stepMs: 500, batches: 10, attackAt: [] }));
    await h.produce(veterans.flat());
    await h.waitProcessed();
    expect((await h.pool.query(`select count(*)::int as n from program_baselines where phase = 'active'`)).rows[0].n).toBe(2);

    // a newcomer whose very first window (no learning of its own) reads /etc/shadow and connects out
    const newcomer = uuidOf(`fleet/${start}/new`);
    const first = endpointStream(newcomer, { start: start + 100_000, stepMs: 500, batches: 2, attackAt: [0] });
    await h.produce(first);
    await h.waitProcessed();
    const tree = (await h.pool.query<{ data: { kinds: Record<string, number> } }>(`select evidence_data as data from alerts where endpoint_id = $1 and group_key like 'tree %'`, [newcomer])).rows;
    // baseline detectors (not only rules) fired at once: the fleet baseline made it active
    expect(tree).toHaveLength(1);
    expect(Object.keys(tree[0]!.data.kinds)).toEqual(expect.arrayContaining(['sensitive-file-read', 'novel-network-activity', 'novel-syscall']));
    const b = await h.pool.query('select phase, summary from program_baselines where endpoint_id = $1', [newcomer]);
    expect(b.rows[0].phase).toBe('active');
    // its second (normal) window raised nothing
    expect((await h.pool.query('select count(*)::int as n from alerts where batch_id = $1', [first[1]!.batchId])).rows[0].n).toBe(0);
  });

  it('creates daily partitions ahead and drops those past the retention (no TimescaleDB here)', async () => {
    const ts = (await h.pool.query(`select count(*)::int as n from pg_extension where extname = 'timescaledb'`)).rows[0].n;
    if (ts > 0) return; // hypertables: TimescaleDB's own policies do this
    await h.pool.query(`select vigil_ensure_partitions('activity', current_date - 40, 1)`);
    const name = (d: number): Promise<number> =>
      h.pool.query(`select count(*)::int as n from pg_class where relname = 'activity_p' || to_char(current_date + $1::int, 'YYYYMMDD')`, [d]).then((r) => r.rows[0].n);
    expect(await name(-40)).toBe(1);
    const r = await new AnalyzerRepository(h.pool).maintainPartitions(5, { activity: 30 });
    expect(r!.dropped).toBeGreaterThanOrEqual(1);
    expect(await name(-40)).toBe(0);
    for (const d of [0, 1, 5]) expect(await name(d)).toBe(1);
  });

  it('deletes process rows last seen before the retention, keeps the others', async () => {
    const ep = randomUUID();
    const row = (pid: number, daysAgo: number) =>
      h.pool.query(
        `insert into processes (endpoint_id, boot_id, pid, start_time_ns, ppid, exe, comm, uid, ancestry, first_seen, last_seen)
         values ($1, 'retention-test', $2, 1, 1, '/usr/bin/old', 'old', 0, '{}', now() - make_interval(days => $3::int), now() - make_interval(days => $3::int))`,
        [ep, pid, daysAgo],
      );
    await row(4_000_001, 40);
    await row(4_000_002, 2);
    const r = await new AnalyzerRepository(h.pool).maintainPartitions(5, {}, { days: 30 });
    expect(r!.processesPruned).toBeGreaterThanOrEqual(1);
    const left = await h.pool.query<{ pid: number }>(`select pid from processes where boot_id = 'retention-test' order by pid`);
    expect(left.rows.map((x) => x.pid)).toEqual([4_000_002]);
  });

  it('with a shorter process retention, deletes older process rows no alert points at and keeps the process trees of alerts', async () => {
    const ep = randomUUID();
    const other = randomUUID();
    const row = (endpoint: string, pid: number, daysAgo: number) =>
      h.pool.query(
        `insert into processes (endpoint_id, boot_id, pid, start_time_ns, ppid, exe, comm, uid, ancestry, first_seen, last_seen)
         values ($1, 'short-retention-test', $2, 1, 1, '/usr/bin/cc', 'cc', 0, '{}', now() - make_interval(days => $3::int), now() - make_interval(days => $3::int))`,
        [endpoint, pid, daysAgo],
      );
    await row(ep, 5_000_001, 10); // 10 days old, an alert on its endpoint 5 minutes after it: kept
    await row(ep, 5_000_002, 12); // 12 days old, no alert near it: deleted
    await row(other, 5_000_003, 10); // the alert is another endpoint's: deleted
    await row(ep, 5_000_004, 3); // within the short retention: kept
    await h.pool.query(
      `insert into alerts (id, time, endpoint_id, batch_id, program, pid, kind, detector, severity, score, title, evidence)
       values ($1, now() - make_interval(days => 10) + interval '5 minutes', $2, 'b', '/usr/bin/cc', 5000001, 'rule', 'rule', 'high', 80, 't', 'e')`,
      [randomUUID(), ep],
    );
    const r = await new AnalyzerRepository(h.pool).maintainPartitions(5, {}, { days: 30, unalertedDays: 7, alertMarginMinutes: 10 });
    expect(r!.processesPruned).toBeGreaterThanOrEqual(2);
    const left = await h.pool.query<{ pid: number }>(`select pid from processes where boot_id = 'short-retention-test' order by pid`);
    expect(left.rows.map((x) => x.pid)).toEqual([5_000_001, 5_000_004]);
  });
});
