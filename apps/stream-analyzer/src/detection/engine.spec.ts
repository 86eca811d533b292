import { describe, expect, it } from 'vitest';
import { ProgramBaseline } from './baseline';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, fleetBaseline, type EngineOptions } from './engine';
import { loadRuleSet } from './rules/rule-directory';
import type { ProcessActivity } from './telemetry';
import { batch, kgrams, proc } from '../../test/support/fixtures';
import type { TreeAcceptance } from './tree-fold';

const rules = loadRuleSet();
const MIN = 60_000;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 10 * MIN, groupWindowMs: 30 * MIN };

/** A web worker's normal loop, varied by run. */
function normalRun(i: number, over: Partial<ProcessActivity> = {}): ProcessActivity {
  const loop = ['accept', 'read', 'openat', 'fstat', 'read', 'close', 'write', 'close'];
  const names = Array.from({ length: 6 + (i % 4) }, () => loop).flat();
  return proc({
    pid: 1000 + i,
    startTimeNs: i * 1_000_000,
    files: [
      { path: `/proc/${1000 + i}/status`, flags: 0, ret: 0, count: 1, firstSeen: 0 },
      { path: '/var/www/html/index.html', flags: 0, ret: 0, count: 3, firstSeen: 0 },
      { path: `/tmp/upload_${'Ab3dE9'.slice(i % 3)}${i}x7Qz`, flags: 0o1101, ret: 0, count: 1, firstSeen: 0 },
    ],
    network: [{ op: 'ACCEPT', family: 'INET', addr: `10.0.0.${i % 200}`, port: 40000 + i, ret: 0, count: 2, firstSeen: 0 }],
    execs: [{ time: 0, filename: '/usr/bin/logger', argv: ['logger', '-t', 'web', `req-${i}`], ret: 0 }],
    sequences: kgrams(names),
    ...over,
  });
}

/** Train an engine through the learning period with normal runs; returns the next event time. */
function trained(engine: DetectionEngine, runs = 30): number {
  let t = 0;
  for (let i = 0; i < runs; i++) {
    t = i * MIN;
    const r = engine.processBatch(batch(t, [normalRun(i)]));
    expect(r.alerts).toEqual([]);
  }
  return t + MIN;
}

