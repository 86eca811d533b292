import { describe, expect, it } from 'vitest';
import { ProgramBaseline } from '../baseline';
import { extractFeatures } from '../features';
import { DEFAULT_THRESHOLDS, type DetectionContext } from '../finding';
import { programIdentity } from '../identity';
import type { ProcessActivity } from '../telemetry';
import { batch, proc } from '../../../test/support/fixtures';
import { loadRuleSet } from './rule-directory';
import { RuleFileError, RuleSet, scriptCommand } from './rule-set';

const rules = loadRuleSet();

function ctx(p: ProcessActivity, baseline?: ProgramBaseline, learning?: boolean): DetectionContext {
  const program = programIdentity(p);
  const b = baseline ?? new ProgramBaseline(program);
  return { batch: batch(1000, [p]), process: p, program, features: extractFeatures(p), baseline: b, learning: learning ?? !b.active, thresholds: DEFAULT_THRESHOLDS };
}

function activeBaseline(p: ProcessActivity): ProgramBaseline {
  const b = new ProgramBaseline(programIdentity(p));
  b.learn(extractFeatures(p), 'r1', 'ep-1', 0);
  b.updatePhase(10, 1);
  expect(b.active).toBe(true);
  return b;
}

const fired = (rs: RuleSet, p: ProcessActivity, b?: ProgramBaseline, learning?: boolean): string[] => rs.evaluate(ctx(p, b, learning)).map((f) => f.kind);

const TESTS = `    tests: { match: [{ exe: /x }], nomatch: [{ exe: /y }] }\n`;
const rule = (body: string, id = 'r1') =>
  `  - id: ${id}\n    title: t\n    technique: T1000\n    severity: high\n    maturity: stable\n    rationale: r\n    falsePositives: [none]\n    evidence: "{program} {target} {arg.mode}"\n${TESTS}${body}`;
const file = (...rs: string[]) => `version: 1\ntactic: TA0005\nrules:\n${rs.join('')}`;

