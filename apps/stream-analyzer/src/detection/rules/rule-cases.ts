import { ProgramBaseline } from '../baseline';
import { extractFeatures } from '../features';
import { DEFAULT_THRESHOLDS, type DetectionContext } from '../finding';
import { basename, programIdentity } from '../identity';
import type { ProcessActivity, TelemetryBatch } from '../telemetry';
import { parseOpenFlags } from './matchers';
import type { TestCase } from './rule-schema';
import type { RuleSet } from './rule-set';

/** The process-window a rule test case describes (defaults: a user process of bash, no other activity). */
export function caseActivity(c: TestCase, pid = 4242): ProcessActivity {
  return {
    pid,
    ppid: pid - 1,
    startTimeNs: 1_000_000,
    exe: c.exe,
    exeHash: null,
    comm: c.comm ?? basename(c.exe).slice(0, 15),
    uid: c.uid ?? 1000,
    gid: c.uid ?? 1000,
    cgroup: '',
    containerId: c.containerId ?? null,
    ancestry: c.ancestry ?? ['/usr/bin/bash', '/usr/sbin/sshd', '/usr/lib/systemd/systemd'],
    syscalls: { read: 20, write: 10, openat: c.files?.length ?? 0, execve: c.execs?.length ?? 0 },
    sequences: { k: 3, ngrams: [] },
    files: (c.files ?? []).map((f) => ({ path: f.path, flags: parseOpenFlags(f.flags), ret: f.ret, count: 1, firstSeen: 0 })),
    execs: (c.execs ?? []).map((e) => ({ time: e.time, filename: e.filename, argv: e.argv, ret: e.ret })),
    network: (c.network ?? []).map((n) => ({ op: n.op, family: n.family, addr: n.addr, port: n.port, ret: n.ret, count: n.count, firstSeen: 0 })),
    security: (c.security ?? []).map((s) => ({ time: s.time, kind: s.kind, args: s.args, ret: s.ret })),
    exited: false,
    exitCode: null,
    argv: c.argv ?? null,
    ancestorPids: null,
  };
}

/** Detection context for a case: an active, empty baseline unless the case says `learning: true`. */
export function caseContext(c: TestCase): DetectionContext {
  const p = caseActivity(c);
  const program = programIdentity(p);
  const baseline = new ProgramBaseline(program);
  const batch: TelemetryBatch = {
    endpointId: 'ep-test',
    agentVersion: 'test',
    batchId: 'b-test',
    sequence: 1,
    windowStart: 0,
    windowEnd: 10_000,
    host: { hostname: 'h', kernel: '6.8', bootId: 'boot', os: '' },
    agentStats: {},
    processes: [
      p,
      ...(c.others ?? []).map((o, i) => caseActivity({ exe: o.exe, files: o.files.map((f) => ({ ...f, ret: 3 })) }, 9000 + i)),
    ],
    drops: {},
  };
  // earlier batches' writes, timed before the window's first exec
  const execTime = c.execs?.[0]?.time ?? 0;
  const earlier = new Map((c.earlierWrites ?? []).map((w) => [w.path, { exe: w.exe, pid: 8000, time: execTime - w.secondsBefore * 1000 }]));
  return { batch, process: p, program, features: extractFeatures(p), baseline, learning: c.learning ?? false, thresholds: DEFAULT_THRESHOLDS, recentWrite: (path) => earlier.get(path) };
}

/** A rule test case the rule set gets wrong: a match case the rule does not fire on, or a near-miss it fires on. */
export interface CaseFailure {
  rule: string;
  file: string;
  kind: 'match' | 'nomatch' | 'missing';
  index: number;
  description: string;
}

/**
 * Run every rule's own test cases through the whole rule set (as the engine would evaluate the
 * window): what `rules check` reports and rule-catalogue.spec.ts asserts per rule. A rule without a
 * match or a near-miss case is a failure too (`missing`).
 */
export function ruleCaseFailures(rules: RuleSet): CaseFailure[] {
  const out: CaseFailure[] = [];
  for (const r of rules.rules) {
    const { id, file } = r.meta;
    const tests = r.tests;
    if (!tests?.match.length || !tests.nomatch.length) out.push({ rule: id, file, kind: 'missing', index: -1, description: `needs ${!tests?.match.length ? 'tests.match' : 'tests.nomatch'}` });
    (tests?.match ?? []).forEach((c, index) => {
      if (!rules.evaluate(caseContext(c)).some((f) => f.kind === id)) out.push({ rule: id, file, kind: 'match', index, description: c.description ?? JSON.stringify(c) });
    });
    (tests?.nomatch ?? []).forEach((c, index) => {
      if (rules.evaluate(caseContext(c)).some((f) => f.kind === id)) out.push({ rule: id, file, kind: 'nomatch', index, description: c.description ?? JSON.stringify(c) });
    });
  }
  return out;
}