describe('DetectionEngine', () => {
  it('learns for the learning period, then normal runs raise no alerts', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = trained(e);
    expect(e.baseline('ep-1', '/usr/sbin/nginx')!.active).toBe(true);
    for (let i = 100; i < 120; i++, t += MIN) expect(e.processBatch(batch(t, [normalRun(i)])).alerts).toEqual([]);
  });

  it('a deviating run after learning: shadow read, shell, new port, new syscalls, new sequences — with evidence', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = trained(e);
    const evil = normalRun(200, {
      syscalls: { read: 40, write: 40, openat: 10, close: 10, fstat: 10, accept: 5, ptrace: 1, dup2: 3, socket: 1 },
      files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 }],
      execs: [{ time: 0, filename: '/bin/sh', argv: ['sh', '-c', 'id'], ret: 0 }],
      network: [{ op: 'CONNECT', family: 'INET', addr: '203.0.113.9', port: 4444, ret: 0, count: 1, firstSeen: 0 }],
      sequences: kgrams(['socket', 'connect', 'dup2', 'dup2', 'dup2', 'execve', 'read', 'write', 'ptrace', 'read', 'write', 'ptrace'].flatMap((x) => [x, x]).concat(Array(60).fill('read'))),
    });
    const { alerts, occurrences } = e.processBatch(batch(t, [evil]));
    // the known-bad rules name their techniques; the baseline deviations are one alert of the process tree
    expect(alerts.map((a) => a.kind)).toEqual(expect.arrayContaining(['credential-file-read', 'shell-from-network-service']));
    const trees = alerts.filter((a) => a.key.startsWith('tree '));
    expect(trees).toHaveLength(1);
    const tree = trees[0]!;
    expect(Object.keys(tree.data.kinds as object)).toEqual(expect.arrayContaining(['sensitive-file-read', 'novel-child-program', 'novel-network-activity', 'novel-syscall', 'novel-syscall-sequence']));
    expect(tree.severity).toBe('high');
    expect(tree).toMatchObject({ endpointId: 'ep-1', program: '/usr/sbin/nginx', pid: 1200, ancestry: ['/usr/lib/systemd/systemd'] });
    const examples = tree.data.examples as { kind: string; evidence: string; severity: string; mitre: string | null }[];
    const shadow = examples.find((x) => x.kind === 'sensitive-file-read')!;
    expect(shadow).toMatchObject({ evidence: 'read /etc/shadow — never seen in 30 runs over 29 minutes', mitre: 'T1003.008', severity: 'high' });
    const syscalls = examples.find((x) => x.kind === 'novel-syscall')!;
    expect(syscalls.evidence).toMatch(/^called dup2, ptrace, socket \(5 calls\) — never seen in 30 runs/);
    expect(syscalls.severity).toBe('high'); // ptrace is high-risk
    expect(tree.evidence).toMatch(/deviations from baseline by nginx in the tree of nginx \(pid 1200\)/);
    expect(occurrences).toHaveLength(alerts.length);
    // normal churn (pid in /proc paths, temp names, peers, argv values) raised nothing
    expect(tree.data.kinds).not.toHaveProperty('novel-file-access');
  });

  it('groups repeats: same deviation in many processes and later batches is one alert with a count', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = trained(e);
    // each run calls a peer it never called (no rule names it: no incident of its own)
    const peerRun = (i: number) => normalRun(i, { network: [...normalRun(i).network, { op: 'CONNECT', family: 'INET', addr: '203.0.113.50', port: 443, ret: 0, count: 1, firstSeen: 0 }] });
    const first = e.processBatch(batch(t, [peerRun(300), peerRun(301), peerRun(302)]));
    const a = first.alerts.find((x) => x.kind === 'novel-network-activity')!;
    expect(a.count).toBe(3);
    expect(a.data.pids).toEqual([1300, 1301, 1302]);
    t += MIN;
    const second = e.processBatch(batch(t, [peerRun(303)]));
    expect(second.alerts.filter((x) => x.kind === 'novel-network-activity')).toEqual([]);
    expect(second.occurrences.find((o) => o.alertId === a.id)).toMatchObject({ count: 1, pids: [1303] });
    // after the group window a new alert opens
    t += OPTS.groupWindowMs + MIN;
    expect(e.processBatch(batch(t, [peerRun(304)])).alerts.map((x) => x.kind)).toContain('novel-network-activity');
  });

  it('alert ids are deterministic: replaying from a snapshot yields the same alerts', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = trained(e);
    const snap = JSON.parse(JSON.stringify(e.snapshot()));
    const b = batch(t, [normalRun(400, { files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 }] })]);
    const once = e.processBatch(b);
    const replica = new DetectionEngine(rules, OPTS);
    replica.restore(snap);
    const again = replica.processBatch(b);
    expect(again.alerts.map((a) => a.id)).toEqual(once.alerts.map((a) => a.id));
    expect(once.alerts.length).toBeGreaterThan(0);
    // the same batch again on the engine that already processed it is a second copy in the topic:
    // skipped, nothing learned or raised twice (a run that failed to commit is redone from the
    // database's checkpoints, where the batch is not yet remembered)
    expect(e.processBatch(b)).toMatchObject({ duplicate: true, alerts: [], occurrences: [] });
  });

  it('accept into baseline teaches it: the accepted deviation no longer alerts', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = trained(e);
    const withCurl = (i: number) => normalRun(i, { execs: [{ time: 0, filename: '/usr/bin/curl', argv: ['curl', '-s', 'http://x/'], ret: 0 }] });
    const a = e.processBatch(batch(t, [withCurl(500)])).alerts.find((x) => x.kind === 'novel-child-program')!;
    const taught = (a.acceptance as TreeAcceptance).byProgram[a.programKey]!;
    expect(taught.execChildren).toEqual(['/usr/bin/curl']);
    expect(e.accept('ep-1', a.programKey, taught, t)).toBe(true);
    t += 2 * OPTS.groupWindowMs;
    expect(e.processBatch(batch(t, [withCurl(501)])).alerts).toEqual([]);
  });

  it('active baselines do not absorb new behaviour by themselves', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = trained(e);
    const conn = (i: number) => normalRun(i, { network: [{ op: 'CONNECT', family: 'INET', addr: '198.51.100.7', port: 6667, ret: 0, count: 1, firstSeen: 0 }] });
    expect(e.processBatch(batch(t, [conn(600)])).alerts.map((x) => x.kind)).toContain('novel-network-activity');
    t += 2 * OPTS.groupWindowMs;
    expect(e.processBatch(batch(t, [conn(601)])).alerts.map((x) => x.kind)).toContain('novel-network-activity');
  });

  it('snapshot round-trips through JSON and filters by endpoint', () => {
    const e = new DetectionEngine(rules, OPTS);
    trained(e, 5);
    e.processBatch(batch(0, [normalRun(1)], { endpointId: 'ep-2' }));
    const snap = e.snapshot((ep) => ep === 'ep-2');
    expect(snap.baselines.map((b) => b.endpointId)).toEqual(['ep-2']);
    const full = JSON.parse(JSON.stringify(e.snapshot()));
    const r = new DetectionEngine(rules, OPTS);
    r.restore(full);
    expect(JSON.stringify(r.snapshot())).toBe(JSON.stringify(e.snapshot()));
    r.forget((ep) => ep === 'ep-1');
    expect(r.baseline('ep-1', '/usr/sbin/nginx')).toBeUndefined();
    expect(r.baseline('ep-2', '/usr/sbin/nginx')).toBeDefined();
  });

  it('a fleet baseline warm-starts a new endpoint: active at once, normal runs quiet, deviations alert', () => {
    const e1 = new DetectionEngine(rules, OPTS);
    trained(e1, 30);
    const e2 = new DetectionEngine(rules, OPTS);
    let t = 0;
    for (let i = 0; i < 30; i++, t += MIN) e2.processBatch(batch(t, [normalRun(i)], { endpointId: 'ep-2' }));
    const fleet = fleetBaseline([e1.baseline('ep-1', '/usr/sbin/nginx')!, e2.baseline('ep-2', '/usr/sbin/nginx')!])!;
    expect(fleet.sources.size).toBe(2);
    expect(fleet.runs).toBe(60);
    const e3 = new DetectionEngine(rules, OPTS, { get: (k) => (k === '/usr/sbin/nginx' ? fleet : undefined) });
    const first = e3.processBatch(batch(0, [normalRun(700)], { endpointId: 'ep-new' }));
    expect(first.warmStarted).toEqual(['/usr/sbin/nginx']);
    expect(first.alerts).toEqual([]);
    const dev = e3.processBatch(batch(MIN, [normalRun(701, { files: [{ path: '/etc/sudoers', flags: 0, ret: 0, count: 1, firstSeen: 0 }] })], { endpointId: 'ep-new' }));
    expect(dev.alerts.map((a) => a.kind)).toContain('sensitive-file-read');
    // without a fleet baseline a new endpoint learns first (no baseline alerts)
    const e4 = new DetectionEngine(rules, OPTS);
    expect(e4.processBatch(batch(0, [normalRun(1, { files: [{ path: '/etc/sudoers', flags: 0, ret: 0, count: 1, firstSeen: 0 }] })])).alerts).toEqual([]);
  });

  it('a package update (new exe hash, same path) re-learns from the old baseline: quiet when it behaves, known-bad rules still apply', () => {
    const e = new DetectionEngine(rules, { ...OPTS, relearnPeriodMs: 5 * MIN });
    let t = trained(e);
    const hash = 'ab'.repeat(32);
    const r = e.processBatch(batch(t, [normalRun(800, { exeHash: hash, syscalls: { read: 41, write: 40, openat: 10, close: 10, fstat: 10, accept: 5, getrandom: 2 } })]));
    expect(r.alerts).toEqual([]); // no first-run finding: the path is known
    const b = e.baseline('ep-1', `/usr/sbin/nginx#${'ab'.repeat(8)}`)!;
    expect(b.origin).toBe('update');
    expect(b.active).toBe(false);
    expect(b.files.has('read /var/www/html/index.html')).toBe(true); // started from the old build's baseline
    // during the re-learning a credential read is still a known-bad finding
    t += MIN;
    const shadow = e.processBatch(batch(t, [normalRun(801, { exeHash: hash, files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 }] })]));
    expect(shadow.alerts.map((a) => a.kind)).toEqual(['credential-file-read']);
    // after the re-learning window the new build is judged, and what it learned (getrandom) is routine
    for (let i = 0; i < 6; i++, t += MIN) e.processBatch(batch(t, [normalRun(810 + i, { exeHash: hash, syscalls: { read: 41, write: 40, openat: 10, close: 10, fstat: 10, accept: 5, getrandom: 2 } })]));
    expect(b.active).toBe(true);
    expect(e.processBatch(batch(t, [normalRun(900, { exeHash: hash, syscalls: { read: 41, write: 40, openat: 10, close: 10, fstat: 10, accept: 5, getrandom: 2 } })])).alerts).toEqual([]);
  });

  it('baselines merge and serialise', () => {
    const e = new DetectionEngine(rules, OPTS);
    trained(e, 10);
    const b = e.baseline('ep-1', '/usr/sbin/nginx')!;
    const copy = ProgramBaseline.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    expect(copy.toJSON()).toEqual(b.toJSON());
    copy.merge(b);
    expect(copy.runs).toBe(20);
    expect(copy.files.get('read /var/www/html/index.html')!.count).toBe(2 * b.files.get('read /var/www/html/index.html')!.count);
  });
});