describe('rules file schema', () => {
  it('rejects invalid rules, listing every problem with its file and path', () => {
    const bad = `version: 1\ntactic: TA9999\nrules:\n  - id: Bad_ID\n    title: x\n    technique: X1\n    severity: extreme\n    event: file\n    evidence: e\n`;
    try {
      RuleSet.parse(bad, 'bad.yaml');
      expect.unreachable('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(RuleFileError);
      const problems = (err as RuleFileError).problems.join('\n');
      for (const p of ['bad.yaml: tactic', 'bad.yaml: rules.0.id', 'rules.0.technique', 'rules.0.severity', 'rules.0.maturity', 'rules.0.rationale', 'rules.0.falsePositives', 'rules.0.tests']) expect(problems).toContain(p);
    }
  });

  it('needs the section of its event and refuses sections of other events', () => {
    expect(() => RuleSet.parse(file(rule('    event: file\n')))).toThrow(/event "file" needs a "file" section/);
    expect(() => RuleSet.parse(file(rule('    event: exec\n    security: { kind: [x] }\n')))).toThrow(/section "security" does not apply to event "exec"/);
  });

  it('expands $lists (shared, local, nested) and refuses unknown ones', () => {
    const rs = RuleSet.fromSources([
      { file: 'lists.yaml', text: 'version: 1\nlists: { a: [/x/one], b: [$a, /x/two] }\n' },
      { file: 'f.yaml', text: file(rule('    event: file\n    file: { path: { equals: [$b] } }\n')) },
    ]);
    const open = (path: string) => proc({ files: [{ path, flags: 0, ret: 0, count: 1, firstSeen: 0 }] });
    expect(fired(rs, open('/x/one'))).toEqual(['r1']);
    expect(fired(rs, open('/x/two'))).toEqual(['r1']);
    expect(fired(rs, open('/x/three'))).toEqual([]);
    expect(() => RuleSet.parse(file(rule('    event: file\n    file: { path: { equals: [$nope] } }\n')), 'f.yaml')).toThrow(/f.yaml: rules.0.file.path.equals.0: unknown list "\$nope"/);
  });

  it('refuses the same id in two files, naming both', () => {
    const text = file(rule('    event: security\n    security: { kind: [x] }\n'));
    expect(() => RuleSet.fromSources([{ file: 'a.yaml', text }, { file: 'b.yaml', text }])).toThrow(/b.yaml: duplicate rule id "r1" \(also in a.yaml\)/);
  });
});

describe('rule evaluation', () => {
  it('octal bit tests on security arguments', () => {
    const rs = RuleSet.parse(file(rule('    event: security\n    security: { kind: [chmod], args: { mode: { number: { radix: 8, anyBits: 0o6000 } } } }\n')));
    const chmod = (mode: string) => proc({ security: [{ time: 1, kind: 'chmod', ret: 0, args: { path: '/tmp/f', mode } }] });
    expect(fired(rs, chmod('4755'))).toEqual(['r1']);
    expect(fired(rs, chmod('2755'))).toEqual(['r1']);
    expect(fired(rs, chmod('755'))).toEqual([]);
    expect(fired(rs, chmod('fd:3'))).toEqual([]); // unreadable number: no match, no throw
    expect(rs.evaluate(ctx(chmod('4755')))[0]!.evidence).toBe('/usr/sbin/nginx /tmp/f 4755');
  });

  it('open flags and access mode', () => {
    const rs = RuleSet.parse(file(rule('    event: file\n    file: { path: { prefix: [/var/log/] }, access: write, flagsAny: [O_TRUNC] }\n')));
    const open = (flags: number) => proc({ files: [{ path: '/var/log/syslog', flags, ret: 0, count: 1, firstSeen: 0 }] });
    expect(fired(rs, open(0o1001))).toEqual(['r1']);
    expect(fired(rs, open(0o2001))).toEqual([]); // O_APPEND
    expect(fired(rs, open(0o1000))).toEqual([]); // O_TRUNC with O_RDONLY is not a write
  });

  it('exceptions drop a hit when all their conditions hold', () => {
    const rs = RuleSet.parse(
      file(rule('    event: file\n    file: { path: { prefix: [/etc/] }, access: any }\n    exceptions: [{ name: e, process: { exe: { basename: [nginx] } }, target: { equals: [/etc/a] } }]\n')),
    );
    const open = (path: string, exe = '/usr/sbin/nginx') => proc({ exe, files: [{ path, flags: 0, ret: 0, count: 1, firstSeen: 0 }] });
    expect(fired(rs, open('/etc/a'))).toEqual([]);
    expect(fired(rs, open('/etc/b'))).toEqual(['r1']);
    expect(fired(rs, open('/etc/a', '/usr/bin/cat'))).toEqual(['r1']);
  });

  it('baseline: never is silent while learning and for what the baseline has seen; other rules fire regardless', () => {
    const rs = RuleSet.parse(
      file(
        rule('    event: security\n    baseline: never\n    security: { kind: [mprotect_exec] }\n', 'never'),
        rule('    event: security\n    security: { kind: [mprotect_exec] }\n', 'always'),
      ),
    );
    const p = proc({ security: [{ time: 1, kind: 'mprotect_exec', ret: 0, args: {} }] });
    expect(fired(rs, p, undefined, true)).toEqual(['always']);
    expect(fired(rs, p, activeBaseline(proc()))).toEqual(['never', 'always']);
    expect(fired(rs, p, activeBaseline(p))).toEqual(['always']);
  });

  it('process conditions: comm mismatch, parent, container, uid', () => {
    const rs = RuleSet.parse(file(rule('    event: process\n    process: { commMismatch: true, parentExe: { basename: [bash] }, container: false, uid: { gte: 1000 } }\n')));
    const p = (over: Partial<ProcessActivity>) => proc({ exe: '/usr/bin/sleep', comm: 'kworker', uid: 1000, ancestry: ['/usr/bin/bash'], ...over });
    expect(fired(rs, p({}))).toEqual(['r1']);
    expect(fired(rs, p({ comm: 'sleep' }))).toEqual([]);
    expect(fired(rs, p({ exe: '/usr/lib/x/a-very-long-program-name', comm: 'a-very-long-pro' }))).toEqual([]); // kernel truncation
    expect(fired(rs, p({ ancestry: ['/usr/sbin/cron'] }))).toEqual([]);
    expect(fired(rs, p({ containerId: 'abc' }))).toEqual([]);
    expect(fired(rs, p({ uid: 0 }))).toEqual([]);
  });

  it('one finding per rule and target per window, with repeats counted', () => {
    const rs = RuleSet.parse(file(rule('    event: security\n    security: { kind: [ptrace] }\n')));
    const s = { time: 1, kind: 'ptrace', ret: 0, args: { request: '16', target_pid: '7' } };
    const f = rs.evaluate(ctx(proc({ security: [s, s] })));
    expect(f).toHaveLength(1);
    expect(f[0]!.data.repeats).toBe(2);
    expect(f[0]!.key).toBe('r1 7');
  });

  it('group: rule makes one finding of many targets (a shell probing 1,024 ports is one alert, not 1,024)', () => {
    const shell = proc({
      exe: '/usr/bin/bash',
      network: Array.from({ length: 1024 }, (_, i) => ({ op: 'CONNECT' as const, family: 'INET' as const, addr: '127.0.0.1', port: 1 + i, ret: -111, count: 1, firstSeen: 0 })),
    });
    const f = rules.evaluate(ctx(shell)).filter((x) => x.kind === 'shell-network-connect');
    expect(f).toHaveLength(1);
    expect(f[0]!.key).toBe('shell-network-connect');
    expect(f[0]!.data.repeats).toBe(1024);
    expect((f[0]!.data.targets as string[]).length).toBe(20);
  });

  it('the shipped catalogue fires nothing on a web server serving pages', () => {
    expect(fired(rules, proc())).toEqual([]);
  });

  it("a program's baseline says it serves the network, except a runtime's (node, python3: its scripts are unrelated)", () => {
    const serving = (exe: string) => proc({ exe, network: [{ op: 'ACCEPT', family: 'INET', addr: '203.0.113.7', port: 51234, ret: 0, count: 1, firstSeen: 0 }] });
    const starting = (exe: string) => proc({ exe, network: [], execs: [{ time: 1, filename: '/usr/bin/bash', argv: ['bash', '-c', 'id'], ret: 0 }] });
    // nginx accepted connections in its learned windows: a window where it only starts a shell still is a service's
    expect(fired(rules, starting('/usr/sbin/nginx'), activeBaseline(serving('/usr/sbin/nginx')))).toContain('shell-from-network-service');
    // node served in the gateway's windows; a test harness (also node) that starts bash is not a service
    expect(fired(rules, starting('/usr/bin/node'), activeBaseline(serving('/usr/bin/node')))).not.toContain('shell-from-network-service');
    // …unless this very process accepts connections
    expect(fired(rules, { ...starting('/usr/bin/node'), network: serving('/usr/bin/node').network }, activeBaseline(serving('/usr/bin/node')))).toContain('shell-from-network-service');
  });

  it("paths spelt with '.' and '..' reach the rules lexical, the spelling kept in `given` (file.givenPath matches it)", () => {
    const open = (path: string, exe = '/usr/bin/python3.11') => proc({ exe, files: [{ path, flags: 0, ret: 0, count: 1, firstSeen: 0 }] });
    const traversal = open('/etc/../etc/./../etc//shadow');
    expect(fired(rules, traversal)).toContain('credential-file-read');
    const hit = rules.evaluate(ctx(traversal)).find((f) => f.kind === 'credential-file-read')!;
    expect(hit.data).toMatchObject({ target: '/etc/shadow', args: { path: '/etc/shadow', given: '/etc/../etc/./../etc//shadow' } });
    // an exception still applies to the lexical path
    expect(fired(rules, open('/etc/../etc/shadow', '/usr/bin/sudo'))).not.toContain('credential-file-read');
    // a relative path stays as given: resolving it needs the process's directory (not in the telemetry)
    expect(fired(rules, open('../etc/shadow'))).not.toContain('credential-file-read');

    const rs = RuleSet.parse(file(rule("    event: file\n    file: { path: { prefix: [/etc/] }, givenPath: { contains: ['/../'] }, access: read }\n")));
    expect(fired(rs, open('/srv/www/../../etc/passwd'))).toEqual(['r1']);
    expect(fired(rs, open('/etc/passwd'))).toEqual([]); // no traversal
    expect(fired(rs, open('/srv/www/../app/index.html'))).toEqual([]); // a traversal that stays outside /etc

    // security events' paths and exec filenames too
    const linked = proc({ exe: '/usr/bin/ln', security: [{ time: 1, kind: 'symlink', ret: 0, args: { target: '/etc/../etc/shadow', path: '/tmp/./s' } }] });
    const link = rules.evaluate(ctx(linked)).find((f) => f.kind === 'link-to-sensitive-file')!;
    expect(link.data).toMatchObject({ target: '/tmp/s', args: { target: '/etc/shadow', given_target: '/etc/../etc/shadow', path: '/tmp/s' } });
    const ran = proc({ exe: '/usr/bin/bash', execs: [{ time: 1, filename: '/tmp/../dev/shm/x', argv: ['x'], ret: 0 }] });
    expect(fired(rules, ran)).toContain('exec-from-dev-shm');
  });
});

describe('scriptCommand', () => {
  it('gives the command a script was run by, from the argv the kernel hands its interpreter', () => {
    expect(scriptCommand('/usr/sbin/update-rc.d', ['/usr/bin/perl', '/usr/sbin/update-rc.d', 'x', 'defaults'])).toBe('/usr/sbin/update-rc.d x defaults');
    // an interpreter option on the #! line comes before the script
    expect(scriptCommand('/usr/sbin/service', ['/bin/sh', '-e', '/usr/sbin/service', 'pf', 'stop'])).toBe('/usr/sbin/service pf stop');
    // run by a relative path: the agent resolves the filename, the argv keeps it as given
    expect(scriptCommand('/root/bin/run.sh', ['/bin/bash', './run.sh', '-v'])).toBe('/root/bin/run.sh -v');
  });

  it('is undefined when the exec ran the interpreter itself or a binary', () => {
    expect(scriptCommand('/usr/bin/bash', ['bash', '/tmp/x.sh'])).toBeUndefined();
    expect(scriptCommand('/usr/bin/python3.11', ['python3', '-c', 'print(1)'])).toBeUndefined();
    expect(scriptCommand('/usr/bin/cat', ['cat', '/etc/hosts'])).toBeUndefined();
    expect(scriptCommand('/usr/bin/true', ['true'])).toBeUndefined();
  });
});
