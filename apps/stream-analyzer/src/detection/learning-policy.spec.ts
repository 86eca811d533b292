import { describe, expect, it } from 'vitest';
import { loadRuleSet } from './rules/rule-directory';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, fleetBaseline, type EngineOptions, type EngineSnapshot } from './engine';
import type { ProcessActivity } from './telemetry';
import { batch, proc } from '../../test/support/fixtures';

const rules = loadRuleSet();
const S = 1_000;
const MIN = 60 * S;
/** The setting: a 90 s learning period. */
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 90 * S, programLearningPeriodMs: 10 * MIN, groupWindowMs: 30 * MIN };
const SHADOW = { path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 };

/** A login shell's window (the parent of what the admin runs). */
function shell(pid: number, over: Partial<ProcessActivity> = {}): ProcessActivity {
  return proc({ pid, ppid: 900, exe: '/usr/bin/bash', comm: 'bash', uid: 1000, ancestry: ['/usr/sbin/sshd', '/usr/lib/systemd/systemd'], files: [], network: [], ...over });
}

/** An endpoint whose learning period has passed with nginx and a shell running; returns the next event time. */
function learned(e: DetectionEngine): number {
  let t = 0;
  for (let i = 0; t <= e.options.learningPeriodMs + 15 * S; i++, t += 15 * S) e.processBatch(batch(t, [proc({ pid: 100 + i, startTimeNs: i }), shell(500 + i)]));
  return t;
}

