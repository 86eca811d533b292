import { describe, expect, it } from 'vitest';
import { DetectionEngine, DEFAULT_ENGINE_OPTIONS } from '../detection/engine';
import { loadRuleSet } from '../detection/rules/rule-directory';
import { batch, proc } from '../../test/support/fixtures';
import { activityRows, currentArgv, endpointRow, mergeEndpointRow, mergeProcessRow, processRows, WriteSetBuilder } from './write-set';
import { dispositionOf } from '../errors/analyzer.error';
import { FleetCache } from '../baselines/fleet-cache';

const RULES = loadRuleSet();

describe('write set', () => {
  it('has one activity row per (batch, program) with the program totals', () => {
    const b = batch(1_000_000, [proc({ pid: 1 }), proc({ pid: 2 }), proc({ pid: 3, exe: '/usr/bin/curl', comm: 'curl' })]);
    const rows = activityRows(b, []);
    expect(rows).toHaveLength(2);
    const nginx = rows.find((r) => r.program === '/usr/sbin/nginx')!;
    expect(nginx.processes).toBe(2);
    expect(nginx.syscalls).toBe(2 * 115);
    expect(nginx.fileOpens).toBe(10);
    expect(nginx.netOps).toBe(10);
  });

  it('keeps a process run once per transaction, with its earliest first-seen and its exit', () => {
    const e = new DetectionEngine(RULES);
    const w = new WriteSetBuilder();
    const b1 = batch(1_000_000, [proc()]);
    const b2 = batch(1_010_000, [proc({ exited: true, exitCode: 3 })]);
    w.add(b1, e.processBatch(b1));
    w.add(b2, e.processBatch(b2));
    const set = w.seal(e);
    expect(set.processes).toHaveLength(1);
    expect(set.processes[0]).toMatchObject({ firstSeen: b1.windowStart, lastSeen: b2.windowEnd, exitCode: 3, exitedAt: b2.windowEnd });
    expect(processRows(b1)[0]!.startTimeNs).toBe('1000');
  });

  it('stores the argv of the image a process runs, never the argv of a child it started', () => {
    const awk = { time: 0, filename: '/usr/bin/awk', argv: ['awk', '{print $1}'], ret: 0 };
    // the parent bash made the fork+exec: its execs hold awk's argv, its own argv is bash's
    const bash = proc({ pid: 10, exe: '/usr/bin/bash', comm: 'bash', execs: [awk], argv: ['bash', 'run.sh'] });
    const child = proc({ pid: 11, ppid: 10, exe: '/usr/bin/awk', comm: 'awk', execs: [], argv: ['awk', '{print $1}'] });
    const rows = processRows(batch(1_000_000, [bash, child]));
    expect(rows.map((r) => [r.pid, r.exe, r.argv, r.ppid])).toEqual([
      [10, '/usr/bin/bash', ['bash', 'run.sh'], 1],
      [11, '/usr/bin/awk', ['awk', '{print $1}'], 10],
    ]);
    // agents without the field: an exec of its own exe is an exec in place; a child's exec is not its argv
    expect(currentArgv({ ...bash, argv: undefined })).toBeNull();
    const sleep = { time: 0, filename: '/usr/bin/sleep', argv: ['sleep', '5'], ret: 0 };
    expect(currentArgv(proc({ exe: '/usr/bin/sleep', execs: [sleep] }))).toEqual(['sleep', '5']);
    expect(currentArgv(proc({ exe: '/usr/bin/sleep', execs: [sleep], argv: null }))).toEqual(['sleep', '5']);
  });

  it('after an exec the later exe and argv win, and an argv never outlives its image', () => {
    const before = processRows(batch(1_000_000, [proc({ pid: 7, exe: '/usr/bin/bash', comm: 'bash', argv: ['bash', '-c', 'exec sleep 5'] })]))[0]!;
    const after = processRows(batch(1_010_000, [proc({ pid: 7, exe: '/usr/bin/sleep', comm: 'sleep', argv: ['sleep', '5'] })]))[0]!;
    expect(mergeProcessRow(before, after)).toMatchObject({ exe: '/usr/bin/sleep', comm: 'sleep', argv: ['sleep', '5'], firstSeen: before.firstSeen, lastSeen: after.lastSeen });
    expect(mergeProcessRow(before, { ...after, argv: null }).argv).toBeNull();
    expect(mergeProcessRow(before, { ...before, argv: null, lastSeen: after.lastSeen }).argv).toEqual(['bash', '-c', 'exec sleep 5']);
    // an urgent batch can overtake an older window: the row the agent took last wins, in either order
    expect(mergeProcessRow(after, before)).toMatchObject({ exe: '/usr/bin/sleep', argv: ['sleep', '5'], firstSeen: before.firstSeen, lastSeen: after.lastSeen });
    // in one transaction through the builder
    const e = new DetectionEngine(RULES);
    const w = new WriteSetBuilder();
    for (const b of [
      batch(1_000_000, [proc({ pid: 7, exe: '/usr/bin/bash', comm: 'bash', argv: ['bash'] })]),
      batch(1_010_000, [proc({ pid: 7, exe: '/usr/bin/sleep', comm: 'sleep', argv: ['sleep', '5'], exited: true, exitCode: 0 })]),
    ])
      w.add(b, e.processBatch(b));
    expect(w.seal(e).processes).toMatchObject([{ pid: 7, exe: '/usr/bin/sleep', argv: ['sleep', '5'], exitCode: 0 }]);
  });

  it('checkpoints every touched program once, restorable into a fresh engine with the same results', () => {
    const opts = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 50_000 };
    const a = new DetectionEngine(RULES, opts);
    const w = new WriteSetBuilder();
    for (let t = 1; t <= 8; t++) {
      const b = batch(t * 10_000, [proc({ startTimeNs: t })]);
      w.add(b, a.processBatch(b));
    }
    const set = w.seal(a);
    expect(set.baselines).toHaveLength(1);
    expect(set.baselines[0]!.phase).toBe('active');
    // the endpoint's learning period travels with it: without it the restored endpoint would learn again
    expect(set.learning).toEqual([expect.objectContaining({ endpointId: 'ep-1', learningFrom: 10_000, learningUntil: 60_000, lastBatch: 80_000 })]);
    const b = new DetectionEngine(RULES, opts);
    b.restoreCheckpoint('ep-1', JSON.parse(JSON.stringify(set.baselines[0]!.state)));
    b.restoreEndpoint('ep-1', JSON.parse(JSON.stringify(set.learning[0]!.state)));
    const odd = batch(100_000, [proc({ files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 }] })]);
    const ra = a.processBatch(odd);
    const rb = b.processBatch({ ...odd });
    expect(ra.alerts.length).toBeGreaterThan(0);
    expect(rb.alerts.map((x) => x.id)).toEqual(ra.alerts.map((x) => x.id));
  });

  it('marks only an alert’s own first occurrence as already counted', () => {
    const opts = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 20_000 };
    const e = new DetectionEngine(RULES, opts);
    for (let t = 1; t <= 4; t++) e.processBatch(batch(t * 10_000, [proc()]));
    const w = new WriteSetBuilder();
    const shadow = { files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 }] };
    const b1 = batch(50_000, [proc(shadow)]);
    const b2 = batch(60_000, [proc(shadow)]);
    w.add(b1, e.processBatch(b1));
    w.add(b2, e.processBatch(b2));
    const set = w.seal(e);
    const id = set.alerts[0]!.id;
    const occ = set.occurrences.filter((o) => o.alertId === id);
    expect(occ.map((o) => o.first)).toEqual([true, false]);
  });

  it('takes the endpoint status from the agent figures', () => {
    const r = endpointRow(batch(5_000, [], { agentVersion: '1.2.3', drops: { ringbuf_full: 3, map_full: 4 }, agentStats: { records_per_s: 12.5 } }));
    expect(r).toEqual({ endpointId: 'ep-1', agentVersion: '1.2.3', eventsPerS: 12.5, drops: 7, degraded: 0, lastSeen: 5_000 });
  });

  it('counts truncated strings and failed argument reads as degraded records, not as lost events', () => {
    const r = endpointRow(batch(5_000, [], { drops: { string_truncated: 4, read_failed: 2, ringbuf_full: 0, prog_missed: 0 } }));
    expect(r).toMatchObject({ drops: 0, degraded: 6 });
    expect(endpointRow(batch(5_000, [], { drops: { string_truncated: 4, spool_evicted: 1, task_storage: 2 } }))).toMatchObject({ drops: 3, degraded: 4 });
  });

  it('lets an urgent batch move last-seen without erasing the window figures', () => {
    const window = endpointRow(batch(5_000, [], { drops: { ringbuf_full: 2, read_failed: 1 }, agentStats: { records_per_s: 10 } }));
    const urgent = endpointRow(batch(6_000, [], { drops: {}, agentStats: { urgent: 1, urgent_records: 1 } }));
    expect(urgent).toMatchObject({ eventsPerS: null, drops: null, degraded: null, lastSeen: 6_000 });
    expect(mergeEndpointRow(window, urgent)).toMatchObject({ eventsPerS: 10, drops: 2, degraded: 1, lastSeen: 6_000 });
    // a spool eviction reported by an urgent batch is a loss all the same
    expect(endpointRow(batch(6_000, [], { drops: { spool_evicted: 5 }, agentStats: { urgent: 1 } }))).toMatchObject({ drops: 5 });
  });

  it('maps every error code to one consumer behaviour', () => {
    expect(dispositionOf('RECORD_UNDECODABLE')).toBe('dead-letter');
    expect(dispositionOf('DETECTOR_FAILED')).toBe('dead-letter');
    expect(dispositionOf('DATABASE_UNAVAILABLE')).toBe('retry');
    expect(dispositionOf('PARTITION_FENCED')).toBe('reload');
  });

  it('fleet cache merges other endpoints and remembers absent programs for its ttl', () => {
    let now = 0;
    const cache = new FleetCache(10_000, 1_000, () => now);
    const e = new DetectionEngine(RULES, { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 10_000 });
    for (const ep of ['ep-a', 'ep-b']) for (let t = 1; t <= 3; t++) e.processBatch(batch(t * 10_000, [proc({ startTimeNs: t })], { endpointId: ep }));
    const states = ['ep-a', 'ep-b'].map((ep) => ({ programKey: '/usr/sbin/nginx', state: e.checkpoint(ep, '/usr/sbin/nginx')! }));
    expect(cache.missing(['/usr/sbin/nginx', '/bin/x'])).toEqual(['/usr/sbin/nginx', '/bin/x']);
    cache.put(['/usr/sbin/nginx', '/bin/x'], states);
    expect(cache.get('/usr/sbin/nginx')?.sources.size).toBe(2);
    expect(cache.get('/bin/x')).toBeUndefined();
    expect(cache.missing(['/usr/sbin/nginx', '/bin/x'])).toEqual([]);
    now = 2_000;
    expect(cache.missing(['/usr/sbin/nginx', '/bin/x'])).toEqual(['/bin/x']);
    now = 20_000;
    expect(cache.missing(['/usr/sbin/nginx'])).toEqual(['/usr/sbin/nginx']);
  });
});

