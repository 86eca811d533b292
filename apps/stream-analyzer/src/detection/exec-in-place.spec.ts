import { describe, expect, it } from 'vitest';
import { batch, proc } from '../../test/support/fixtures';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from './engine';
import { extractFeatures, ownExecIndex } from './features';
import { loadRuleSet } from './rules/rule-directory';
import type { ProcessActivity } from './telemetry';

const rules = loadRuleSet();
const S = 1_000;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 90 * S };
const exec = (filename: string, argv: string[], time = 0) => ({ time, filename, argv, ret: 0 });

/** `sh -c '<child …>; rm -f x'`: the shell forks the child, then execs rm in place; the window is named rm. */
function commandList(pid: number, child: string, argv: string[]): ProcessActivity {
  const rm = ['rm', '-f', '/tmp/x'];
  return proc({ pid, ppid: 500, exe: '/usr/bin/rm', argv: rm, uid: 0, ancestry: ['/usr/bin/bash', '/usr/sbin/sshd'], files: [], network: [], execs: [exec(child, argv, 1), exec('/usr/bin/rm', rm, 2)] });
}

function learned(): [DetectionEngine, number] {
  const e = new DetectionEngine(rules, OPTS);
  let t = 0;
  // during learning rm ran as a plain child, never after anything else
  for (let i = 0; t <= 105 * S; i++, t += 15 * S) e.processBatch(batch(t, [proc({ pid: 100 + i }), proc({ pid: 300 + i, ppid: 500, exe: '/usr/bin/rm', argv: ['rm', '-f', '/tmp/x'], uid: 0, files: [], network: [], execs: [exec('/usr/bin/rm', ['rm', '-f', '/tmp/x'])] })]));
  return [e, t];
}

describe('a process that replaced its own image in the window (exec in place)', () => {
  it('finds its own exec: the last exec of its exe with its argv, or of its exe when argv is unknown', () => {
    const p = commandList(7, '/usr/bin/sqlite3', ['sqlite3', 'db']);
    expect(ownExecIndex(p)).toBe(1);
    expect(ownExecIndex({ ...p, argv: null })).toBe(1);
    expect(ownExecIndex({ ...p, argv: ['rm', 'other'] })).toBe(-1);
    // a fork+exec child recorded on its parent is not the parent's own exec
    expect(ownExecIndex(proc({ exe: '/usr/bin/bash', argv: ['bash'], execs: [exec('/usr/bin/ls', ['ls'])] }))).toBe(-1);
    const f = extractFeatures(p);
    expect([...f.preExecChildren.keys()]).toEqual(['/usr/bin/sqlite3']);
    expect([...f.execChildren.keys()]).toEqual([]);
  });

  it('does not say the program it became started what the shell before it started', () => {
    const [e, t] = learned();
    const alerts = e.processBatch(batch(t, [commandList(900, '/usr/bin/sqlite3', ['sqlite3', '/tmp/inv.db', 'select 1'])])).alerts;
    expect(alerts.filter((a) => a.kind === 'novel-child-program')).toEqual([]);
    expect(alerts.some((a) => a.title.includes('rm started'))).toBe(false);
  });

  it('still finds a first discovery tool in the command list, named as started before that exec', () => {
    const [e, t] = learned();
    const alerts = e.processBatch(batch(t, [commandList(901, '/usr/bin/id', ['id'])])).alerts;
    const recon = alerts.find((a) => a.kind === 'novel-child-program');
    expect(recon).toMatchObject({ severity: 'medium', mitre: 'T1033' });
    expect(recon!.title).toContain('the process that became /usr/bin/rm started /usr/bin/id (user discovery) before that exec');
  });
});