describe('learning policy (endpoint first, no grace for unknown programs)', () => {
  it('during the endpoint learning period every program learns everything and `baseline: never` rules stay silent', () => {
    const e = new DetectionEngine(rules, OPTS);
    // writable-executable-memory is `baseline: never` (credential reads fire whatever the baseline says)
    const wx = { time: 0, kind: 'mprotect_exec', ret: 0, args: { addr: '0x7f0000000000', len: '4096', prot: '7' } };
    const r = e.processBatch(batch(10 * S, [proc({ pid: 7, exe: '/opt/tool/bin/tool', security: [wx] })]));
    expect(r.alerts).toEqual([]);
    const b = e.baseline('ep-1', '/opt/tool/bin/tool')!;
    expect(b.origin).toBe('endpoint');
    expect(b.learnUntil).toBe(10 * S + 90 * S); // ends with the endpoint's period, counted from its first batch
    expect(e.endpointLearning('ep-1')).toMatchObject({ learningFrom: 10 * S, learningUntil: 100 * S, learning: true });
    // a program first seen late in the period still becomes active when the endpoint's period ends
    e.processBatch(batch(95 * S, [proc({ pid: 8, exe: '/usr/bin/late' })]));
    e.processBatch(batch(101 * S, [proc({ pid: 8, exe: '/usr/bin/late' })]));
    expect(e.baseline('ep-1', '/usr/bin/late')!.active).toBe(true);
    expect(e.endpointLearning('ep-1')).toMatchObject({ progress: 1, learning: false });
  });

  it('after it, a never-seen program dropped in /tmp that reads /etc/shadow in its first minute raises high alerts: its first run and the credential read, one incident', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = learned(e);
    // the shell downloads the tool (curl writes /tmp/.x/kit) …
    const curl = proc({ pid: 600, ppid: 510, exe: '/usr/bin/curl', comm: 'curl', ancestry: ['/usr/bin/bash', '/usr/sbin/sshd'], files: [{ path: '/tmp/.x/kit', flags: 0o1101, ret: 0, count: 1, firstSeen: t - 2 * S }], network: [] });
    const r1 = e.processBatch(batch(t, [curl]));
    expect(r1.alerts.map((a) => [a.kind, a.severity])).toEqual([['new-program', 'low']]); // curl: a packaged program new to this endpoint
    t += 10 * S;
    // … and runs it; it reads /etc/shadow
    const kit = proc({ pid: 601, ppid: 510, exe: '/tmp/.x/kit', comm: 'kit', exeHash: 'cd'.repeat(32), uid: 1000, ancestry: ['/usr/bin/bash', '/usr/sbin/sshd'], files: [SHADOW], network: [] });
    const r2 = e.processBatch(batch(t, [kit]));
    const kinds = r2.alerts.map((a) => [a.kind, a.severity]);
    expect(kinds).toEqual([
      ['new-program', 'high'],
      ['credential-file-read', 'high'],
    ]);
    const first = r2.alerts[0]!;
    expect(first.title).toMatch(/^first run of kit, never seen on this endpoint or the fleet \(written \d+ seconds? before by \/usr\/bin\/curl \(pid 600\)\)$/);
    expect(first.evidence).toContain('/tmp/.x/kit (sha256 cdcdcdcdcdcdcdcd…) started by /usr/bin/bash (pid 510)');
    expect(first.evidence).toContain('in a writable directory; not in a package-managed path');
    expect(first.mitre).toBe('T1105');
    // one story: both alerts of pid 601 (child of the shell 510) share an incident
    expect(new Set(r2.alerts.map((a) => a.incidentId)).size).toBe(1);
    expect(r2.alerts[0]!.incidentId).not.toBeNull();
    // its routine is still learned: novelty findings held back while it learns
    expect(e.baseline('ep-1', `/tmp/.x/kit#${'cd'.repeat(8)}`)).toMatchObject({ origin: 'new-program', active: false });
  });

  it('a never-seen program that a linker wrote just before names compile after delivery (T1027.004), not a download', () => {
    const e = new DetectionEngine(rules, OPTS);
    let t = learned(e);
    const ld = proc({ pid: 700, ppid: 699, exe: '/usr/bin/x86_64-linux-gnu-ld.bfd', comm: 'ld', ancestry: ['/usr/lib/gcc/x86_64-linux-gnu/12/collect2', '/usr/bin/x86_64-linux-gnu-gcc-12'], files: [{ path: '/var/tmp/.b/x', flags: 0o1101, ret: 0, count: 1, firstSeen: t - 2 * S }], network: [] });
    e.processBatch(batch(t, [ld]));
    t += 10 * S;
    const x = proc({ pid: 701, ppid: 510, exe: '/var/tmp/.b/x', comm: 'x', exeHash: 'ef'.repeat(32), ancestry: ['/usr/bin/bash', '/usr/sbin/sshd'], files: [], network: [] });
    const first = e.processBatch(batch(t, [x])).alerts.find((a) => a.kind === 'new-program')!;
    expect(first).toMatchObject({ severity: 'high', mitre: 'T1027.004' });
    expect(first.title).toMatch(/\(built \d+ seconds? before by \/usr\/bin\/x86_64-linux-gnu-ld\.bfd \(pid 700\)\)$/);
  });

  it('a new service that behaves stays quiet: one low first-run finding, then nothing while and after it learns', () => {
    // (its own learning is capped at the endpoint's period: here 30 min and 10 min)
    const e = new DetectionEngine(rules, { ...OPTS, learningPeriodMs: 30 * MIN });
    let t = learned(e);
    const svc = (i: number): ProcessActivity =>
      proc({
        pid: 2000 + i,
        exe: '/usr/sbin/chronyd',
        comm: 'chronyd',
        files: [{ path: `/var/lib/chrony/drift.${i % 3}`, flags: 0o1101, ret: 0, count: 1, firstSeen: 0 }, { path: '/etc/chrony/chrony.conf', flags: 0, ret: 0, count: 1, firstSeen: 0 }],
        network: [{ op: 'CONNECT', family: 'INET', addr: `203.0.113.${i % 4}`, port: 123, ret: 0, count: 1, firstSeen: 0 }],
      });
    const alerts = [];
    for (let i = 0; i < 40; i++, t += MIN) alerts.push(...e.processBatch(batch(t, [svc(i)])).alerts);
    expect(alerts.map((a) => [a.kind, a.severity])).toEqual([['new-program', 'low']]);
    expect(e.baseline('ep-1', '/usr/sbin/chronyd')!.active).toBe(true);
  });

  it('a program the fleet knows is not a first-run finding, and a qualifying fleet baseline starts it active', () => {
    // two other endpoints learned htop
    const other = new DetectionEngine(rules, OPTS);
    const htop = (i: number): ProcessActivity => proc({ pid: 3000 + i, startTimeNs: i, exe: '/usr/bin/htop', files: [{ path: `/proc/${i}/stat`, flags: 0, ret: 0, count: 1, firstSeen: 0 }], network: [] });
    for (let i = 0; i < 24; i++) other.processBatch(batch(i * 10 * S, [htop(i)], { endpointId: `ep-${10 + (i % 2)}` }));
    const fleetB = fleetBaseline([other.baseline('ep-10', '/usr/bin/htop')!, other.baseline('ep-11', '/usr/bin/htop')!])!;
    expect(fleetB.active).toBe(true);
    const e = new DetectionEngine(rules, { ...OPTS, fleetMinRuns: 20, fleetMinEndpoints: 2 }, { get: (k) => (k === '/usr/bin/htop' ? fleetB : undefined) });
    const t = learned(e);
    const r = e.processBatch(batch(t, [htop(99)]));
    expect(r.alerts).toEqual([]);
    expect(r.warmStarted).toEqual(['/usr/bin/htop']);
    expect(e.baseline('ep-1', '/usr/bin/htop')).toMatchObject({ origin: 'fleet', active: true });
  });

  it('the endpoint state (learning start, recent writes, incidents) survives a checkpoint round trip; a version-1 snapshot still restores', () => {
    const a = new DetectionEngine(rules, OPTS);
    const t = learned(a);
    a.processBatch(batch(t, [proc({ pid: 600, exe: '/usr/bin/curl', files: [{ path: '/tmp/kit', flags: 0o1101, ret: 0, count: 1, firstSeen: t }], network: [] })]));
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as EngineSnapshot;
    expect(snap.version).toBe(2);
    const b = new DetectionEngine(rules, OPTS);
    b.restore(snap);
    const kit = proc({ pid: 601, ppid: 510, exe: '/tmp/kit', files: [SHADOW], network: [] });
    const ra = a.processBatch(batch(t + S, [kit], { batchId: 'same' }));
    const rb = b.processBatch(batch(t + S, [kit], { batchId: 'same' }));
    expect(rb.alerts).toEqual(ra.alerts);
    expect(rb.alerts.map((x) => x.kind)).toEqual(['new-program', 'credential-file-read']);
    // version 1 (before endpoint state): baselines keep their own learning window
    const v1: EngineSnapshot = { version: 1, baselines: snap.baselines.map((x) => ({ ...x, state: { ...x.state, version: 1 } })), groups: [] };
    const c = new DetectionEngine(rules, OPTS);
    c.restore(v1);
    expect(c.baseline('ep-1', '/usr/sbin/nginx')!.origin).toBe('legacy');
  });
});