describe('database JSON', () => {
  it('never hands PostgreSQL a NUL character (jsonb and text refuse it)', async () => {
    const { pgJson } = await import('../repositories/analyzer.repository');
    expect(pgJson({ a: 'x\u0000y', b: ['\u0000'] })).toBe(JSON.stringify({ a: 'x\ufffdy', b: ['\ufffd'] }));
    // a NUL in a key, after a literal backslash, and the text "\u0000" typed as six characters (kept)
    expect(pgJson({ 'k\u0000': '\\\u0000', literal: '\\u0000', both: '\\\\u0000\u0000' })).toBe(JSON.stringify({ 'k\ufffd': '\\\ufffd', literal: '\\u0000', both: '\\\\u0000\ufffd' }));
    expect(JSON.parse(pgJson({ literal: '\\u0000' })).literal).toBe('\\u0000');
    const e = new DetectionEngine(RULES, { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 20_000 });
    for (let t = 1; t <= 4; t++) e.processBatch(batch(t * 10_000, [proc()]));
    e.processBatch(batch(50_000, [proc({ files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 }] })]));
    const c = e.checkpoint('ep-1', '/usr/sbin/nginx')!;
    expect(c.groups.length).toBeGreaterThan(0);
    expect(JSON.stringify(c)).not.toContain('\\u0000');
  });
});
