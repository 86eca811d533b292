import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@vigil/testing';
import { ALERT_ID_HEADER } from '../../src/kafka/alert-record';
import { endpointStream, uuidOf } from '../support/scenario';
import { ENGINE_DETECTIONS } from '../../src/detection/engine-detections';
import { loadRuleSet } from '../../src/detection/rules/rule-directory';
import { Harness, getJson, referenceAlerts } from './harness';

describe('stream analyzer end to end (real Kafka, registry, PostgreSQL)', () => {
  const h = new Harness();
  const endpointId = uuidOf(`e2e/${Date.now()}`);
  let url: string;
  beforeAll(async () => {
    await h.setup();
    await h.pool.query(`insert into endpoints (id, name, key_hash) values ($1, 'e2e-host', decode(repeat('ab', 32), 'hex'))`, [endpointId]);
    url = (await h.start()).url;
  });
  afterAll(() => h.teardown());

  // event time: 1 batch per 500 ms; learning period 2 s; the attack at batch 8 (4 s in), normal again after
  const start = Date.now() - 60_000;
  const stream = endpointStream(endpointId, { start, stepMs: 500, batches: 14, attackAt: [8] });

  it("publishes the loaded rule catalogue (native and Sigma) and the engine's own detections for GET /api/rules", async () => {
    const rows = (await h.pool.query<{ id: string; tactic: string; technique: string; source: string; false_positives: string[] }>('select id, tactic, technique, source, false_positives from detection_rules')).rows;
    expect(rows.map((r) => r.id).sort()).toEqual([...loadRuleSet().ids, ...ENGINE_DETECTIONS.map((d) => d.id)].sort());
    expect(rows.find((r) => r.id === 'login-brute-force')).toMatchObject({ tactic: 'TA0006', technique: 'T1110', source: 'engine' });
    expect(rows.find((r) => r.id === 'credential-file-read')).toMatchObject({ tactic: 'TA0006', technique: 'T1003.008', source: 'native' });
    expect(rows.filter((r) => r.source === 'sigma').length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.false_positives.length > 0)).toBe(true);
  });

  it('learns a normal program, then alerts on /etc/shadow, /bin/sh, a new port and new syscalls — in the database and on the alerts topic', async () => {
    await h.produce(stream);
    await h.waitProcessed();
    const alerts = await h.dbAlerts();
    // the rule names the technique; the baseline deviations of the process are one alert of its tree
    expect(alerts.map((a) => a.kind)).toContain('credential-file-read');
    const trees = alerts.filter((a) => a.group_key.startsWith('tree '));
    expect(trees).toHaveLength(1);
    expect(Object.keys(trees[0]!.evidence_data.kinds as object)).toEqual(expect.arrayContaining(['sensitive-file-read', 'novel-child-program', 'novel-network-activity', 'novel-syscall', 'novel-syscall-sequence']));
    const shadow = (trees[0]!.evidence_data.examples as { kind: string; evidence: string; mitre: string | null }[]).find((x) => x.kind === 'sensitive-file-read')!;
    expect(shadow.evidence).toMatch(/^read \/etc\/shadow — never seen in \d+ runs/);
    expect(shadow.mitre).toBe('T1003.008');
    expect(trees[0]!.severity).toBe('high');
    expect(alerts.every((a) => a.endpoint_id === endpointId && a.program === '/usr/sbin/nginx')).toBe(true);

    // every alert comes from the attack batch: normal batches before and after raised none
    const batchOf = (await h.pool.query<{ batch_id: string }>('select distinct batch_id from alerts')).rows.map((r) => r.batch_id);
    expect(batchOf).toEqual([stream[8]!.batchId]);
    // exactly what the detection engine alone raises over the same batches
    expect(alerts.map((a) => a.id).sort()).toEqual([...referenceAlerts(stream).alerts.keys()].sort());

    const decoder = h.alertDecoder();
    const records = await h.readTopic(h.alertsTopic, (ms) => ms.length >= alerts.length);
    const produced = await Promise.all(records.map(async (m) => ({ header: m.headers[ALERT_ID_HEADER], key: m.key?.toString(), value: (await decoder.decode(m.value!)).value })));
    expect(new Set(produced.map((p) => p.value.id))).toEqual(new Set(alerts.map((a) => a.id)));
    for (const p of produced) {
      expect(p.header).toBe(p.value.id);
      expect(p.key).toBe(endpointId);
      expect(p.value.endpointId).toBe(endpointId);
    }
    expect(produced.find((p) => p.value.kind === 'credential-file-read')!.value).toMatchObject({ severity: 'HIGH', mitreTechnique: 'T1003.008', program: '/usr/sbin/nginx' });
    expect(produced.find((p) => p.value.id === trees[0]!.id)!.value).toMatchObject({ severity: 'HIGH', program: '/usr/sbin/nginx' });
    await waitUntil(async () => (await h.pool.query('select count(*)::int as n from alert_outbox')).rows[0].n === 0, 10_000, 'outbox emptied');
  });

  it('keeps activity, process rows, the baseline checkpoint and the endpoint status', async () => {
    const activity = await h.pool.query('select count(*)::int as n, sum(alerts)::int as alerts from activity where endpoint_id = $1', [endpointId]);
    expect(activity.rows[0]).toEqual({ n: stream.length, alerts: (await h.dbAlerts()).length });
    const procs = await h.pool.query('select count(*)::int as n from processes where endpoint_id = $1', [endpointId]);
    expect(procs.rows[0].n).toBe(stream.length);
    // the exec nginx made (`sh -c id`) started another program: it is never stored as nginx's own argv
    // (issue 14.5); these batches carry no argv of the process itself, so it stays unknown
    const sh = await h.pool.query(`select argv from processes where endpoint_id = $1 and argv = array['sh','-c','id']`, [endpointId]);
    expect(sh.rowCount).toBe(0);
    const nginx = await h.pool.query(`select count(*)::int as n from processes where endpoint_id = $1 and exe = '/usr/sbin/nginx' and argv is null`, [endpointId]);
    expect(nginx.rows[0].n).toBe(stream.length);
    const b = await h.pool.query('select phase, runs, summary, state from program_baselines where endpoint_id = $1', [endpointId]);
    expect(b.rows[0]).toMatchObject({ phase: 'active', runs: String(stream.length) });
    expect(b.rows[0].summary.files).toContain('read /var/www/html/index.html');
    expect(b.rows[0].state.version).toBe(2);
    const ep = await h.pool.query('select agent_version, events_per_s, drops, last_seen_at from endpoints where id = $1', [endpointId]);
    const last = stream[stream.length - 1]!;
    expect(ep.rows[0]).toMatchObject({ agent_version: '0.1.0-test', events_per_s: last.agentStats.records_per_s, drops: String(last.drops.ringbuf_full) });
    expect(new Date(ep.rows[0].last_seen_at).getTime()).toBe(last.windowEnd);
  });

  it('applies an analyst acceptance of the tree\'s alert: what it folded no longer alerts, the rules still do', async () => {
    const novelPort = (await h.pool.query(`select id from alerts where group_key like 'tree %'`)).rows[0].id as string;
    await h.pool.query(`insert into baseline_acceptances (alert_id, endpoint_id, program, accepted_by) values ($1, $2, '/usr/sbin/nginx', 'analyst')`, [novelPort, endpointId]);
    const more = endpointStream(endpointId, { start: start + 20_000, stepMs: 500, batches: 4, attackAt: [3] }).map((b, i) => ({ ...b, batchId: uuidOf(`more/${endpointId}/${i}`), sequence: 100 + i }));
    await h.produce(more);
    await h.waitProcessed();
    await waitUntil(async () => (await h.pool.query('select applied_at from baseline_acceptances')).rows[0].applied_at !== null, 15_000, 'acceptance applied');
    const newer = (await h.pool.query<{ kind: string; detector: string }>('select kind, detector from alerts where batch_id = $1', [more[3]!.batchId])).rows;
    expect(newer.filter((r) => r.detector !== 'rule')).toEqual([]);
    // the rule fires again: the same read by another worker of the same server repeats the earlier alert (an occurrence)
    const fired = (await h.pool.query<{ kind: string }>('select a.kind from alert_occurrences o join alerts a on a.id = o.alert_id where o.batch_id = $1', [more[3]!.batchId])).rows;
    expect(fired.map((r) => r.kind)).toContain('credential-file-read');
  });

  it('reports health with partitions and lag, and Prometheus metrics', async () => {
    const health = await getJson(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, status: 'ok', kafka: { connected: true }, database: { ok: true }, lag: 0 });
    expect((health.body.assignedPartitions as number[]).length).toBe(12);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/vigil_analyzer_batches_total\{result="processed"\} 18/);
    expect(text).toMatch(/vigil_analyzer_alerts_total\{detector="rule",severity="high"\} \d+/);
    expect(text).toMatch(/vigil_analyzer_alerts_total\{detector="[a-z-]+",severity="high"\} \d+/);
    expect(text).toContain('vigil_analyzer_alert_latency_seconds_bucket');
    expect(text).toContain('vigil_analyzer_db_write_seconds_count');
    expect(text).toContain('vigil_analyzer_consumer_lag');
    // every record is fetched once: nothing is re-fetched and skipped in a single-instance run
    expect(text).not.toMatch(/vigil_analyzer_batches_total\{result="skipped"\}/);
  });
});
