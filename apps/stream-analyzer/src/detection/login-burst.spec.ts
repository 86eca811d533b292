import { describe, expect, it } from 'vitest';
import { loadRuleSet } from './rules/rule-directory';
import type { Alert, AlertOccurrence } from './alert';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from './engine';
import type { ProcessActivity } from './telemetry';
import { batch, described, proc } from '../../test/support/fixtures';

const rules = loadRuleSet();
const S = 1_000;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 90 * S };

/** The listening sshd in one agent window, having accepted one connection from each (addr, port). */
function sshd(peers: [string, number][], at: number): ProcessActivity {
  return proc({
    pid: 812,
    ppid: 1,
    startTimeNs: 812,
    exe: '/usr/sbin/sshd',
    comm: 'sshd',
    uid: 0,
    ancestry: ['/usr/lib/systemd/systemd'],
    syscalls: { accept4: peers.length, clone: peers.length, close: peers.length, poll: peers.length + 1 },
    files: [],
    network: peers.map(([addr, port]) => ({ op: 'ACCEPT' as const, family: 'INET' as const, addr, port, ret: 5, count: 1, firstSeen: at })),
  });
}

/** The endpoint after its learning period, sshd learned with a few logins from an admin's address. */
function learned(e: DetectionEngine): number {
  let t = 0;
  for (let i = 0; t <= OPTS.learningPeriodMs + 10 * S; i++, t += 10 * S) e.processBatch(batch(t, [sshd([['10.0.0.5', 50_000 + i]], t)]));
  return t;
}

/** Runs `windows` agent windows of 10 s, each with `perWindow` connections from each address. */
function guess(e: DetectionEngine, t0: number, addrs: string[], windows: number, perWindow: number): { alerts: Alert[]; occurrences: AlertOccurrence[] } {
  const alerts: Alert[] = [];
  const occurrences: AlertOccurrence[] = [];
  let port = 40_000;
  for (let w = 1; w <= windows; w++) {
    const peers = addrs.flatMap((a) => Array.from({ length: perWindow }, () => [a, port++] as [string, number]));
    const r = e.processBatch(batch(t0 + w * 10 * S, [sshd(peers, t0 + w * 10 * S)]));
    alerts.push(...r.alerts);
    occurrences.push(...r.occurrences);
  }
  return { alerts, occurrences };
}

