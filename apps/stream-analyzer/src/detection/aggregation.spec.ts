import { describe, expect, it } from 'vitest';
import { loadRuleSet } from './rules/rule-directory';
import type { Alert, AlertOccurrence } from './alert';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from './engine';
import type { ProcessActivity } from './telemetry';
import { batch, described, proc } from '../../test/support/fixtures';
import type { TreeAcceptance } from './tree-fold';

const rules = loadRuleSet();
const S = 1_000;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 90 * S };

/** A subshell of the loop (`(echo > /dev/tcp/127.0.0.1/$p)`): a forked bash connecting once. */
function probe(port: number, at: number): ProcessActivity {
  return proc({
    pid: 20_000 + port,
    ppid: 4242,
    startTimeNs: port,
    exe: '/usr/bin/bash',
    comm: 'bash',
    uid: 1000,
    ancestry: ['/usr/bin/bash', '/usr/sbin/sshd', '/usr/lib/systemd/systemd'],
    syscalls: { clone: 1, socket: 1, connect: 1, close: 2, exit_group: 1 },
    files: [],
    network: [{ op: 'CONNECT', family: 'INET', addr: '127.0.0.1', port, ret: -111, count: 1, firstSeen: at }],
  });
}

/** The endpoint after its learning period, with bash (no network) and nginx learned. */
function learned(e: DetectionEngine): number {
  let t = 0;
  for (let i = 0; t <= OPTS.learningPeriodMs + 10 * S; i++, t += 10 * S)
    e.processBatch(batch(t, [proc({ pid: 100 + i, startTimeNs: i }), proc({ pid: 4242, ppid: 4000, exe: '/usr/bin/bash', comm: 'bash', syscalls: { clone: 1, socket: 1, connect: 1, close: 2, exit_group: 1 }, files: [], network: [] })]));
  return t;
}


describe('aggregation: alerts, not floods', () => {
  it('a bash loop connecting to 1,024 loopback ports in 3 s raises at most 3 alerts, one naming the port scan (T1046)', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t0 = learned(e);
    const alerts: Alert[] = [];
    const occurrences: AlertOccurrence[] = [];
    // four 1-second agent windows, 256 probes each, first probe at t0, last at t0 + 3 s
    for (let w = 0; w < 4; w++) {
      const procs = Array.from({ length: 256 }, (_, i) => {
        const port = w * 256 + i + 1;
        return probe(port, t0 + Math.round(((port - 1) / 1023) * 3 * S));
      });
      const r = e.processBatch(batch(t0 + (w + 1) * S, procs));
      alerts.push(...r.alerts);
      occurrences.push(...r.occurrences);
    }
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(alerts.length).toBeLessThanOrEqual(3);
    const final = described(alerts, occurrences);
    const scan = final.find((a) => a.kind === 'port-scan')!;
    expect(scan).toMatchObject({ mitre: 'T1046', severity: 'high', title: 'bash connected to 1,024 new ports on 127.0.0.1 in 3 s', count: 1024 });
    expect(scan.evidence).toMatch(/^connected to 1,024 ports on 127\.0\.0\.1 it never used before \(e\.g\. 1, 2, 3/);
    // the per-port novelty folded into the loop's one alert of its process tree, with the count
    const novel = final.find((a) => a.kind === 'novel-network-activity')!;
    expect(novel.key).toBe('tree 4242:bash');
    expect(novel.count).toBe(1024);
    expect(novel.data).toMatchObject({ kinds: { 'novel-network-activity': 1024 }, root: { pid: 4242, exe: '/usr/bin/bash' } });
    // what accepting it would teach grew with every batch that joined it: all 1,024 ports
    expect((novel.acceptance as TreeAcceptance).byProgram['/usr/bin/bash']!.network).toHaveLength(1024);
    // every alert of the loop is one incident (the subshells are children of the loop's bash, pid 4242)
    expect(new Set(alerts.map((a) => a.incidentId)).size).toBe(1);
    expect(alerts[0]!.incidentId).not.toBeNull();
  });

  it('a few new ports are one folded alert, not a scan; its acceptance teaches every folded port', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t0 = learned(e);
    const r = e.processBatch(batch(t0 + S, [probe(5432, t0), probe(6379, t0), probe(8080, t0)]));
    // the shell's own connections also match the rule shell-network-connect (one alert: group: rule)
    expect(r.alerts.map((a) => a.kind).sort()).toEqual(['novel-network-activity', 'shell-network-connect']);
    const novelty = r.alerts.find((a) => a.kind === 'novel-network-activity')!;
    expect(novelty.count).toBe(3);
    const taught = (novelty.acceptance as TreeAcceptance).byProgram['/usr/bin/bash']!;
    expect(taught.network!.sort()).toEqual(['CONNECT INET loopback:5432', 'CONNECT INET loopback:6379', 'CONNECT INET loopback:8080']);
    e.accept('ep-1', '/usr/bin/bash', taught, t0 + 2 * S);
    // accepted: no novelty any more (a known-bad rule is never silenced by a baseline)
    expect(e.processBatch(batch(t0 + 3 * S, [probe(5432, t0), probe(8080, t0)])).alerts.filter((a) => a.kind === 'novel-network-activity')).toEqual([]);
  });

  it('alert ids stay deterministic: the same batches from the same state give the same alerts, bursts and occurrences', () => {
    const run = (): unknown[] => {
      const e = new DetectionEngine(rules, OPTS);
      const t0 = learned(e);
      const out: unknown[] = [];
      for (let w = 0; w < 2; w++) {
        const r = e.processBatch(batch(t0 + (w + 1) * S, Array.from({ length: 30 }, (_, i) => probe(w * 30 + i + 1, t0 + w * S)), { batchId: `scan-${w}` }));
        out.push(r.alerts.map((a) => [a.id, a.kind, a.incidentId]), r.occurrences);
      }
      return out;
    };
    expect(run()).toEqual(run());
  });

  it('low-severity novelties never open an incident on their own; unrelated trees are separate incidents', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t0 = learned(e);
    const low = e.processBatch(batch(t0 + S, [proc({ pid: 150, files: [{ path: '/var/www/html/new.html', flags: 0, ret: 0, count: 1, firstSeen: 0 }] })]));
    expect(low.alerts.map((a) => [a.severity, a.incidentId])).toEqual([['low', null]]);
    const shadow = { path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 };
    const two = e.processBatch(batch(t0 + 2 * S, [proc({ pid: 151, ppid: 1, files: [shadow] }), proc({ pid: 4242, ppid: 4000, exe: '/usr/bin/bash', comm: 'bash', files: [shadow], network: [] })]));
    const of = (pid: number): Set<string | null> => new Set(two.alerts.filter((a) => a.pid === pid).map((a) => a.incidentId));
    expect(of(151).size).toBe(1);
    expect(of(4242).size).toBe(1);
    expect([...of(151)][0]).not.toBeNull();
    expect([...of(151)][0]).not.toBe([...of(4242)][0]);
  });
});