describe('password guessing against a login service (T1110)', () => {
  it('names 30 connections from one private address within a minute: one high alert, with the count', () => {
    const e = new DetectionEngine(rules, OPTS);
    const { alerts, occurrences } = guess(e, learned(e), ['10.0.0.66'], 6, 5);
    const bursts = described(alerts, occurrences).filter((a) => a.kind === 'login-brute-force');
    expect(bursts).toHaveLength(1);
    // the windows after the one that reached the threshold join it, and it tells the count so far
    expect(bursts[0]).toMatchObject({ severity: 'high', mitre: 'T1110', count: 3, title: 'sshd accepted 30 connections from 10.0.0.66 within 50 seconds' });
    expect(bursts[0]!.evidence).toMatch(/^30 connections from 10\.0\.0\.66 \(private\) to \/usr\/sbin\/sshd within 50 seconds \(20 within 10 minutes make a burst\) — password guessing/);
  });

  it('is medium from the internet, where any exposed server is guessed at every day', () => {
    const e = new DetectionEngine(rules, OPTS);
    const { alerts } = guess(e, learned(e), ['203.0.113.9'], 4, 10);
    expect(alerts.filter((a) => a.kind === 'login-brute-force').map((a) => [a.severity, a.data.addr])).toEqual([['medium', '203.0.113.9']]);
  });

  it('says nothing of a few logins, of many addresses logging in once each, or of a web server', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t0 = learned(e);
    // 19 connections from one address in 10 minutes: under the threshold
    expect(guess(e, t0, ['10.0.0.7'], 19, 1).alerts.filter((a) => a.kind === 'login-brute-force')).toEqual([]);
    // 40 addresses, one connection each
    const many = Array.from({ length: 40 }, (_, i) => `10.0.1.${i + 1}`);
    expect(guess(e, t0 + 200 * S, many, 1, 1).alerts.filter((a) => a.kind === 'login-brute-force')).toEqual([]);
    // a web server accepting 100 connections from one client is its routine
    const web = proc({ pid: 900, exe: '/usr/sbin/nginx', comm: 'nginx', network: Array.from({ length: 100 }, (_, i) => ({ op: 'ACCEPT' as const, family: 'INET' as const, addr: '10.0.0.8', port: 30_000 + i, ret: 7, count: 1, firstSeen: t0 })) });
    expect(e.processBatch(batch(t0 + 400 * S, [web])).alerts.filter((a) => a.kind === 'login-brute-force')).toEqual([]);
  });

  it('counts connections only within ten minutes', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t0 = learned(e);
    // 3 connections every 2 minutes: 120 in 80 minutes, never more than 18 within ten
    const alerts: Alert[] = [];
    for (let m = 1; m <= 40; m++) {
      const t = t0 + m * 120 * S;
      alerts.push(...e.processBatch(batch(t, [sshd([0, 1, 2].map((i) => ['10.0.0.9', 41_000 + m * 3 + i]), t)])).alerts);
    }
    expect(alerts.filter((a) => a.kind === 'login-brute-force')).toEqual([]);
  });

  it('fires while the endpoint is still learning: guessing passwords is not a routine to learn', () => {
    const e = new DetectionEngine(rules, OPTS);
    const { alerts } = guess(e, 0, ['192.168.1.40'], 3, 10);
    expect(alerts.filter((a) => a.kind === 'login-brute-force')).toHaveLength(1);
  });
});

describe('password guessing through sudo or su (T1110.001)', () => {
  /** One window in which `n` runs of the program exited with `code`, started by the loop's shell. */
  const runs = (exe: string, argv: string[], n: number, code: number, at: number, uid = 1001): ProcessActivity[] =>
    Array.from({ length: n }, (_, i) =>
      proc({ pid: 30_000 + at / S + i, ppid: 4242, startTimeNs: at + i, exe, comm: exe.split('/').pop()!, uid, argv, exited: true, exitCode: code, ancestry: ['/usr/bin/bash', '/usr/lib/systemd/systemd'], syscalls: { read: 3, write: 2, exit_group: 1 }, files: [], network: [] }),
    );
  const guesses = (exe: string, argv: string[], n: number, code: number): Alert[] => {
    const e = new DetectionEngine(rules, OPTS);
    const t0 = learned(e);
    const alerts: Alert[] = [];
    // in 3 windows of 10 s
    for (let w = 0; w < 3; w++) alerts.push(...e.processBatch(batch(t0 + (w + 1) * 10 * S, runs(exe, argv, Math.ceil(n / 3) - (w < n % 3 || n % 3 === 0 ? 0 : 1), code, t0 + (w + 1) * 10 * S))).alerts);
    return alerts.filter((a) => a.kind === 'local-password-guessing');
  };

  it('names a loop of sudo -S over a word list: one high alert', () => {
    const alerts = guesses('/usr/bin/sudo', ['sudo', '-k', '-S', 'id'], 12, 1);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'high', mitre: 'T1110.001', title: 'sudo failed 12 times for uid 1001 within 20 seconds' });
  });

  it('names su failing again and again', () => {
    expect(guesses('/usr/bin/su', ['su', 'admin', '-c', 'id'], 10, 1)).toHaveLength(1);
  });

  it('says nothing of fewer failures, of sudo -n refused (no password was given), or of runs that succeeded', () => {
    expect(guesses('/usr/bin/su', ['su', 'admin', '-c', 'id'], 9, 1)).toEqual([]);
    expect(guesses('/usr/bin/sudo', ['sudo', '-n', 'true'], 30, 1)).toEqual([]);
    expect(guesses('/usr/bin/sudo', ['sudo', '-S', 'apt-get', 'update'], 30, 0)).toEqual([]);
  });
});
